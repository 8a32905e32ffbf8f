"""`opsrca analyze` end to end on the bundled sample dump (the real ingest, classifier and checks)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from opsrca import paths
from opsrca.cli import app


def require_pipeline() -> None:
    """Skip (with the reason) while another area's module is not there yet."""
    for module, name in (
        ("opsrca.ingest", "ingest_paths"),
        ("opsrca.classify", "classify_db"),
        ("opsrca.listings", "detect_kind"),
    ):
        mod = __import__(module, fromlist=[name])
        if not hasattr(mod, name):
            pytest.skip(f"{module}.{name} is not available yet")
    if not (paths.DEFAULT_MODEL_DIR / "manifest.json").exists():
        pytest.skip("the bundled model (models/default) is not built yet")
    if not any(paths.SAMPLE_DUMP_DIR.glob("*")):
        pytest.skip("the bundled sample dump is not generated yet")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    require_pipeline()
    from opsrca.report.analyze import analyze

    tmp = tmp_path_factory.mktemp("analyze")
    buf = io.StringIO()
    # the default (short) summary at a common terminal width
    result = analyze(db=tmp / "a.duckdb", out=tmp / "out", console=Console(file=buf, width=80))
    return {"result": result, "text": buf.getvalue(), "tmp": tmp}


def test_analyze_sample_dump(run: dict[str, object]) -> None:
    from opsrca.report.analyze import AnalyzeResult

    result = run["result"]
    assert isinstance(result, AnalyzeResult)
    assert result.ingest.events > 500
    assert result.ingest.rejects > 0  # the sample has malformed lines on purpose
    h = result.summary.headline
    assert h["events"] == result.ingest.events and h["rejects"] == result.ingest.rejects
    assert h["classified"] == h["errors"]  # every failed event has a root cause
    assert result.summary.root_causes.height >= 10


def test_analyze_outputs(run: dict[str, object]) -> None:
    result = run["result"]
    events = pl.read_parquet(result.outputs.events_parquet)  # type: ignore[attr-defined]
    assert events.height == result.summary.headline["events"]  # type: ignore[attr-defined]
    assert events.filter(pl.col("is_error"))["root_cause"].null_count() == 0
    assert result.outputs.summary_csv.read_bytes().startswith(b"\xef\xbb\xbf")  # type: ignore[attr-defined]
    html = result.outputs.report_html.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert html.count('class="plotly-graph-div"') == 5


def test_analyze_prints_a_short_summary_by_default(run: dict[str, object]) -> None:
    """What broke, what to fix first, which shops, where the report is: one screen at 80 columns."""
    from rich.cells import cell_len

    text, result = run["text"], run["result"]
    assert isinstance(text, str)
    lines = text.splitlines()
    assert len(lines) <= 40, f"{len(lines)} lines:\n{text}"
    report = str(result.outputs.report_html)  # type: ignore[attr-defined]
    db = str(run["tmp"] / "a.duckdb")  # type: ignore[operator]
    assert f"opsrca summary --full --db {db}" in text  # the next commands name this database
    fits = [line for line in lines if report not in line and db not in line]  # paths never cut
    assert max(cell_len(line) for line in fits) <= 80
    top = result.summary.root_causes.row(0, named=True)  # type: ignore[attr-defined]
    for words in (
        "总览",
        "先修这些",
        top["name_zh"],
        top["fix_zh"][:8],
        "受影响最多的店铺",
        "突发事件",
        "下一步",
        f"opsrca errors --category {top['root_cause']}",
        report,
    ):
        assert words in text, words
    # the long sections are left for --full
    assert "各根因的高频模板" not in text and "值得标注的未知模板" not in text


def test_analyze_full_prints_every_section(run: dict[str, object]) -> None:
    from opsrca.report.terminal import render

    buf = io.StringIO()
    render(run["result"].summary, Console(file=buf, width=200), lang="zh")  # type: ignore[attr-defined]
    text = buf.getvalue()
    for section in (
        "总览",
        "各平台/店铺事件与错误",
        "根因排名",
        "各根因的高频模板",
        "值得标注的未知模板",
        "令牌健康度",
        "突发事件",
        "无效重试",
        "新出现的模板",
        "商品检查发现",
        "被拒绝的输入行",
    ):
        assert section in text, section


def test_listing_files_are_routed_to_the_checks(run: dict[str, object]) -> None:
    result = run["result"]
    routed = result.listing_files  # type: ignore[attr-defined]
    listed = [p.name for files in routed.values() for p in files]
    ingested = [Path(f.path).name for f in result.ingest.files]  # type: ignore[attr-defined]
    assert not set(listed) & set(ingested)
    if routed.get("listings"):
        assert result.checks is not None  # type: ignore[attr-defined]


def test_new_patterns_across_batches(run: dict[str, object]) -> None:
    """A later dump with a never-seen message shows up under new patterns; the old ones do not."""
    from opsrca.report.analyze import analyze

    tmp = run["tmp"]
    assert isinstance(tmp, Path)
    later = tmp / "later"
    later.mkdir()
    (later / "tiktok_ops_errors_later.csv").write_text(
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
        "novel-1,/api/orders/search,400,12345,Quantum flux capacitor misaligned on shelf 7,2026-11-09T01:00:00Z,0\n"
        "novel-2,/api/orders/search,400,12345,Quantum flux capacitor misaligned on shelf 9,2026-11-09T01:05:00Z,0\n",
        encoding="utf-8",
    )
    result = analyze([later], db=tmp / "a.duckdb", out=tmp / "out2")
    new = result.summary.new_templates
    assert new.height == 1 and new["events"].to_list() == [2]
    assert "Quantum flux capacitor" in new["example"][0]


def test_cli_analyze_en_and_rerun_is_idempotent(run: dict[str, object]) -> None:
    tmp = run["tmp"]
    assert isinstance(tmp, Path)
    db, out = tmp / "cli.duckdb", tmp / "cli-out"
    args = [
        "analyze",
        str(paths.SAMPLE_DUMP_DIR),
        "--db",
        str(db),
        "--out",
        str(out),
        "--lang",
        "en",
    ]
    first = CliRunner().invoke(app, [*args, "--full"])
    assert first.exit_code == 0, first.output  # rejected sample lines do not fail the run
    assert "Root causes by events" in first.output and "Rejected input rows" in first.output
    assert "ingest batch" in first.output  # --full keeps the per-file table
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "Fix these first" in second.output and "Root causes by events" not in second.output
    assert "duplicate" in second.output  # files already loaded are named, one line each
    first_events = pl.read_parquet(out / "events.parquet").height
    assert first_events == run["result"].summary.headline["events"]  # type: ignore[attr-defined]


def test_cli_analyze_missing_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["analyze", str(tmp_path / "nope"), "--db", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    assert "nope" in result.output and "no such file or folder" in result.output
