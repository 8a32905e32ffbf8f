"""The benchmarks' child-process measurement reports the child's own peak RSS."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "bench_measured", Path(__file__).parents[1] / "benchmarks" / "measured.py"
)
measured = importlib.util.module_from_spec(_SPEC)
sys.modules["bench_measured"] = measured  # dataclasses look their module up
_SPEC.loader.exec_module(measured)

_GROW = "x = bytearray({mb} * 2**20)\nfor i in range(0, len(x), 4096): x[i] = 1\nprint('done')"


@pytest.fixture
def big_parent():
    """This process holding 300 MB, as a benchmark does after generating its dump."""
    block = bytearray(300 * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    yield block


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units and fork RSS")
def test_a_small_child_of_a_big_parent_reports_its_own_peak(big_parent: bytearray) -> None:
    pid = os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], os.environ)
    _, _, usage = os.wait4(pid, 0)
    assert usage.ru_maxrss / 1024 > 300  # the trap: a plain fork inherits the parent's size
    child = measured.run_measured([sys.executable, "-c", "pass"])
    assert child.returncode == 0
    assert child.peak_mb < 100


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units")
def test_a_child_that_grows_reports_its_growth_and_its_output(big_parent: bytearray) -> None:
    child = measured.run_measured(
        [sys.executable, "-c", _GROW.format(mb=150)], stdout=subprocess.PIPE
    )
    assert 150 < child.peak_mb < 300
    assert child.stdout == b"done\n"
    assert child.wall > 0 and child.cpu > 0


def test_the_exit_code_is_the_childs() -> None:
    child = measured.run_measured([sys.executable, "-c", "import sys; sys.exit(3)"], ok=None)
    assert child.returncode == 3
