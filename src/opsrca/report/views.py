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


#: "name (id)" when the shop has a name people know, else the id: how shops are shown.
SHOP_LABEL_SQL = (
    "CASE WHEN nullif(trim(shop_name), '') IS NULL OR shop_name = shop_id THEN shop_id "
    "ELSE shop_name || ' (' || shop_id || ')' END"
)


def shop_label(name: str = "shop_name", shop_id: str = "shop_id") -> pl.Expr:
    """The Polars twin of ``SHOP_LABEL_SQL``: ``"Kawa Beauty GB (7301…)"`` or the bare id."""
    named = pl.col(name).str.strip_chars().fill_null("")
    return (
        pl.when((named == "") | (pl.col(name) == pl.col(shop_id)))
        .then(pl.col(shop_id))
        .otherwise(pl.format("{} ({})", pl.col(name), pl.col(shop_id)))
    )


def known_shops(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every shop: ``shop_id, platform, shop_name, label``. From the ``shops`` table ingest
    keeps; a database whose events were written another way (tests, older versions) falls
    back to the distinct shops of its events."""
    sql = f"SELECT shop_id, platform, shop_name, {SHOP_LABEL_SQL} AS label FROM shops"
    try:
        frame = fetch(con, sql + " ORDER BY events DESC, shop_id")
    except duckdb.CatalogException:  # a database made before the shops table
        frame = pl.DataFrame()
    if frame.height:
        return frame
    return fetch(
        con,
        f"""
        SELECT shop_id, platform, shop_name, {SHOP_LABEL_SQL} AS label FROM (
            SELECT shop_id, any_value(platform) AS platform,
                   arg_max(shop_name, occurred_at) FILTER (WHERE shop_name IS NOT NULL) AS shop_name
            FROM events WHERE shop_id IS NOT NULL GROUP BY shop_id
        ) ORDER BY shop_id
        """,
    )


def with_shop_labels(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``shop_id``) plus ``shop_name`` and ``shop`` ("name (id)") columns."""
    if "shop_id" not in frame.columns:
        return frame
    names = (
        known_shops(con)
        .select("shop_id", pl.col("shop_name").alias("__name"))
        .unique("shop_id", keep="first")
    )
    out = frame.join(names, on="shop_id", how="left", maintain_order="left")
    if "shop_name" in out.columns:
        out = out.with_columns(pl.coalesce("shop_name", "__name").alias("shop_name")).drop("__name")
    else:
        out = out.rename({"__name": "shop_name"})
    return out.rechunk().with_columns(shop_label().alias("shop"))
