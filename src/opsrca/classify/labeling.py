"""The analyst's half of the labeling loop: export the templates worth a human look.

``opsrca label OUT`` writes the largest ``unknown`` and low-confidence templates with their
count, an example, the current guess and the runner-up, and an empty ``label`` column; an
analyst fills it in and ``opsrca train --add OUT`` learns from it (``datasets.read_analyst_file``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from opsrca import store
from opsrca.classify.taxonomy import UNKNOWN
from opsrca.errors import InputError

__all__ = ["EXPORT_COLUMNS", "export_for_labeling", "templates_to_label"]

EXPORT_COLUMNS: tuple[str, ...] = (
    "template_id",
    "events",
    "example_message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "root_cause",
    "confidence",
    "root_cause_2",
    "confidence_2",
    "method",
    "label",
)


def templates_to_label(
    con: duckdb.DuckDBPyConnection, /, *, below: float = 0.6, limit: int = 200
) -> pl.DataFrame:
    """The decided templates answered ``unknown`` or decided by the model below ``below``,
    most events first (``EXPORT_COLUMNS``, ``label`` empty). Rule, documented-code and
    analyst decisions are not offered: they are certain by construction."""
    if not 0.0 <= below <= 1.0:
        raise InputError(f"below must be within [0, 1], got {below!r}")
    if limit < 1:
        raise InputError(f"limit must be at least 1, got {limit!r}")
    return store.query(
        con,
        f"""
        SELECT template_id, events, example_message, platform, http_status, error_code, sub_code,
               root_cause, round(confidence, 4) AS confidence, root_cause_2,
               round(confidence_2, 4) AS confidence_2, method, NULL::VARCHAR AS label
        FROM templates
        WHERE root_cause IS NOT NULL AND events > 0 AND NOT coalesce(garbage, false)
          AND (root_cause = '{UNKNOWN}' OR (method = 'model' AND confidence < $below))
        ORDER BY events DESC, template_id
        LIMIT {int(limit)}
        """,
        params={"below": below},
    )


def export_for_labeling(
    con: duckdb.DuckDBPyConnection,
    out: Path | str,
    /,
    *,
    below: float = 0.6,
    limit: int = 200,
) -> pl.DataFrame:
    """Write ``templates_to_label`` to ``out``: ``.csv`` (UTF-8 with BOM, for Excel) or
    ``.xlsx``. Returns the exported rows."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"output {str(path)!r} must end in .csv or .xlsx")
    rows = templates_to_label(con, below=below, limit=limit)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        rows.write_csv(path, include_bom=True)
    else:
        rows.write_excel(path, worksheet="label", autofit=True)
    return rows
