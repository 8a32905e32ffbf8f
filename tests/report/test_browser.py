"""report.html in a real headless browser (Debian's chromium): the charts draw, no console errors,
each root cause has its own colour, and no table is wider than the page.

A small script appended to a copy of the report measures the laid-out page after plotly
drew and writes the result into ``<body data-probe>``, which ``--dump-dom`` prints.

Skipped when chromium is missing, except under CI=true where a missing browser fails
(``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import polars as pl
import pytest

from opsrca import api
from opsrca.classify.taxonomy import label_ids
from opsrca.report.html import write_html

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI=true (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); the browser test needs it")
    return found


def run_browser(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, decompressed scanlines) of a PNG, with the standard library only."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, zlib.decompress(idat)


# Measures every table against its wrapper and the page, and the fill of each bar trace.
PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const page = document.documentElement.clientWidth;
  const overflow = [];
  document.querySelectorAll("table").forEach((t, i) => {
    if (t.scrollWidth > t.parentElement.clientWidth + 1 || t.getBoundingClientRect().right > page + 1) {
      overflow.push(i + ": " + t.scrollWidth + "px in " + t.parentElement.clientWidth + "px");
    }
  });
  if (document.documentElement.scrollWidth > page + 1) overflow.push("page " + document.documentElement.scrollWidth);
  const bars = [...document.querySelectorAll(".plotly-graph-div")].map((gd) =>
    [...gd.querySelectorAll("g.trace.bars")].map((tr) => {
      const p = tr.querySelector("g.point path");
      return p ? getComputedStyle(p).fill : null;
    }));
  document.body.setAttribute("data-probe", JSON.stringify({overflow, bars}));
}, 300));
</script>"""


@pytest.fixture(scope="module")
def rendered(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    chromium()  # skip/fail early
    tmp = tmp_path_factory.mktemp("browser")
    summary = api.summarize(report_db)
    # rejects as real dumps have them: a long path, a long reason, a line of base64 without spaces
    long_reject = pl.DataFrame(
        {
            "source_file": [
                "/data/exports/2026-11/tiktok_shop_7494000055781384367_ops_error_export_full.csv"
            ],
            "reason": ["field 'request_payload': not valid JSON " + "x" * 150],
            "rows": [1],
            "first_line": [123456],
            "example": ["eyJhbGciOiJIUzI1NiJ9" * 6],
        }
    ).cast(summary.rejects.schema)
    summary.rejects = pl.concat([summary.rejects, long_reject])
    # every cause of the taxonomy in the timeline: plotly's default cycle has only 10 colours
    first = summary.errors_over_time["bucket"].min()
    every = pl.DataFrame({"bucket": first, "root_cause": label_ids(), "events": 1}).cast(
        summary.errors_over_time.schema
    )
    summary.errors_over_time = pl.concat([summary.errors_over_time, every])
    report = write_html(summary, tmp / "out" / "report.html")
    report.write_text(
        report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    shot = tmp / "report.png"
    # one browser run: console log on stderr, the DOM after scripts ran on stdout, a screenshot
    dom = run_browser(
        [
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1400,3000",
            f"--screenshot={shot}",
            "--dump-dom",
            report.resolve().as_uri(),
        ],
        tmp / "profile",
    )
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    probe = json.loads(found.group(1).replace("&quot;", '"')) if found else None
    return {"dom": dom, "snap": dom, "shot": shot, "probe": probe, "summary": summary}


def test_every_chart_drew_svg(rendered: dict[str, object]) -> None:
    dom = rendered["dom"]
    assert isinstance(dom, subprocess.CompletedProcess)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    charts = html.split('class="plotly-graph-div')[1:]
    assert len(charts) == 5
    for i, chunk in enumerate(charts):
        assert 'class="main-svg"' in chunk, f"chart {i} has no rendered plotly svg"
    assert html.count('class="main-svg"') >= 10
    # data marks, not just empty axes: bars and a heatmap image
    assert html.count('class="point"') >= 10
    assert 'class="hm"' in html or "heatmaplayer" in html


def test_no_console_errors(rendered: dict[str, object]) -> None:
    dom = rendered["dom"]
    assert isinstance(dom, subprocess.CompletedProcess)
    bad = [
        line
        for line in dom.stderr.splitlines()
        if "Uncaught" in line
        or "ERROR:CONSOLE" in line
        or ("CONSOLE" in line and ("Error" in line or "error" in line))
    ]
    assert not bad, "\n".join(bad)


def test_screenshot_is_not_blank(rendered: dict[str, object]) -> None:
    snap, shot = rendered["snap"], rendered["shot"]
    assert isinstance(snap, subprocess.CompletedProcess) and isinstance(shot, Path)
    assert snap.returncode == 0 and shot.exists(), snap.stderr[-2000:]
    width, height, raw = png_pixels(shot)
    assert (width, height) == (1400, 3000)
    assert len(set(raw)) > 100, "screenshot looks uniform"
    assert shot.stat().st_size > 50_000


def test_each_root_cause_has_its_own_colour(rendered: dict[str, object]) -> None:
    """The errors-over-time chart, as drawn: one bar colour per root cause, none shared."""
    probe, summary = rendered["probe"], rendered["summary"]
    assert isinstance(probe, dict), "the probe script did not run"
    causes = summary.errors_over_time["root_cause"].n_unique()  # type: ignore[attr-defined]
    timeline = probe["bars"][1]
    assert len(timeline) == causes >= 24
    assert None not in timeline and len(set(timeline)) == causes, timeline


def test_no_table_is_wider_than_the_page(rendered: dict[str, object]) -> None:
    probe = rendered["probe"]
    assert isinstance(probe, dict), "the probe script did not run"
    assert probe["overflow"] == [], probe["overflow"]
