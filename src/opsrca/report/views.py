"""Shared read-side views: events joined with their latest classification, and the taxonomy.

Every report query reads ``ev`` (one row per event, root-cause columns null for
success rows and unclassified errors) and ``taxonomy`` (one row per category),
so the join rule lives in one place.
"""

from __future__ import annotations

import tomllib
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from opsrca import paths
from opsrca.errors import ConfigError, DatabaseError

# Every report reads ``ev``: the database's ``events_classified`` view (events joined with
# their template's decision and the taxonomy), so the join rule lives in one place (schema).
EV_SQL = "CREATE OR REPLACE TEMP VIEW ev AS SELECT * FROM events_classified"

CLASSIFICATION_COLUMNS: tuple[str, ...] = (
    "template",
    "root_cause",
    "confidence",
    "method",
    "rule_id",
    "evidence",
    "retryable",
    "fix_zh",
    "fix_en",
    "root_cause_zh",
    "root_cause_en",
    "owner",
    "model_version",
    "classified_at",
)


@lru_cache(maxsize=1)
def _taxonomy_cached(path: str) -> pl.DataFrame:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read taxonomy {path!r}: {exc}") from exc
    rows = [
        {
            "id": c["id"],
            "name_zh": c.get("name_zh", c["id"]),
            "name_en": c.get("name_en", c["id"]),
            "fix_zh": c.get("fix_zh", ""),
            "fix_en": c.get("fix_en", ""),
            "owner": c.get("owner", ""),
            "retryable": bool(c.get("retryable", False)),
        }
        for c in data.get("category", [])
    ]
    if not rows:
        raise ConfigError(f"taxonomy {path!r} has no [[category]] entries")
    return pl.DataFrame(rows)


def taxonomy() -> pl.DataFrame:
    """The taxonomy (id, names, fixes, owner, retryable), read from the shipped data file."""
    return _taxonomy_cached(str(paths.data_file("taxonomy.toml")))


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Register the ``ev`` view on a connection (read-only connections too)."""
    # DuckDB's own progress bar would print over rich's output; in Jupyter without
    # ipywidgets DuckDB refuses the setting (and shows no bar anyway)
    with suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    try:
        con.execute(EV_SQL)
    except duckdb.CatalogException as exc:
        raise DatabaseError(
            "this database was made by an older opsrca (no events_classified view); "
            "open it once for writing to upgrade it, e.g. `opsrca classify --db PATH`"
        ) from exc
    return con


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> pl.DataFrame:
    """Run a read query on a prepared connection and return a frame."""
    rel = con.sql(sql, params=params) if params else con.sql(sql)
    return rel.pl()
