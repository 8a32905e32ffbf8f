"""Where opsrca finds its shipped data files, bundled model and sample dump.

Everything shipped lives inside the package, so a wheel carries it and an installed opsrca
works from any folder: data files in ``opsrca/data``, the bundled model in
``opsrca/models/default`` (read-only: ``train`` writes new models beside the database),
the sample dump and labeled errors in ``opsrca/samples`` (``data/samples`` in a checkout
is a link to it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

PACKAGE_DIR: Path = Path(__file__).resolve().parent
PACKAGE_DATA: Path = PACKAGE_DIR / "data"
DEFAULT_MODEL_DIR: Path = PACKAGE_DIR / "models" / "default"
SAMPLES_DIR: Path = PACKAGE_DIR / "samples"
SAMPLE_DUMP_DIR: Path = SAMPLES_DIR / "dump"
DEFAULT_DB: Path = Path("opsrca.duckdb")
DEFAULT_OUT: Path = Path("opsrca-out")


def data_file(name: str) -> Path:
    """Path of a data file shipped in ``opsrca/data`` (e.g. ``taxonomy.toml``)."""
    return PACKAGE_DATA / name


def is_in_package(path: Path | str) -> bool:
    """Whether ``path`` lies inside the installed package (which opsrca never writes to)."""
    return Path(path).resolve().is_relative_to(PACKAGE_DIR)


def files_sha256(paths: Iterable[Path]) -> str:
    """One hash of several files, each as its name, a NUL and its bytes (order as given):
    a model's manifest records what its data files were when it was fitted."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
