"""The files ``analyze``/``report`` write: events.parquet, summary.csv (UTF-8 BOM), report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from opsrca.errors import InputError
from opsrca.report.html import write_html
from opsrca.report.summary import Summary, summary_csv_frame
from opsrca.report.tables import write_table

__all__ = ["OutputFiles", "prepare_out", "write_outputs", "write_summary_csv", "write_table"]


@dataclass(frozen=True)
class OutputFiles:
    """Paths of the written outputs."""

    events_parquet: Path
    summary_csv: Path
    report_html: Path


def prepare_out(out: Path | str) -> Path:
    """Create the output folder; a path that exists and is a file is an error."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"--out {str(folder)!r} is a file; give a folder (it is created when missing)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store_state(con: duckdb.DuckDBPyConnection) -> str:
    """What ``events.parquet`` depends on: ingested files and template decisions. Equal
    states mean equal files, so an unchanged database is not written out again."""
    files = con.execute(
        "SELECT count(*), max(ingested_at)::VARCHAR, sum(rows) FROM ingested_files"
    ).fetchall()[0]
    decided = con.execute(
        "SELECT count(*), max(classified_at)::VARCHAR, sum(events) FROM templates"
    ).fetchall()[0]
    return "|".join(str(v) for v in (*files, *decided))


def _written_state(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        rows = con.execute(
            "SELECT value::VARCHAR FROM parquet_kv_metadata(?) WHERE key::VARCHAR = ?",
            [str(path), _STATE_KEY],
        ).fetchall()
    except duckdb.Error:  # not ours, or damaged: write it again
        return None
    return str(rows[0][0]) if rows else None


_STATE_KEY = "opsrca_state"


def write_events_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Every event with its root-cause columns, streamed by DuckDB straight to Parquet.

    In load order (file by file, line by line): sorting 10M rows by time would cost more
    than the rest of ``analyze`` and hold the whole table; readers sort what they need.
    The file records the database state it was written from; when that has not changed
    (a rerun with nothing new), the file is left as it is."""
    state = _store_state(con)
    if _written_state(con, path) == state:
        return path
    target = str(path).replace("'", "''")
    literal = state.replace("'", "''")
    con.execute(
        f"COPY (SELECT * FROM ev) TO '{target}' "
        f"(FORMAT parquet, KV_METADATA {{{_STATE_KEY}: '{literal}'}})"
    )
    return path


def write_summary_csv(summary: Summary, path: Path) -> Path:
    """Root causes with counts, shops and fixes (zh/en), every row, through the one table
    writer (CSV in UTF-8 with BOM for Excel; ``.xlsx`` when the name says so)."""
    write_table(summary_csv_frame(summary), path)
    return path


def write_outputs(
    con: duckdb.DuckDBPyConnection, summary: Summary, out: Path | str, *, lang: str = "zh"
) -> OutputFiles:
    """Write all three outputs into ``out`` (created when missing); ``con`` must be prepared.

    ``lang`` is the language of report.html's labels (``zh`` or ``en``)."""
    folder = prepare_out(out)
    return OutputFiles(
        events_parquet=write_events_parquet(con, folder / "events.parquet"),
        summary_csv=write_summary_csv(summary, folder / "summary.csv"),
        report_html=write_html(summary, folder / "report.html", lang=lang),
    )
