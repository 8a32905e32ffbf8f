"""The files ``analyze``/``report`` write: events.parquet, summary.csv (UTF-8 BOM), report.html."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from opsrca.errors import InputError
from opsrca.report.html import write_html
from opsrca.report.summary import Summary, summary_csv_frame


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
        raise InputError(f"--out {str(folder)!r} is a file; give a folder (it is created when missing)")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_events_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Every event with its root-cause columns, streamed by DuckDB straight to Parquet.

    In load order (file by file, line by line): sorting 10M rows by time would cost more
    than the rest of ``analyze`` and hold the whole table; readers sort what they need."""
    target = str(path).replace("'", "''")
    con.execute(f"COPY (SELECT * FROM ev) TO '{target}' (FORMAT parquet)")
    return path


def write_summary_csv(summary: Summary, path: Path) -> Path:
    """Root causes with counts, shops and fixes (zh/en) as CSV in UTF-8 with BOM, for Excel."""
    summary_csv_frame(summary).write_csv(path, include_bom=True)
    return path


def write_outputs(con: duckdb.DuckDBPyConnection, summary: Summary, out: Path | str) -> OutputFiles:
    """Write all three outputs into ``out`` (created when missing); ``con`` must be prepared."""
    folder = prepare_out(out)
    return OutputFiles(
        events_parquet=write_events_parquet(con, folder / "events.parquet"),
        summary_csv=write_summary_csv(summary, folder / "summary.csv"),
        report_html=write_html(summary, folder / "report.html"),
    )
