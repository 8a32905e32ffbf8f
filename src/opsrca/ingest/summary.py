"""The per-file table printed after every ingest: rows in = events + rejects."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from opsrca.ingest.pipeline import IngestReport

_STYLE = {
    "loaded": "green",
    "duplicate": "dim",
    "empty": "yellow",
    "unreadable": "red",
    "rejected": "red",
    "skipped": "dim",
}


def summary_table(report: IngestReport) -> Table:
    """A rich table, one row per file plus a total row."""
    table = Table(title=f"ingest batch {report.batch_id[:12]}", show_footer=False)
    for name, justify in (
        ("file", "left"),
        ("format", "left"),
        ("encoding", "left"),
        ("rows in", "right"),
        ("events", "right"),
        ("rejects", "right"),
        ("status", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for f in report.files:
        style = _STYLE.get(f.status, "")
        table.add_row(
            Text(Path(f.path).name),  # a file name is text, not markup
            f.source_format or "-",
            f.encoding or "-",
            f"{f.rows_in:,}",
            f"{f.events:,}",
            f"[red]{f.rejects:,}[/]" if f.rejects else "0",
            f"[{style}]{f.status}[/]",
        )
    table.add_section()
    table.add_row(
        f"total ({len(report.files)} files)",
        "",
        "",
        f"{report.rows_in:,}",
        f"{report.events:,}",
        f"{report.rejects:,}",
        "ok" if report.ok else "[red]check rejects[/]",
    )
    return table
