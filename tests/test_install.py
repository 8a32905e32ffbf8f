"""opsrca works when installed from a wheel, away from any checkout.

The wheel is built from a copy of the sources, installed with ``--no-deps`` into a fresh
venv whose dependencies come from this test environment's site-packages (no network),
and ``opsrca analyze`` runs on the bundled sample from an unrelated working directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(args: list[str | Path], cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OPSRCA_DB")}
    env["COLUMNS"] = "120"
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, **kw
    )  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built by pip from a copy of the sources (the checkout is left untouched)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(
        REPO / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    out = tmp_path_factory.mktemp("wheel")
    done = _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", out], cwd=src)
    assert done.returncode == 0, done.stderr[-3000:]
    (whl,) = out.glob("opsrca-*.whl")
    return whl


def test_the_wheel_carries_the_model_sample_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "opsrca/models/default/manifest.json",
        "opsrca/models/default/model.npz",
        "opsrca/samples/dump/qimen_sync_log_20261105.xlsx",
        "opsrca/samples/labeled_errors.csv",
        "opsrca/data/taxonomy.toml",
        "opsrca/data/rules.toml",
    ):
        assert shipped in names, f"{shipped} is missing from {wheel.name}"


@pytest.mark.slow
def test_installed_wheel_analyzes_the_sample_from_another_folder(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", venv], cwd=tmp_path).returncode == 0
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bin_dir / "python"
    site = Path(
        _run(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path
        ).stdout.strip()
    )
    # dependencies from this environment, appended after the venv's own packages; a plain
    # path line, so this environment's editable opsrca is not on the path
    (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = _run([py, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([py, "-c", "import opsrca; print(opsrca.__file__)"], cwd=work).stdout.strip()
    assert Path(where).resolve().is_relative_to(site.resolve())  # the wheel, not the checkout

    opsrca = bin_dir / "opsrca"
    version = _run([opsrca, "--version"], cwd=work)
    assert version.returncode == 0 and version.stdout.strip() == "opsrca 0.1.0"
    short_help = _run([opsrca, "-h"], cwd=work)
    assert short_help.returncode == 0 and "analyze" in short_help.stdout

    done = _run([opsrca, "analyze", "--lang", "en"], cwd=work)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    assert (work / "opsrca-out" / "report.html").is_file()
    con = duckdb.connect(str(work / "opsrca.duckdb"), read_only=True)
    try:
        versions = con.execute("SELECT DISTINCT model_version FROM templates").fetchall()
        (events,) = con.execute("SELECT count(*) FROM events").fetchall()[0]
    finally:
        con.close()
    assert events > 0
    assert [v[0].split("@")[0] for v in versions] == ["default"]  # the bundled model, shipped
    assert not list(work.glob("*.toml"))  # analyze records no settings by itself
