"""The notebooks run where analysts run them, and are stored stripped.

Executed the way a new analyst meets them: the repository's notebooks copied into a fresh
folder (no database there), the working directory that folder, a plain ``python3`` kernel
of the test environment, and no ``OPSRCA_DB`` in the environment. Notebook 02 runs both
after 01 (on the database 01 built) and on its own.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_there_are_two_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["01_explore.ipynb", "02_label_and_retrain.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_are_stripped(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs kept"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_only_the_public_api(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import opsrca" in code
    assert (
        "from opsrca" not in code
        and "opsrca.report." not in code
        and "opsrca.classify." not in code
    )


def _run(name: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    """Execute ``folder/name`` in a python3 kernel started in ``folder``, without OPSRCA_DB."""
    from nbclient import NotebookClient

    monkeypatch.delenv("OPSRCA_DB", raising=False)  # the kernel inherits the environment
    monkeypatch.chdir(folder)
    assert "OPSRCA_DB" not in os.environ
    nb = nbformat.read(folder / name, as_version=4)
    # one extra cell (in memory only): which interpreter ran the notebook
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    client = NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    printed = nb.cells[-1].outputs[0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()  # the venv's python
    return nb


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    """The notebooks folder as a fresh clone has it: no database, no outputs."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, folder, ignore=shutil.ignore_patterns("*.duckdb*", "opsrca-out"))
    assert not any(folder.glob("*.duckdb"))
    return folder


@pytest.mark.slow
def test_notebooks_run_from_a_fresh_clone_01_then_02(
    fresh_clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run("01_explore.ipynb", fresh_clone, monkeypatch)
    # 01 built the database beside the notebook, whole: no half-built leftover
    assert (fresh_clone / "opsrca.duckdb").is_file()
    assert not list(fresh_clone.glob("*.building*"))
    assert (fresh_clone / "opsrca-out" / "report.html").is_file()
    built = (fresh_clone / "opsrca.duckdb").stat().st_mtime_ns
    _run("02_label_and_retrain.ipynb", fresh_clone, monkeypatch)
    assert (fresh_clone / "opsrca.duckdb").stat().st_mtime_ns == built  # 02 reused it
    assert not (fresh_clone / "opsrca.toml").exists()  # the retrain did not adopt its model


@pytest.mark.slow
def test_notebook_02_runs_on_its_own(fresh_clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _run("02_label_and_retrain.ipynb", fresh_clone, monkeypatch)
    assert (fresh_clone / "opsrca.duckdb").is_file()
    assert not list(fresh_clone.glob("*.building*"))
