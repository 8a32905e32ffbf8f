"""report.html in a real headless browser (Debian's chromium): the charts draw, no console errors.

Skipped when chromium is missing, except under CI=true where a missing browser fails
(``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from opsrca import api

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


@pytest.fixture(scope="module")
def rendered(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    chromium()  # skip/fail early
    tmp = tmp_path_factory.mktemp("browser")
    files = api.report(report_db, tmp / "out")
    url = files.report_html.resolve().as_uri()
    shot = tmp / "report.png"
    # one browser run: console log on stderr, the DOM after scripts ran on stdout, a screenshot
    dom = run_browser(
        ["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
         "--window-size=1400,3000", f"--screenshot={shot}", "--dump-dom", url],
        tmp / "profile",
    )
    snap = dom
    return {"dom": dom, "snap": snap, "shot": shot}


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
        line for line in dom.stderr.splitlines()
        if "Uncaught" in line or "ERROR:CONSOLE" in line
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
