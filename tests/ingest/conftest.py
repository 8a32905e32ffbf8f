"""Shared fixtures of the ingest tests: the fixture folder and a fresh database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from opsrca import store

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


@pytest.fixture
def data_dir() -> Path:
    """Folder of the committed ingest fixtures."""
    return DATA


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh database file with every table."""
    connection = store.connect(tmp_path / "t.duckdb")
    yield connection
    connection.close()
