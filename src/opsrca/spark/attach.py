"""Open a Spark store on a laptop: a DuckDB database whose tables are views over its Parquet.

``opsrca report``, ``errors``, ``query`` and the Python API read ``events``, ``templates``,
``rejects``, ``taxonomy`` and the ``events_classified`` view; ``attach`` makes a small
DuckDB file with exactly those names over ``STORE/*/`` (no data copied), so every
single-machine tool reads a cluster's output with ``--db STORE/opsrca.duckdb``. DuckDB
resolves relative paths against the working directory, so the views hold absolute paths:
attach again after moving the store. Imports no Spark.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from opsrca import schema
from opsrca.classify.taxonomy import taxonomy_table
from opsrca.errors import InputError

__all__ = ["STORE_TABLES", "attach"]

#: Tables a Spark store holds as Parquet folders (the rest are created empty).
STORE_TABLES: tuple[str, ...] = ("events", "templates", "rejects", "ingested_files")


def attach(store: Path | str, db: Path | str | None = None) -> Path:
    """Write ``db`` (default ``STORE/opsrca.duckdb``) with views over the store's Parquet.

    Raises InputError when ``store`` is not a local folder written by ``opsrca spark analyze``.
    """
    root = Path(store).resolve()
    missing = [t for t in STORE_TABLES if not (root / t).is_dir()]
    if missing:
        raise InputError(
            f"{str(store)!r} is not an opsrca Spark store (missing {', '.join(missing)}/); "
            "write one with `opsrca spark analyze INPUT... --out STORE` (copy it down first "
            "when it is on HDFS or S3)"
        )
    target = Path(db) if db is not None else root / "opsrca.duckdb"
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        for name in STORE_TABLES:
            cols = ", ".join(f'"{c}"' for c in schema.columns(schema.TABLES[name]))
            glob = str(root / name / "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW \"{name}\" AS SELECT {cols} FROM read_parquet('{glob}')")
        for name, table in schema.TABLES.items():
            if name not in STORE_TABLES:
                con.execute(schema.create_sql(name, table))
        taxonomy_table(con, persist=True)
        for name, sql in schema.VIEWS.items():
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
    finally:
        con.close()
    return target
