"""Shared read-side views: events joined with their latest classification, and the taxonomy.

Every report query reads ``ev`` (one row per event, root-cause columns null for
success rows and unclassified errors) and ``taxonomy`` (one row per category),
so the join rule lives in one place.
"""

from __future__ import annotations

from contextlib import suppress

import duckdb
import polars as pl

from opsrca.classify.taxonomy import taxonomy_table

# The latest classification per event wins, so re-running `classify` never double-counts.
EV_SQL = """
CREATE OR REPLACE TEMP VIEW ev AS
SELECT e.*,
       c.template, c.root_cause, c.confidence, c.method, c.rule_id, c.evidence,
       coalesce(c.retryable, t.retryable) AS retryable,
       coalesce(c.fix_zh, t.fix_zh) AS fix_zh,
       coalesce(c.fix_en, t.fix_en) AS fix_en,
       t.name_zh AS root_cause_zh, t.name_en AS root_cause_en, t.owner,
       c.model_version, c.classified_at
FROM events e
LEFT JOIN (
    SELECT * FROM classifications
    QUALIFY row_number() OVER (
        PARTITION BY event_id ORDER BY classified_at DESC NULLS LAST) = 1
) c USING (event_id)
LEFT JOIN taxonomy t ON t.id = c.root_cause
"""

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


def prepare(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Register ``taxonomy`` and the ``ev`` view on a connection (read-only connections too)."""
    # DuckDB's own progress bar would print over rich's output; in Jupyter without
    # ipywidgets DuckDB refuses the setting (and shows no bar anyway)
    with suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = false")
    taxonomy_table(con)
    con.execute(EV_SQL)
    return con


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> pl.DataFrame:
    """Run a read query on a prepared connection and return a frame."""
    rel = con.sql(sql, params=params) if params else con.sql(sql)
    return rel.pl()
