"""report.html layout: colours per cause across charts, readable incidents at scale, tables in the page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import api
from opsrca.cli import app
from opsrca.report import html as report_html
from opsrca.report.incidents import with_line


@pytest.fixture(scope="module")
def summary(report_db: Path) -> api.Summary:
    return api.summarize(report_db)


def test_root_cause_keeps_its_colour_in_every_chart(summary: api.Summary) -> None:
    bars = report_html.root_cause_chart(summary).data[0]
    by_bar = dict(
        zip(summary.root_causes.sort("events")["root_cause"], bars.marker.color, strict=True)
    )
    timeline = report_html.timeline_chart(summary)
    causes = summary.errors_over_time["root_cause"].unique().to_list()
    assert len(timeline.data) == len(causes) >= 5
    colours = [trace.marker.color for trace in timeline.data]
    assert len(set(colours)) == len(colours)  # a colour per cause, none reused
    names = {report_html._names(summary, "zh")[c]: c for c in causes}
    for trace in timeline.data:
        assert trace.marker.color == by_bar[names[trace.name]]


def many_incidents(summary: api.Summary, n: int = 150) -> api.Summary:
    """``summary`` with ``n`` incidents over a month in 40 shops, like a 500k-row dump."""
    causes = [
        "auth.token_expired",
        "access.rate_limited",
        "platform.server_error",
        "erp.internal_error",
    ]
    t0 = datetime(2026, 11, 1)
    rows = [
        {
            "platform": "tiktok",
            "shop_id": f"74940000{i % 40:011d}",
            "root_cause": causes[i % 4],
            "start": t0 + timedelta(hours=5 * i),
            "end": t0 + timedelta(hours=5 * i, minutes=40),
            "minutes": 40,
            "errors": 1000 - 5 * i,
            "peak": 300,
            "baseline": 1.0,
            "buckets": 4,
        }
        for i in range(n)
    ]
    frame = with_line(pl.DataFrame(rows))
    return api.Summary(**{**summary.__dict__, "incidents": frame})


def test_incidents_label_only_the_largest(summary: api.Summary) -> None:
    fig = report_html.incidents_chart(many_incidents(summary))
    markers = [t for t in fig.data if t.mode == "markers+text"]
    labels = [x for t in markers for x in t.text if x]
    assert sorted(int(r) for x in labels for r in x.split(",")) == list(range(1, 9))
    hovers = [h for t in markers for h in t.hovertext]
    assert len(hovers) == 150 and all(h.startswith("#") for h in hovers)  # every incident on hover
    assert fig.layout.height < 600  # one row per root cause, not per incident


def test_close_labels_are_joined_not_stacked() -> None:
    t0 = datetime(2026, 11, 1)
    rows = [
        {"rank": 1, "start": t0},
        {"rank": 2, "start": t0 + timedelta(minutes=10)},
        {"rank": 30, "start": t0 + timedelta(minutes=20)},
        {"rank": 3, "start": t0 + timedelta(days=5)},
    ]
    assert report_html._rank_labels(rows, timedelta(hours=1)) == ["1,2", "", "", "3"]


def test_heatmap_shows_the_shops_with_most_errors(summary: api.Summary) -> None:
    shops = pl.DataFrame(
        {
            "shop": [f"tiktok:{i:019d}" for i in range(400)],
            "root_cause": "auth.token_expired",
            "events": list(range(400)),
        }
    )
    fig = report_html.heatmap_chart(api.Summary(**{**summary.__dict__, "shop_matrix": shops}))
    shown = list(fig.data[0].y)
    assert (
        len(shown) == report_html.CHART_SHOPS and shown[-1] == f"tiktok:{399:019d}"
    )  # largest on top
    assert "400" in fig.layout.title.text


def test_headline_block_says_what_broke_and_what_to_fix(summary: api.Summary) -> None:
    block = report_html.headline_html(summary, lang="en")
    assert "What broke" in block and "What to fix first" in block and "Shops most affected" in block
    assert "Access token expired" in block and "Refresh the access token" in block
    text = re.sub(r"<[^>]+>", "", block)
    assert "40 errors" in text and "ozon OZ1" in text


def test_tables_sit_in_a_wrapper_and_long_text_may_break(summary: api.Summary) -> None:
    page = report_html.render_html(summary, lang="en")
    assert page.count("<table>") == page.count('<div class="tw"><table>')
    assert "overflow-x: auto" in page and "overflow-wrap: anywhere" in page
    long = "QUJD" * 40
    cell = report_html._cell("example", long)
    assert 'class="t"' in cell
    assert 'class="id"' in report_html._cell("shop_id", "7494000055781384367")  # ids never wrap


@pytest.mark.parametrize("command", ["report", "analyze"])
def test_open_opens_the_report_in_the_browser(
    report_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    if command == "analyze":  # no PATH: the report of what the database holds, without ingesting
        monkeypatch.setattr(
            "opsrca.report.analyze.analyze",
            lambda *a, **k: api.AnalyzeResult(
                summary=api.summarize(report_db), outputs=api.report(report_db, tmp_path / "o")
            ),
        )
    args = [command, "--db", str(report_db), "--out", str(tmp_path / "o"), "--open"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert opened == [(tmp_path / "o" / "report.html").resolve().as_uri()]


def test_open_without_a_browser_says_where_the_report_is(
    report_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: False)
    result = CliRunner().invoke(
        app, ["report", "--db", str(report_db), "--out", str(tmp_path), "--open"]
    )
    assert result.exit_code == 0, result.output
    assert "no browser could be started" in result.output and "report.html" in result.output


def test_no_open_no_browser(
    report_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: opened.append(url) or True)
    assert (
        CliRunner()
        .invoke(app, ["report", "--db", str(report_db), "--out", str(tmp_path)])
        .exit_code
        == 0
    )
    assert opened == []
