"""Where opsrca finds its shipped data files, bundled model and sample dump.

Data files ship inside the package (``opsrca/data``). The bundled model and the
sample dump live at the top of the repository (``models/``, ``data/samples/``),
found relative to this file for the editable install the Quickstart makes.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DATA: Path = Path(__file__).resolve().parent / "data"
REPO_ROOT: Path = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_DIR: Path = REPO_ROOT / "models" / "default"
SAMPLES_DIR: Path = REPO_ROOT / "data" / "samples"
SAMPLE_DUMP_DIR: Path = SAMPLES_DIR / "dump"
DEFAULT_DB: Path = Path("opsrca.duckdb")
DEFAULT_OUT: Path = Path("opsrca-out")


def data_file(name: str) -> Path:
    """Path of a data file shipped in ``opsrca/data`` (e.g. ``taxonomy.toml``)."""
    return PACKAGE_DATA / name
