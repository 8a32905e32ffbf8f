"""The summary frames and their terminal rendering (zh and en)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from opsrca import api
from opsrca.report.terminal import render


@pytest.fixture(scope="module")
def summary(report_db: Path) -> api.Summary:
    return api.summarize(report_db)


def test_headline(summary: api.Summary) -> None:
    h = summary.headline
    assert (h["events"], h["errors"], h["shops"], h["unknown"], h["rejects"]) == (452, 70, 4, 9, 1)
    assert h["error_share"] == pytest.approx(70 / 452)


def test_overview_per_platform_and_shop(summary: api.Summary) -> None:
    rows = {(r["platform"], r["shop_id"]): r for r in summary.overview.to_dicts()}
    assert rows[("ozon", "OZ1")]["errors"] == 48 and rows[("ozon", "OZ1")]["events"] == 108
    assert rows[("tiktok", "TT1")]["error_share"] == 1.0


def test_root_causes_ranked_with_fixes(summary: api.Summary) -> None:
    rc = summary.root_causes
    assert rc["root_cause"][0] == "auth.token_expired" and rc["events"][0] == 40
    assert rc["rank_by_events"][0] == 1
    assert rc["events"].sum() == 70
    assert rc.filter(rc["root_cause"] != "unclassified")["fix_zh"].null_count() == 0
    assert "令牌" in rc["name_zh"][0]


def test_top_and_unknown_templates(summary: api.Summary) -> None:
    top = summary.top_templates
    assert top.filter(top["root_cause"] == "unknown")["events"].to_list() == [5, 2, 2]
    unk = summary.unknown_templates
    assert unk["template"][0] == "weird gateway hiccup <NUM>" and unk["events"][0] == 5
    assert unk["example"][0] == "weird gateway hiccup 0"


def test_listing_findings_and_rejects(summary: api.Summary) -> None:
    lf = {r["check_name"]: r for r in summary.listing_findings.to_dicts()}
    assert lf["lint:item_code_chars"]["findings"] == 1
    assert lf["dupes"]["root_cause"] == "risk.duplicate_listing"
    assert summary.rejects["reason"].to_list() == ["truncated JSON"]


@pytest.mark.parametrize(
    ("lang", "words", "foreign"),
    [
        (
            "zh",
            [
                "根因排名",
                "令牌健康度",
                "突发事件",
                "值得标注的未知模板",
                "用 refresh_token",
                "店铺 OZ1:auth.token_expired 11-02 02:00–02:40 UTC,40 个错误",
                "令牌过期 ×40",
            ],
            [
                "token expired",
                "other auth errors",
                "rate limited",
                "client_credentials",
                "auth errors",
            ],
        ),
        (
            "en",
            [
                "Root causes by events",
                "Token health",
                "Incidents",
                "Unknowns worth labeling",
                "Refresh the access token",
                "shop OZ1: auth.token_expired 11-02 02:00–02:40 UTC, 40 errors",
                "token expired ×40",
            ],
            ["令牌", "授权", "限流", "店铺"],
        ),
    ],
)
def test_terminal_render(
    summary: api.Summary, lang: str, words: list[str], foreign: list[str]
) -> None:
    """--full prints every section, each label, verdict and incident line in the chosen language."""
    buf = io.StringIO()
    render(summary, Console(file=buf, width=200, color_system=None), lang=lang)
    text = buf.getvalue()
    for word in words:
        assert word in text, word
    assert "truncated JSON" in text
    # the token-health table (headers and verdicts) holds no word of the other language
    health = text.split(words[1], 1)[1].split(words[2], 1)[0]
    for word in foreign:
        assert word not in health, word


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "zh",
            [
                "总览",
                "先修这些",
                "访问令牌过期",
                "40 个错误",
                "受影响最多的店铺",
                "ozon OZ1",
                "突发事件 3 起",
                "令牌:1 个店铺出现令牌过期",
                "被拒绝的输入行 1 行",
                "下一步",
                "opsrca errors --category auth.token_expired",
                "报告: /x/report.html",
            ],
        ),
        (
            "en",
            [
                "Headline",
                "Fix these first",
                "Access token expired",
                "40 errors",
                "Shops most affected",
                "ozon OZ1",
                "3 incidents",
                "Tokens: expired in 1 shop(s)",
                "1 input rows rejected",
                "Next:",
                "opsrca errors --category auth.token_expired",
                "Report: /x/report.html",
            ],
        ),
    ],
)
def test_short_summary(summary: api.Summary, lang: str, words: list[str]) -> None:
    """The default summary: one screen at 80 columns, every line fits, no section tables."""
    from rich.cells import cell_len

    from opsrca.report.terminal import render_brief

    buf = io.StringIO()
    render_brief(
        summary,
        Console(file=buf, width=80, color_system=None),
        lang=lang,
        report_path="/x/report.html",
    )
    text = buf.getvalue()
    for word in words:
        assert word in text, word
    lines = text.splitlines()
    assert len(lines) <= 40
    assert max(cell_len(line) for line in lines) <= 80
    assert "┃" not in text  # no tables


def test_summary_cli_short_and_full(report_db: Path) -> None:
    from typer.testing import CliRunner

    from opsrca.cli import app

    short = CliRunner().invoke(app, ["summary", "--db", str(report_db), "--lang", "en"])
    assert short.exit_code == 0, short.output
    assert "Fix these first" in short.output and len(short.output.splitlines()) <= 40
    full = CliRunner().invoke(app, ["summary", "--db", str(report_db), "--lang", "en", "--full"])
    assert full.exit_code == 0, full.output
    assert "Top templates per root cause" in full.output and "Rejected input rows" in full.output


def test_terminal_render_rejects_bad_lang(summary: api.Summary) -> None:
    with pytest.raises(ValueError, match="lang"):
        render(summary, Console(file=io.StringIO()), lang="fr")


@pytest.mark.parametrize(("hours", "expected"), [(5, 10), (24, 30), (7 * 24, 180), (60 * 24, 1440)])
def test_timeline_bucket_fits_the_range(hours: int, expected: int) -> None:
    from datetime import datetime, timedelta

    from opsrca.report.summary import bucket_minutes

    start = datetime(2026, 11, 1)
    assert bucket_minutes(start, start + timedelta(hours=hours)) == expected
    assert bucket_minutes(None, None) == 60
