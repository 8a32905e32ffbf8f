"""CLI: ingest / query / export exit codes, messages and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsrca.cli import app

runner = CliRunner()


def test_clean_ingest_exits_0_and_prints_the_table(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "x.duckdb"
    result = runner.invoke(
        app, ["ingest", str(data_dir / "tiktok_ops_errors_small.csv"), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "tiktok_csv" in result.output and "loaded" in result.output
    again = runner.invoke(
        app, ["ingest", str(data_dir / "tiktok_ops_errors_small.csv"), "--db", str(db)]
    )
    assert again.exit_code == 0 and "duplicate" in again.output


def test_rejects_exit_1_and_say_where(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "x.duckdb"
    result = runner.invoke(
        app, ["ingest", str(data_dir / "tiktok_ops_errors_messy.csv"), "--db", str(db)]
    )
    assert result.exit_code == 1
    assert "5 row(s) rejected" in result.output and "FROM rejects" in result.output


def test_unreadable_file_one_line_error(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(bytes(range(256)) * 10)
    result = runner.invoke(
        app,
        [
            "ingest",
            str(bad),
            str(data_dir / "taobao_distribute_small.jsonl"),
            "--db",
            str(tmp_path / "x.duckdb"),
        ],
    )
    assert result.exit_code == 1
    assert "unreadable" in result.output and "garbage.csv" in result.output
    assert "loaded" in result.output  # the other file still loaded


def test_strict_and_bad_options(tmp_path: Path, data_dir: Path) -> None:
    db = str(tmp_path / "x.duckdb")
    strict = runner.invoke(
        app, ["ingest", str(data_dir / "tiktok_ops_errors_messy.csv"), "--db", db, "--strict"]
    )
    assert strict.exit_code == 2 and "--strict" in strict.output
    bad_map = runner.invoke(app, ["ingest", str(data_dir), "--db", db, "--map", "colour=nonsense"])
    assert bad_map.exit_code == 2 and "unknown event field 'nonsense'" in bad_map.output
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv"), "--db", db])
    assert missing.exit_code == 2 and "nope.csv" in missing.output


def test_map_and_format_options(tmp_path: Path) -> None:
    src = tmp_path / "odd_export.csv"
    src.write_text("Zeit,Fehler\n2026-11-02 10:13:05,token expired\n", encoding="utf-8")
    db = str(tmp_path / "x.duckdb")
    result = runner.invoke(
        app,
        [
            "ingest",
            str(src),
            "--db",
            db,
            "--format",
            "generic",
            "--map",
            "Zeit=occurred_at",
            "--map",
            "Fehler=message",
        ],
    )
    assert result.exit_code == 0, result.output
    out = runner.invoke(
        app, ["query", "SELECT message, occurred_at FROM events", "--db", db, "--format", "json"]
    )
    assert out.exit_code == 0
    assert json.loads(out.output) == [
        {"message": "token expired", "occurred_at": "2026-11-02 02:13:05"}
    ]


def test_query_table_csv_and_errors(tmp_path: Path, data_dir: Path) -> None:
    db = str(tmp_path / "x.duckdb")
    runner.invoke(app, ["ingest", str(data_dir / "tiktok_ops_errors_small.csv"), "--db", db])
    table = runner.invoke(
        app, ["query", "SELECT event_id FROM events ORDER BY 1", "--db", db, "--limit", "2"]
    )
    assert table.exit_code == 0 and "showing 2 of 3 rows" in table.output
    as_csv = runner.invoke(
        app, ["query", "SELECT count(*) AS n FROM events", "--db", db, "--format", "csv"]
    )
    assert as_csv.output.splitlines() == ["n", "3"]
    bad = runner.invoke(app, ["query", "SELECT * FROM nowhere", "--db", db])
    assert bad.exit_code == 2 and "query failed" in bad.output
    no_db = runner.invoke(app, ["query", "SELECT 1", "--db", str(tmp_path / "none.duckdb")])
    assert no_db.exit_code == 2 and "does not exist" in no_db.output


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export(tmp_path: Path, data_dir: Path, fmt: str) -> None:
    import polars as pl

    db = str(tmp_path / "x.duckdb")
    runner.invoke(app, ["ingest", str(data_dir / "qimen_sync_log_gbk.csv"), "--db", db])
    out = tmp_path / f"events.{fmt}"
    result = runner.invoke(app, ["export", "--format", fmt, "--out", str(out), "--db", db])
    assert result.exit_code == 0 and "wrote 3 rows" in result.output
    if fmt == "csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
        assert "杭州云仓旗舰店" in raw.decode("utf-8-sig")
        assert pl.read_csv(out).height == 3
    else:
        assert pl.read_parquet(out)["platform"].to_list() == ["qimen"] * 3
    bad = runner.invoke(app, ["export", "--out", str(out), "--db", db, "--table", "nope"])
    assert bad.exit_code == 2 and "unknown table" in bad.output


@pytest.mark.parametrize("command", ["ingest", "query", "export"])
def test_help_has_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
