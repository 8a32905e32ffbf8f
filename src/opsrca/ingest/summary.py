"""The per-file table printed after every ingest: rows in = events + rejects."""

from __future__ import annotations

from collections.abc import Mapping
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


#: The table's English words; ``summary_table(words=...)`` replaces any of them (the report
#: passes its labels in the chosen language). ``status_<status>`` names each file status.
WORDS: dict[str, str] = {
    "batch": "ingest batch {batch}",
    "file": "file",
    "format": "format",
    "encoding": "encoding",
    "rows_in": "rows in",
    "events": "events",
    "rejects": "rejects",
    "status": "status",
    "total": "total ({n} files)",
    "ok": "ok",
    "check_rejects": "check rejects",
    **{f"status_{s}": s for s in _STYLE},
}


def summary_table(report: IngestReport, *, words: Mapping[str, str] | None = None) -> Table:
    """A rich table, one row per file plus a total row; ``words`` translate its labels."""
    w = {**WORDS, **(words or {})}
    table = Table(title=w["batch"].format(batch=report.batch_id[:12]), show_footer=False)
    for name, justify in (
        ("file", "left"),
        ("format", "left"),
        ("encoding", "left"),
        ("rows_in", "right"),
        ("events", "right"),
        ("rejects", "right"),
        ("status", "left"),
    ):
        table.add_column(w[name], justify=justify)  # type: ignore[arg-type]
    for f in report.files:
        style = _STYLE.get(f.status, "")
        table.add_row(
            Text(Path(f.path).name),  # a file name is text, not markup
            f.source_format or "-",
            f.encoding or "-",
            f"{f.rows_in:,}",
            f"{f.events:,}",
            f"[red]{f.rejects:,}[/]" if f.rejects else "0",
            Text(w.get(f"status_{f.status}", f.status), style=style),
        )
    table.add_section()
    table.add_row(
        w["total"].format(n=len(report.files)),
        "",
        "",
        f"{report.rows_in:,}",
        f"{report.events:,}",
        f"{report.rejects:,}",
        w["ok"] if report.ok else Text(w["check_rejects"], style="red"),
    )
    return table
