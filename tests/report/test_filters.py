"""Every filter of `opsrca errors` (API and CLI), and `opsrca show`."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import api
from opsrca.cli import app
from opsrca.errors import InputError
from opsrca.report.filters import parse_when

runner = CliRunner()


def ids(frame: pl.DataFrame) -> set[str]:
    return set(frame["event_id"].to_list())


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"platform": "qimen"}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        ({"platform": ["QIMEN"]}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        ({"shop": "青岛仓"}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        (
            {"endpoint": "PRODUCT/IMPORT"},
            {f"oz1-cc-{i}" for i in range(3)} | {f"oz1-val-{h}" for h in (0, 1, 3, 4, 5)},
        ),
        ({"status": 403}, {f"oz1-cc-{i}" for i in range(3)}),
        (
            {"status": [403, 429]},
            {f"oz1-cc-{i}" for i in range(3)} | {f"tt1-429-{i}" for i in range(6)},
        ),
        ({"code": "WMS_001"}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        ({"category": "auth.insufficient_permission"}, {f"oz1-cc-{i}" for i in range(3)}),
        ({"category": "config"}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        ({"category": "config.*"}, {"qm-cfg-0", "qm-cfg-1", "qm-cfg-2"}),
        ({"min_retries": 5}, {f"tt1-429-{i}" for i in range(6)}),
        ({"search": "OTHER1"}, {"qm-cfg-1"}),
        ({"search": "offer_id"}, {f"oz1-cc-{i}" for i in range(3)}),  # inside the payload
        (
            {"since": "2026-11-02T05:00", "until": "2026-11-02T05:01"},
            {"tt1-new-0"},
        ),  # until is exclusive
        (
            {"platform": "ozon", "min_retries": 3, "category": "auth"},
            {f"oz1-cc-{i}" for i in range(3)},
        ),
    ],
)
def test_error_filters(report_db: Path, filters: dict[str, object], expected: set[str]) -> None:
    assert ids(api.errors(report_db, limit=None, **filters)) == expected


def test_errors_are_failed_events_only_newest_first(report_db: Path) -> None:
    frame = api.errors(report_db, limit=None)
    assert frame.height == 70  # 70 failed events, no successes
    times = frame["occurred_at"].to_list()
    assert times == sorted(times, reverse=True)


def test_since_until_bounds(report_db: Path) -> None:
    since = api.errors(report_db, since="2026-11-02T05:00", limit=None)
    assert ids(since) == {"oz1-val-5", "tt1-new-0", "tt1-new-1"}
    until = api.errors(report_db, until="2026-11-02T00:10", limit=None)
    assert ids(until) == {"oz1-val-0"}
    whole_day = api.errors(report_db, since="2026-11-02", until="2026-11-02", limit=None)
    assert whole_day.height == 70  # a bare --until date includes the day
    assert api.errors(report_db, until="2026-11-01", limit=None).height == 0


def test_limit(report_db: Path) -> None:
    assert api.errors(report_db, limit=7).height == 7


def test_bad_time_says_what_is_expected() -> None:
    with pytest.raises(InputError, match="ISO date"):
        parse_when("yesterday")
    assert parse_when("2026-11-02T10:00+08:00").hour == 2  # converted to UTC


# ---- CLI: each flag ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--platform", "qimen"], 3),
        (["--platform", "ozon", "--platform", "qimen"], 51),
        (["--shop", "OZ1"], 48),
        (["--endpoint", "orders/search"], 9),
        (["--status", "429"], 6),
        (["--code", "36009004"], 6),
        (["--category", "auth"], 43),
        (["--since", "2026-11-02T04:00"], 11),
        (["--until", "2026-11-02T01:00"], 1),
        (["--min-retries", "3"], 13),
        (["--search", "hiccup"], 5),
        (["--limit", "4"], 4),
        (["--limit", "0"], 70),
    ],
)
def test_cli_errors_flags_json(report_db: Path, args: list[str], expected: int) -> None:
    result = runner.invoke(
        app, ["errors", "--db", str(report_db), "--format", "json", "--limit", "0", *args]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == expected


def test_cli_errors_table(report_db: Path) -> None:
    result = runner.invoke(app, ["errors", "--db", str(report_db), "--shop", "青岛仓"])
    assert result.exit_code == 0, result.output
    assert "qm-cfg-0" in result.stdout and "3 rows" in result.stdout


def test_cli_errors_csv_stdout_plain_utf8(report_db: Path) -> None:
    result = runner.invoke(
        app, ["errors", "--db", str(report_db), "--format", "csv", "--platform", "qimen"]
    )
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff")
    assert result.stdout.startswith("event_id,")
    assert "仓库代码OTHER0不存在" in result.stdout


def test_cli_errors_csv_file_has_bom(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "qimen.csv"
    result = runner.invoke(
        app,
        [
            "errors",
            "--db",
            str(report_db),
            "--format",
            "csv",
            "--platform",
            "qimen",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(out)
    assert back.height == 3 and "青岛仓" in back["shop_id"].to_list()


def test_cli_errors_output_of_unknown_kind_is_an_error(report_db: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["errors", "--db", str(report_db), "--output", str(tmp_path / "x.txt")]
    )
    assert result.exit_code == 2
    assert ".csv, .xlsx, .json or .parquet" in result.output


def test_cli_errors_missing_db(tmp_path: Path) -> None:
    result = runner.invoke(app, ["errors", "--db", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# ---- show -----------------------------------------------------------------------------------
def test_show_api(report_db: Path) -> None:
    detail = api.show("oz1-cc-1", db=report_db)
    assert detail.event["shop_id"] == "OZ1"
    assert detail.payload["response"]["code"] == 7
    assert detail.classification is not None
    assert detail.classification["root_cause"] == "auth.insufficient_permission"
    assert detail.classification["fix_zh"] and detail.classification["fix_en"]
    assert '"offer_id": "SKU-1"' in detail.payload_json()


def test_show_cli_prints_payload_classification_and_fix(report_db: Path) -> None:
    result = runner.invoke(app, ["show", "oz1-cc-1", "--db", str(report_db)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Insufficient scope" in out
    assert '"offer_id"' in out  # pretty JSON payload
    assert "auth.insufficient_permission" in out
    assert "matched in test" in out  # evidence
    assert "权限" in out and "authorization-code" in out  # fix zh + en


def test_show_success_row_has_no_classification(report_db: Path) -> None:
    result = runner.invoke(app, ["show", "oz1-ok-3", "--db", str(report_db)])
    assert result.exit_code == 0, result.output
    assert "not classified" in result.stdout


def test_show_unknown_id_is_a_clear_error(report_db: Path) -> None:
    result = runner.invoke(app, ["show", "no-such-id", "--db", str(report_db)])
    assert result.exit_code == 2
    assert "no event with id 'no-such-id'" in result.output
    assert "opsrca errors" in result.output


def test_cli_errors_json_file(report_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "auth.json"
    result = runner.invoke(
        app,
        [
            "errors",
            "--db",
            str(report_db),
            "--category",
            "auth.token_expired",
            "--limit",
            "0",
            "--format",
            "json",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 40 and {r["root_cause"] for r in rows} == {"auth.token_expired"}
    assert "wrote 40 rows" in result.output


def test_cli_health_table(report_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opsrca.cli._app import console

    monkeypatch.setattr(console, "width", 200)
    result = runner.invoke(app, ["health", "--db", str(report_db)])
    assert result.exit_code == 0, result.output
    assert "OZ2" in result.stdout and "320/300" in result.stdout
