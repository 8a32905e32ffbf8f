"""The whole-file reader: one file's bytes (every sheet of a workbook) → events and rejects.

Small files are always read this way; big ones when the piecewise readers of
``stream`` refuse them (another encoding, a quoted newline, Excel). Pure: no
database, no threads.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from opsrca import schema
from opsrca.errors import InputError
from opsrca.ingest.csvread import read_csv_bytes
from opsrca.ingest.detect import decode, resolve_format
from opsrca.ingest.normalize import FileContext, normalize, rejects_frame, renumber_content_ids
from opsrca.ingest.readers import LINE, RAW, RawRows, read_excel, read_json_bytes
from opsrca.ingest.results import FileResult

_BLANK = re.compile(rb"[ \t\r\n\x00\xef\xbb\xbf]*")  # an empty export (no copy, unlike strip)


@dataclass
class Loaded:
    """One file read whole: its frames and what happened to it."""

    events: pl.DataFrame
    rejects: pl.DataFrame
    result: FileResult


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an InputError naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file: {exc.strerror or exc}") from exc


def load_file(
    path: Path,
    *,
    fmt: str | None,
    tz: str,
    mappings: dict[str, str] | None,
    keep_pii: bool,
    data: bytes | None = None,
    sha: str | None = None,
) -> Loaded:
    """Read and normalize one file; raises InputError when it cannot be read at all."""
    name = path.name
    if data is None:
        data = read_bytes(path)
    sha = sha or hashlib.sha256(data).hexdigest()
    result = FileResult(path=str(path), sha256=sha)
    if _BLANK.fullmatch(data):
        result.status = "empty"
        return Loaded(schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result)
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
        ".xlsx",
        ".xlsm",
        ".xls",
    ):
        result.encoding = "xlsx"
        return _load_sheets(path, read_excel(path, name=name), result, fmt, tz, mappings, keep_pii)
    else:
        if b"\r" in data and b"\n" not in data:  # old-Mac CR-only line ends: read as lines
            data = data.replace(b"\r", b"\n")
        if b"\x00" in data[:65536]:
            decode(data[:65536], name=name)  # raises for binary garbage, accepts UTF-16
        first = data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
        reader = read_json_bytes if first in (b"{", b"[") else read_csv_bytes
        raw, result.encoding = reader(data, name=name)
    if raw.kind == "table" and not raw.header:
        result.status = "empty"
        return Loaded(schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result)
    sample = raw.rows[RAW] if raw.kind == "json" else None
    fmt_name, spec = resolve_format(raw.kind, raw.header, sample, fmt, mappings, name)
    result.source_format = fmt_name
    ctx = FileContext(label=name, source_file=str(path), sha256=sha, tz=tz, keep_pii=keep_pii)
    events, rejects = normalize(raw, spec, ctx)
    result.rows_in = raw.rows_in
    result.events, result.rejects = events.height, rejects.height
    if result.rows_in == 0:
        result.status = "empty"
    return Loaded(events, rejects, result)


def _load_sheets(
    path: Path,
    sheets: list[tuple[str, RawRows]],
    result: FileResult,
    fmt: str | None,
    tz: str,
    mappings: dict[str, str] | None,
    keep_pii: bool,
) -> Loaded:
    """Normalize every sheet of a workbook; one sheet reads exactly like a CSV file.

    With several sheets, reasons say ``book.xlsx sheet S line N``, ``source_file``
    is ``path#S`` and hash ids are made per sheet (rows of two sheets never
    share one). A sheet whose columns match no format, beside sheets that do,
    has its rows rejected with that reason; when no sheet matches, the file
    is unreadable.
    """
    assert result.sha256 is not None
    if not sheets:
        result.status = "empty"
        return Loaded(schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result)
    multi = len(sheets) > 1
    parts: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    unknown: list[tuple[str, RawRows, FileContext, InputError]] = []
    for sheet, raw in sheets:
        label = f"{path.name} sheet {sheet}" if multi else path.name
        sha = (
            hashlib.sha256(f"{result.sha256}#{sheet}".encode()).hexdigest()
            if multi
            else result.sha256
        )
        ctx = FileContext(
            label=label,
            source_file=f"{path}#{sheet}" if multi else str(path),
            sha256=sha,
            tz=tz,
            keep_pii=keep_pii,
        )
        try:
            fmt_name, spec = resolve_format("table", raw.header, None, fmt, mappings, label)
            parts.append(normalize(raw, spec, ctx))  # raises when required columns are missing
        except InputError as exc:
            unknown.append((sheet, raw, ctx, exc))
            continue
        result.source_format = result.source_format or fmt_name
        result.rows_in += raw.rows_in
    if not parts:
        raise unknown[0][3]
    for _sheet, raw, ctx, exc in unknown:
        result.rows_in += raw.rows_in
        bad = raw.rows.select(
            pl.col(LINE),
            pl.lit(None, dtype=pl.String).alias("__field"),
            pl.lit(str(exc).split(": ", 1)[-1]).alias("__msg"),
            pl.col(RAW),
        )
        parts.append((schema.empty_frame(schema.EVENTS), rejects_frame(bad, ctx)))
    events = renumber_content_ids(pl.concat([e for e, _ in parts]))
    rejects = pl.concat([r for _, r in parts])
    result.events, result.rejects = events.height, rejects.height
    if result.rows_in == 0:
        result.status = "empty"
    return Loaded(events, rejects, result)
