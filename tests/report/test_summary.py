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


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ["根因排名", "令牌健康度", "突发事件", "值得标注的未知模板", "用 refresh_token"]),
    ("en", ["Root causes by events", "Token health", "Incidents", "Unknowns worth labeling",
            "Refresh the access token"]),
])
def test_terminal_render(summary: api.Summary, lang: str, words: list[str]) -> None:
    buf = io.StringIO()
    render(summary, Console(file=buf, width=200, color_system=None), lang=lang)
    text = buf.getvalue()
    for word in words:
        assert word in text, word
    assert "shop OZ1: auth.token_expired 11-02 02:00–02:40 UTC, 40 errors" in text
    assert "truncated JSON" in text


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
