"""Queries and exports of the database for humans: SQL to a frame, tables to CSV / Parquet.

CSV is written in UTF-8 with a BOM so Excel shows Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema
from opsrca.errors import DatabaseError, InputError

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet")


def run_query(
    con: duckdb.DuckDBPyConnection, sql: str, *, limit: int | None = None
) -> tuple[pl.DataFrame, int]:
    """Run one SQL statement; returns ``(rows up to limit, total rows)``."""
    if not sql.strip():
        raise InputError(
            'empty SQL; example: opsrca query "SELECT platform, count(*) FROM events GROUP BY 1"'
        )
    try:
        rel = con.sql(sql)
        if rel is None:
            return pl.DataFrame(), 0
        total = rel.count("*").fetchall()[0][0] if limit is not None else None  # type: ignore[index]
        frame = (rel.limit(limit) if limit is not None else rel).pl()
    except duckdb.Error as exc:
        raise DatabaseError(
            f"query failed: {str(exc).splitlines()[0]}; tables: {', '.join(schema.TABLES)}"
        ) from exc
    return frame, int(total) if total is not None else frame.height


def export_table(con: duckdb.DuckDBPyConnection, table: str, out: Path, *, fmt: str = "csv") -> int:
    """Write a declared table to ``out`` (CSV with BOM, or Parquet); returns rows written."""
    if table not in schema.TABLES:
        raise InputError(f"unknown table {table!r}; use one of {', '.join(schema.TABLES)}")
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use csv or parquet")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        rel = con.sql(f'SELECT * FROM "{table}"')
        if fmt == "parquet":
            rel.write_parquet(str(out))
            rows = rel.count("*").fetchall()[0][0]  # type: ignore[index]
            return int(rows)
        frame = rel.pl()
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot export {table!r}: {exc}") from exc
    frame.write_csv(out, include_bom=True)
    return frame.height
