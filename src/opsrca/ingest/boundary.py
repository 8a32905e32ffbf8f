"""The one exception boundary around reading one input file.

Whatever goes wrong while one file is read — a reader's ``InputError``, an
``OSError``, a ``csv.Error``, a ``RecursionError``, even a Polars panic (a
``PanicException``, which derives from ``BaseException``) — becomes one line,
``<path>: file unreadable: <reason>``, for that file, and the other files still
load. ``KeyboardInterrupt`` and ``SystemExit`` are never caught here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from opsrca.ingest.pii import mask_text

#: a Ctrl-C, as Python or DuckDB (mid-query) raises it: always re-raised, never a file's error
INTERRUPTS: tuple[type[BaseException], ...] = (KeyboardInterrupt, duckdb.InterruptException)
#: what a file's reader may raise; caught per file (a panic is a BaseException)
READ_ERRORS: tuple[type[BaseException], ...] = (Exception, pl.exceptions.PanicException)
_REASON_MAX = 300  # characters of a reason: one line, never a page of Rust backtrace


def reason_of(exc: BaseException, path: Path | str | None = None) -> str:
    """Why reading failed, as one short line (the file's own name left out)."""
    text = " ".join(str(exc).split())
    if path is not None:
        for prefix in (f"{path}: ", f"{Path(path).name}: "):
            text = text.removeprefix(prefix)
    if isinstance(exc, RecursionError):
        text = "nested too deeply to read"
    elif isinstance(exc, pl.exceptions.PanicException):
        text = f"the parser failed ({text or 'panic'})"
    elif isinstance(exc, MemoryError):
        text = "not enough memory to read it"
    elif not text:
        text = type(exc).__name__
    # a reason may quote file content (a header, a value in a parser's message): it is
    # shown and stored, so it never carries buyer data, --keep-pii or not
    text = mask_text(text)
    if len(text) > _REASON_MAX:
        text = text[: _REASON_MAX - 1] + "…"
    return text


def unreadable(path: Path | str, exc: BaseException | str) -> str:
    """``<path>: file unreadable: <reason>`` (the one wording every reader uses)."""
    reason = exc if isinstance(exc, str) else reason_of(exc, path)
    return f"{path}: file unreadable: {reason}"


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during ingest; ``report`` holds the files committed before it (a re-run skips them)."""

    def __init__(self, report: Any) -> None:
        super().__init__("interrupted")
        self.report = report
