"""report: events.parquet, summary.csv (UTF-8 BOM) and a self-contained report.html."""

from __future__ import annotations

import os
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import api
from opsrca.cli import app
from opsrca.errors import InputError


@pytest.fixture(scope="module")
def outputs(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> api.OutputFiles:
    return api.report(report_db, tmp_path_factory.mktemp("out") / "nested" / "out")


def test_events_parquet_has_root_causes(outputs: api.OutputFiles) -> None:
    frame = pl.read_parquet(outputs.events_parquet)
    assert frame.height == 452
    assert {"root_cause", "confidence", "fix_zh", "fix_en", "template"} <= set(frame.columns)
    assert frame.filter(pl.col("is_error"))["root_cause"].null_count() == 0


def test_summary_csv_bom_and_content(outputs: api.OutputFiles) -> None:
    raw = outputs.summary_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(outputs.summary_csv)
    assert frame["root_cause"][0] == "auth.token_expired"
    assert {"events", "shops", "fix_zh", "fix_en", "name_zh"} <= set(frame.columns)
    assert "访问令牌过期" in raw.decode("utf-8-sig")


def test_report_html_is_self_contained(outputs: api.OutputFiles) -> None:
    text = outputs.report_html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)  # plotly.js inlined, no CDN
    assert not re.search(r"<link[^>]+href=\"http", text)
    assert text.count('class="plotly-graph-div"') == 5
    assert "Noto Sans CJK SC" in text and "Microsoft YaHei" in text and "PingFang SC" in text
    assert "仓库代码&lt;*&gt;不存在" in text  # escaped, not markup
    assert "acc1: i1 ~ i2 (80%)" in text  # a 0–1 score shown in percent


ZH_HEADINGS = (
    "根因与修复",
    "错误随时间变化",
    "店铺 × 根因",
    "令牌健康度",
    "突发事件",
    "商品检查",
    "高频模板与修复",
    "一分钟读懂",
    "先修什么",
)
EN_HEADINGS = (
    "Root causes and fixes",
    "Errors over time",
    "Shop × root cause",
    "Token health",
    "Incidents",
    "Listing checks",
    "Top templates with fixes",
    "In one minute",
    "What to fix first",
)


@pytest.mark.parametrize(
    ("lang", "words", "other"),
    [
        (
            "zh",
            (
                *ZH_HEADINGS,
                "店铺 OZ1:auth.token_expired",
                "令牌过期 ×40",
                "同步前商品检查",
                "用 refresh_token",
            ),
            EN_HEADINGS,
        ),
        (
            "en",
            (
                *EN_HEADINGS,
                "shop OZ1: auth.token_expired",
                "token expired ×40",
                "Pre-sync product lint",
                "Refresh the access token",
            ),
            ZH_HEADINGS,
        ),
    ],
)
def test_report_labels_in_the_chosen_language(
    report_db: Path, tmp_path: Path, lang: str, words: tuple[str, ...], other: tuple[str, ...]
) -> None:
    """Headings, verdicts, incident lines and fixes in --lang; none of the other language's headings."""
    text = api.report(report_db, tmp_path, lang=lang).report_html.read_text(encoding="utf-8")
    headings = re.findall(r"<h[123][^>]*>([^<]*)</h[123]>", text)
    for word in words:
        assert word in text, word
    for word in other:
        assert word not in headings, word
    assert "duplicate copy" not in text  # the old bilingual titles are gone
    assert (
        "visitor-profile overlap" not in text.lower()
    ) and "访客画像重叠" not in text  # no findings


def test_out_must_not_be_a_file(report_db: Path, tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        api.report(report_db, f)


def test_report_cli(report_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["report", "--db", str(report_db), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "report.html").stat().st_size > 1_000_000  # plotly.js inlined
    assert (tmp_path / "o" / "summary.csv").exists() and (
        tmp_path / "o" / "events.parquet"
    ).exists()


def test_health_and_incidents_cli(report_db: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["incidents", "--db", str(report_db)])
    assert r.exit_code == 0 and "shop OZ1: auth.token_expired" in r.stdout
    r = runner.invoke(app, ["health", "--db", str(report_db), "--format", "csv"])
    assert r.exit_code == 0 and "cc_write_calls" in r.stdout.splitlines()[0]


def test_events_parquet_is_not_rewritten_when_nothing_changed(tmp_path: Path) -> None:
    """A rerun with nothing new leaves events.parquet as it is; new data rewrites it."""
    from opsrca import store
    from opsrca.classify import decide_templates
    from opsrca.ingest import ingest_paths
    from opsrca.report import views
    from opsrca.report.outputs import write_events_parquet

    data = tmp_path / "e.csv"
    header = (
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
    )
    data.write_text(
        header + "a1,/api/x,401,1,access_token expired,2026-11-05T10:00:00Z,0\n", encoding="utf-8"
    )
    con = store.connect(tmp_path / "o.duckdb")
    ingest_paths([data], con)
    decide_templates(con)
    views.prepare(con)
    target = tmp_path / "events.parquet"
    write_events_parquet(con, target)
    os.utime(target, ns=(0, 0))  # a rewrite would give it a new time
    write_events_parquet(con, target)
    assert target.stat().st_mtime_ns == 0  # unchanged database: not written again

    more = tmp_path / "more.csv"
    more.write_text(
        header + "a2,/api/x,401,1,access_token expired,2026-11-05T11:00:00Z,0\n", encoding="utf-8"
    )
    ingest_paths([more], con)
    decide_templates(con)
    write_events_parquet(con, target)
    con.close()
    assert pl.read_parquet(target)["event_id"].sort().to_list() == ["a1", "a2"]
