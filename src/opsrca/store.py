"""The DuckDB database: open it, create the declared tables, read and write frames.

Every other module goes through here, so the table layout in ``schema`` is the
only place a column is named.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema
from opsrca.errors import DatabaseError

MEMORY_LIMIT = "1GB"
"""DuckDB's share of memory (``OPSRCA_MEMORY_LIMIT`` overrides): the rest is Polars' working set."""


def connect(
    db: Path | str = "opsrca.duckdb", *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (creating when needed) the database and make sure every table exists."""
    path = str(db)
    if read_only and path != ":memory:" and not Path(path).exists():
        raise DatabaseError(
            f"database {path!r} does not exist; run `opsrca analyze PATH` first (ingest + classify)"
        )
    try:
        con = duckdb.connect(path, read_only=read_only)
    except duckdb.Error as exc:  # locked, corrupted, not a DuckDB file
        raise DatabaseError(f"cannot open database {path!r}: {exc}") from exc
    # Big sorts, joins and aggregates spill to disk instead of growing with the dump.
    with suppress(duckdb.Error):
        con.execute("SET memory_limit = ?", [os.environ.get("OPSRCA_MEMORY_LIMIT", MEMORY_LIMIT)])
    if not read_only:
        ensure_schema(con)
    return con


def quiet_progress(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's own progress bar off (it would print over rich's bars), only when on.

    In a Jupyter kernel DuckDB starts with the bar already off and refuses *any* change of
    the setting, even to off, unless ipywidgets is installed ("required package
    'ipywidgets' is missing"): so the setting is read first and changed only when needed.
    """
    ((on,),) = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()
    if on:
        con.execute("SET enable_progress_bar = false")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create what is missing: tables, columns added since a database was made (new columns
    are appended, nothing is dropped), the views, and the taxonomy copied from the data file.

    A database made before decisions moved to templates has a ``classifications`` table;
    it is replaced by the view of the same name (its rows are re-decided per template by
    the next ``classify``).
    """
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'main'"
        ).fetchall()
    )
    with transaction(con):
        for name in schema.VIEWS:
            if kinds.get(name) == "BASE TABLE":
                con.execute(f'DROP TABLE "{name}"')
        for name, table in schema.TABLES.items():
            con.execute(schema.create_sql(name, table))
            have = {
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'main' AND table_name = ?",
                    [name],
                ).fetchall()
            }
            for col, kind in table:
                if col not in have:
                    con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{col}" {kind}')
        from opsrca.classify.taxonomy import taxonomy_table

        taxonomy_table(con, persist=True)  # mirrors the shipped taxonomy file (24 rows)
        for name, sql in schema.VIEWS.items():
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed on success, rolled back on any exception (Ctrl-C too)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Append ``frame`` (conformed to the declared columns) to ``table``; returns rows written."""
    if frame.height == 0:
        return 0
    declared = schema.TABLES[table]
    data = schema.conform(frame, declared).to_arrow()  # noqa: F841  (used by DuckDB by name)
    cols = ", ".join(f'"{c}"' for c in schema.columns(declared))
    con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM data')
    return frame.height


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pl.DataFrame:
    """Run SQL and return a Polars frame."""
    try:
        return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()
    except duckdb.Error as exc:
        raise DatabaseError(f"query failed: {exc}") from exc


def table(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """A whole declared table as a frame (typed even when empty)."""
    declared = schema.TABLES.get(name) or (
        schema.CLASSIFICATIONS if name == "classifications" else None
    )
    if declared is None:
        known = [*schema.TABLES, *schema.VIEWS]
        raise DatabaseError(f"unknown table {name!r}; known: {', '.join(known)}")
    out = con.sql(f'SELECT * FROM "{name}"').pl()
    return out if out.height else schema.empty_frame(declared)


def update_shops(con: duckdb.DuckDBPyConnection, batch_id: str, sources: list[str]) -> int:
    """Fold one ingested file's shops (its ``source_file`` values: one per sheet) into ``shops`` (inside the file's transaction): event
    counts add up, first/last seen widen, the file's latest non-empty name wins. Cost: one
    aggregate over that file's rows. Returns the number of shops the file touched."""
    new = con.sql(
        """
        WITH n AS (
            SELECT platform, shop_id, arg_max(shop_name, occurred_at) FILTER (
                       WHERE nullif(trim(shop_name), '') IS NOT NULL) AS shop_name,
                   min(occurred_at) AS first_seen, max(occurred_at) AS last_seen,
                   count(*) AS events
            FROM events WHERE batch_id = $b AND list_contains($f, source_file) AND shop_id IS NOT NULL
            GROUP BY ALL
        )
        SELECT n.shop_id, n.platform, coalesce(n.shop_name, s.shop_name) AS shop_name,
               least(n.first_seen, s.first_seen) AS first_seen,
               greatest(n.last_seen, s.last_seen) AS last_seen,
               n.events + coalesce(s.events, 0) AS events
        FROM n LEFT JOIN shops s
          ON s.platform IS NOT DISTINCT FROM n.platform AND s.shop_id = n.shop_id
        """,
        params={"b": batch_id, "f": sources},
    ).pl()
    if not sources or new.height == 0:
        return 0
    con.execute(
        "DELETE FROM shops USING new WHERE shops.shop_id = new.shop_id "
        "AND shops.platform IS NOT DISTINCT FROM new.platform"
    )
    con.execute(f"INSERT INTO shops SELECT {', '.join(schema.columns(schema.SHOPS))} FROM new")
    return new.height


def save_decisions(con: duckdb.DuckDBPyConnection, decisions: pl.DataFrame) -> int:
    """Record root causes decided elsewhere (labels from a notebook, a test, another tool).

    ``decisions`` has ``event_id`` and ``root_cause`` (optionally ``template`` and any other
    ``templates`` column). The database keeps decisions per template, so each distinct
    (template, root cause) becomes one ``templates`` row and its events point at it.
    Returns the number of templates written.
    """
    frame = (
        decisions
        if "template" in decisions.columns
        else decisions.with_columns(pl.col("root_cause").alias("template"))
    )
    tagged = frame.with_columns(
        pl.concat_str(
            [pl.lit("label:"), pl.col("template").fill_null(""), pl.col("root_cause")],
            separator="|",
        ).alias("template_id")
    )
    ids = tagged.select("event_id", "template_id")  # noqa: F841 (DuckDB reads it)
    counts = tagged.group_by("template_id").agg(pl.len().alias("events"))
    rows = schema.conform(  # noqa: F841 (DuckDB reads it)
        tagged.unique("template_id", keep="last").join(counts, on="template_id"), schema.TEMPLATES
    )
    with transaction(con):
        con.execute(
            "UPDATE events SET template_id = ids.template_id FROM ids "
            "WHERE events.event_id = ids.event_id"
        )
        con.execute("INSERT OR REPLACE INTO templates SELECT * FROM rows")
    return int(counts.height)
