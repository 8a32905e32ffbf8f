"""Shared fixtures of the listing-check tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "listings"


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write rows (list of dicts) to a UTF-8-with-BOM CSV and return its path."""

    def _write(rows: list[dict[str, object]], name: str = "in.csv") -> Path:
        path = tmp_path / name
        pl.DataFrame(rows).write_csv(path, include_bom=True)
        return path

    return _write
