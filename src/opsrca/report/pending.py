"""Read commands work with root causes: errors ingested but not yet classified are decided
first (per template, so only the new shapes cost anything).

``ingest`` then ``errors`` used to show no root cause and ``health`` 0 auth errors for
shops with expired tokens. Deciding what is pending is cheap (templates, not events), so
read commands do it and say so in one line rather than leaving the user to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from opsrca import store


@dataclass(frozen=True)
class Pending:
    """Failed events without a root cause, and what deciding them did."""

    events: int
    templates_decided: int = 0
    model_version: str = ""


def pending_events(con: duckdb.DuckDBPyConnection) -> int:
    """Failed events whose template has no decision yet. A cheap count comparison first;
    the exact anti-join only when the counts disagree."""
    errors = con.execute("SELECT count(*) FROM events WHERE is_error").fetchall()[0][0]
    decided = con.execute(
        "SELECT coalesce(sum(events), 0) FROM templates WHERE root_cause IS NOT NULL"
    ).fetchall()[0][0]
    if int(errors) == int(decided):
        return 0
    return int(
        con.execute(
            """
            SELECT count(*) FROM events e
            WHERE e.is_error AND NOT EXISTS (
                SELECT 1 FROM templates t
                WHERE t.template_id = e.template_id AND t.root_cause IS NOT NULL)
            """
        ).fetchall()[0][0]
    )


def classify_pending(
    db: Path | str, *, model_dir: Path | str | None = None, progress: bool = False
) -> Pending:
    """Decide the templates of failed events no model has decided yet (nothing else: what
    was classified, with whatever model, stays). Opens the database for writing only when
    something is pending."""
    if not Path(db).exists():
        return Pending(0)
    con = store.connect(db, read_only=True)
    try:
        waiting = pending_events(con)
    finally:
        con.close()
    if waiting == 0:
        return Pending(0)
    from opsrca.classify.engine import decide_templates

    con = store.connect(db)
    try:
        run = decide_templates(con, model_dir=model_dir, only_new=True, progress=progress)
    finally:
        con.close()
    return Pending(waiting, run.templates_decided, run.model_version)
