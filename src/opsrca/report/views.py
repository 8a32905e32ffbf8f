"""Shared read-side views: events joined with their latest classification, and the taxonomy.

Every report query reads ``ev`` (one row per event, root-cause columns null for
success rows and unclassified errors) and ``taxonomy`` (one row per category),
so the join rule lives in one place.
"""

from __future__ import annotations

import duckdb
import polars as pl

from opsrca import store
from opsrca.errors import DatabaseError

# Every report reads ``ev``: the database's ``events_classified`` view (events joined with
# their template's decision and the taxonomy), so the join rule lives in one place (schema).
EV_SQL = "CREATE OR REPLACE TEMP VIEW ev AS SELECT * FROM events_classified"


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Register the ``ev`` view on a connection (read-only connections too)."""
    store.quiet_progress(con)  # DuckDB's own bar would print over rich's output
    try:
        con.execute(EV_SQL)
    except duckdb.CatalogException as exc:
        raise DatabaseError(
            "this database was made by an older opsrca (no events_classified view); "
            "open it once for writing to upgrade it, e.g. `opsrca classify --db PATH`"
        ) from exc
    return con


def fetch(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pl.DataFrame:
    """Run a read query on a prepared connection and return a frame."""
    rel = con.sql(sql, params=params) if params else con.sql(sql)
    return rel.pl()
