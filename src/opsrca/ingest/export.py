"""Queries and exports of the database for humans: SQL to a frame, tables to CSV / Parquet.

CSV is written in UTF-8 with a BOM so Excel shows Chinese text correctly.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema
from opsrca.errors import DatabaseError, InputError

EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "parquet")


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


def export_table(
    con: duckdb.DuckDBPyConnection, table: str, out: Path, *, fmt: str | None = None
) -> int:
    """Write every row of a declared table (or view) to ``out``; returns rows written.

    The format is ``fmt``, else the file's extension, else CSV. Parquet is streamed by
    DuckDB; CSV (BOM, ids kept text), XLSX and JSON go through the one table writer.
    """
    from opsrca.report.tables import table_format, write_table

    if table not in schema.TABLES and table not in schema.VIEWS:
        known = ", ".join([*schema.TABLES, *schema.VIEWS])
        raise InputError(f"unknown table {table!r}; use one of {known}")
    fmt = fmt or table_format(out) or "csv"
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use {', '.join(EXPORT_FORMATS)}")
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
    return write_table(frame, out, fmt=fmt)
