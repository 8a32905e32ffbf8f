"""Repeated source ids: an event is never counted twice.

TikTok ``error_id`` and Taobao ``trace_id`` come from the source, so
overlapping exports (or one file) can repeat them; the copy loaded first wins
and every later copy becomes a reject on field ``event_id`` naming where the
event was first loaded from. Rows without a source id (Qimen, Ozon) get a
content id (``normalize.content_ids``), so the same rows re-saved in another
encoding or with other line ends repeat too, and are not counted twice.
Identical rows of one file are told apart by their occurrence number; when a
file is read in pieces (or sheets), ``renumber_content_ids`` numbers them over
the whole file before repeats are looked for.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema

_HASH_ID = r"^[0-9a-f]{16}:[0-9]+$"  # the id rows without a source id had before content ids


def has_source_ids(events: pl.DataFrame) -> bool:
    """True when some ``event_id`` came from the source (only those can repeat)."""
    return not events["event_id"].str.contains(_HASH_ID).all()


def repeated_events(
    con: duckdb.DuckDBPyConnection, batch_id: str, sources: list[str]
) -> pl.DataFrame:
    """Rows just written (``batch_id``, ``source_file`` in ``sources``) whose ``event_id`` was
    already loaded: ``(rid, source_file, source_line, event_id, first_file, first_line)``.

    The copy loaded first wins (row ids grow in load order: earlier files,
    then this file's sheets and lines in order). Two linear passes per file
    (a group-by on the file's ids, a semi-join with the others); only the few
    repeated ids are looked at row by row.
    """
    mine = "(batch_id = $batch AND list_contains($sources, source_file))"
    return con.sql(
        f"""WITH mine AS (SELECT event_id FROM events WHERE {mine}),
            ids AS (
                SELECT event_id FROM mine GROUP BY event_id HAVING count(*) > 1
                UNION
                SELECT event_id FROM mine
                SEMI JOIN (SELECT event_id FROM events WHERE NOT {mine}) USING (event_id)
            ),
            copies AS (
                SELECT e.rowid AS rid, e.event_id, e.source_file, e.source_line,
                       {mine} AS here,
                       row_number() OVER w AS k,
                       first_value(e.source_file) OVER w AS first_file,
                       first_value(e.source_line) OVER w AS first_line
                FROM events e SEMI JOIN ids USING (event_id)
                WINDOW w AS (PARTITION BY e.event_id ORDER BY e.rowid)
            )
            SELECT rid, source_file, source_line, event_id, first_file, first_line
            FROM copies WHERE here AND k > 1
            ORDER BY rid""",
        params={"batch": batch_id, "sources": sources},
    ).pl()


def repeat_reason(path: Path) -> pl.Expr:
    """The reject reason of a repeated event read from ``path`` (the file as given; a
    workbook's sheets are ``path#sheet``), from ``source_file, source_line, event_id,
    first_file, first_line``. One wording for every writer (DuckDB here, ``opsrca.spark``)."""
    sheet = pl.col("source_file").str.slice(len(f"{path}#"))
    where = (
        pl.when(pl.col("source_file") == str(path))
        .then(pl.lit(path.name))
        .otherwise(pl.format("{} sheet {}", pl.lit(path.name), sheet))
    )
    return pl.format(
        "{} line {}: field 'event_id': event '{}' is already loaded from {} line {}; "
        "the repeat is not counted twice",
        where,
        pl.col("source_line"),
        pl.col("event_id"),
        pl.col("first_file"),
        pl.col("first_line"),
    ).alias("reason")


def raw_json_sql(alias: str) -> str:
    """DuckDB SQL for a repeated event's ``rejects.raw``: its columns as one JSON object."""
    return "CAST(json_object({}) AS VARCHAR)".format(
        ", ".join(
            f"'{c}', {alias}.\"{c}\"" for c in schema.columns(schema.EVENTS) if c != "batch_id"
        )
    )


def move_repeats_to_rejects(
    con: duckdb.DuckDBPyConnection, repeats: pl.DataFrame, batch_id: str, path: Path
) -> str:
    """Turn the repeated events of this file into rejects; returns the first reason."""
    rep = repeats.with_columns(repeat_reason(path))
    con.execute(
        f"""INSERT INTO rejects (source_file, source_line, field, reason, raw, batch_id)
            SELECT e.source_file, e.source_line, 'event_id', r.reason,
                   {raw_json_sql("e")}, $batch
            FROM events e JOIN rep r ON e.rowid = r.rid""",
        {"batch": batch_id},
    )
    con.execute("DELETE FROM events WHERE rowid IN (SELECT rid FROM rep)")
    return str(rep["reason"][0])


def renumber_content_ids(con: duckdb.DuckDBPyConnection, batch_id: str, sources: list[str]) -> int:
    """Number identical records over the whole file (pieces and sheets are numbered alone).

    Each piece numbers its identical records 1, 2, …; two pieces of one file may
    then both hold ``h-1``. Records of such a content hash are numbered again in
    load order (row ids grow in file order), so a file read in pieces gets the
    ids it gets when read whole. Returns the number of ids changed.
    """
    mine = "batch_id = $batch AND list_contains($sources, source_file)"
    rows = con.execute(
        f"""UPDATE events SET event_id = n.new_id
            FROM (
                SELECT rid, new_id FROM (
                    SELECT rid, event_id,
                           base || '-' || row_number() OVER (PARTITION BY base ORDER BY rid) AS new_id
                    FROM (
                        SELECT rowid AS rid, event_id, split_part(event_id, '-', 1) AS base
                        FROM events
                        WHERE {mine} AND regexp_full_match(event_id, '[0-9a-f]{{16}}-[0-9]+')
                    )
                    WHERE base IN (
                        SELECT split_part(event_id, '-', 1) FROM events
                        WHERE {mine} AND regexp_full_match(event_id, '[0-9a-f]{{16}}-[0-9]+')
                        GROUP BY event_id HAVING count(*) > 1
                    )
                ) WHERE new_id <> event_id
            ) n
            WHERE events.rowid = n.rid""",
        {"batch": batch_id, "sources": sources},
    ).fetchall()
    return int(rows[0][0]) if rows else 0
