"""Which input file is what: walk the given paths once, sniff each file once.

``route`` is the one place that walks folders and opens files to look at their
first line (or sheet header, or Parquet schema). Every command consumes its
answer: ``ingest`` takes the event exports, the listing checks take their
kinds, ``analyze`` hands the same list to both, so a dump folder is walked
once and each file's header is read once per command.

A file's kind is a listing-check kind when its name and header say so (see
``opsrca.listings.kinds``), else ``events``. Files found in folders are skipped
when hidden or of a suffix neither side reads; files named directly are
always kept (as ``given`` when the caller says what they are).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from opsrca.errors import InputError
from opsrca.ingest.detect import (
    ALL_SUFFIXES,
    EXCEL_SUFFIXES,
    decode,
    detect_json_format,
    detect_table_format,
    sniff_separator,
    split_header,
)

EVENTS = "events"
#: suffixes the listing checks read besides the event-export suffixes
LISTING_SUFFIXES: frozenset[str] = frozenset({".csv", ".xlsx", ".xlsm", ".xls", ".parquet", ".txt"})
_LINE_MAX = 1 << 20  # a header line longer than this is not a header
_JSON_SAMPLE = 64 << 10  # bytes of JSON Lines after the first line, for format detection
_JSON_LINES = 50


@dataclass(frozen=True)
class RoutedFile:
    """One input file and what it is.

    ``format`` is the event format its header (or first JSON objects) matches,
    None when unknown or not sniffed; ingest still decides the format while
    reading (every sheet of a workbook, ``--format``, ``--map``).
    """

    path: Path
    kind: str  # "events" or a listing-check kind (opsrca.listings.kinds.KINDS)
    size: int
    format: str | None = None


@dataclass(frozen=True)
class Head:
    """What sniffing read of one file: the header as the listing checks split it,
    the first line's text (CSV) and the first JSON objects (JSON Lines)."""

    columns: list[str] | None = None
    text: str | None = None
    json_lines: list[str] | None = None


def read_head(path: Path) -> Head:
    """The one header reader: opens ``path`` once (first line, sheet header or Parquet schema).

    Never raises: a file that cannot be read has an empty head, and ingest
    reports it when it reads the file.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return Head(columns=list(pl.read_parquet_schema(path)))
        if suffix in EXCEL_SUFFIXES:
            frame = pl.read_excel(path, infer_schema_length=0, read_options={"n_rows": 0})
            return Head(columns=list(frame.columns))
        with path.open("rb") as fh:
            raw = fh.readline(_LINE_MAX)
            lead = raw.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
            more = fh.read(_JSON_SAMPLE) if lead == b"{" else b""
    except Exception:  # a sniff never fails a command; the reader says why
        return Head()
    line = raw.rstrip(b"\r\n")
    try:
        text = decode(line, name=path.name)[0] if line else ""
    except (InputError, UnicodeError):
        return Head()
    columns = [c.strip().strip('"') for c in text.split(",")]
    json_lines = None
    if lead == b"{":
        lines = (raw + more).split(b"\n")[:-1] if more else [raw]
        json_lines = [s.decode("utf-8", "replace") for s in lines if s.strip()][:_JSON_LINES]
    return Head(columns=columns, text=text, json_lines=json_lines)


def _event_format(path: Path, head: Head) -> str | None:
    """The event format the head matches (detect.py), None when none does."""
    if head.json_lines:
        return detect_json_format(pl.Series(head.json_lines, dtype=pl.String))
    if path.suffix.lower() in EXCEL_SUFFIXES and head.columns:
        return detect_table_format(head.columns)
    if head.text and head.text.strip():
        text = head.text.rstrip("\r")
        return detect_table_format(split_header(text, sniff_separator(text)))
    return None


def sniff(path: Path) -> tuple[str, str | None]:
    """``(kind, event format)`` of one file from one read of its head."""
    from opsrca.listings.kinds import listing_kind  # the listing checks own their kinds

    head = read_head(path)
    kind = listing_kind(path, head.columns)
    if kind is not None:
        return kind, None
    try:
        return EVENTS, _event_format(path, head)
    except Exception:  # same: ingest reports what it cannot read
        return EVENTS, None


def _walk(folder: Path) -> list[Path]:
    """Files under ``folder``, sorted, hidden files and folders skipped."""
    return [
        child
        for child in sorted(folder.rglob("*"))
        if child.is_file()
        and not any(part.startswith(".") for part in child.relative_to(folder).parts)
    ]


def route(
    paths: Iterable[Path | str | RoutedFile], *, given: str | None = None
) -> list[RoutedFile]:
    """Every input file with its kind, in order: files as given, folders walked (sorted).

    Files found in folders are sniffed; those of an unknown suffix, or that
    are neither an event export nor a listing-check input, are left out.
    Files named directly are kept: as ``given`` (say ``EVENTS`` for
    ``opsrca ingest``, which loads what it is told to) without opening them,
    else sniffed. Items already routed pass through unchanged.
    """
    out: list[RoutedFile] = []
    for item in paths:
        if isinstance(item, RoutedFile):
            out.append(item)
            continue
        p = Path(item)
        if p.is_dir():
            for child in _walk(p):
                suffix = child.suffix.lower()
                if suffix not in ALL_SUFFIXES | LISTING_SUFFIXES:
                    continue
                kind, fmt = sniff(child)
                if kind == EVENTS and suffix not in ALL_SUFFIXES:
                    continue  # a Parquet file that is no listing-check input
                out.append(RoutedFile(child, kind, child.stat().st_size, fmt))
        elif p.is_file():
            kind, fmt = (given, None) if given is not None else sniff(p)
            out.append(RoutedFile(p, kind, p.stat().st_size, fmt))
        else:
            raise InputError(f"{p}: no such file or folder; give export files or a dump folder")
    return out


def of_kind(routed: Iterable[RoutedFile], kind: str) -> list[RoutedFile]:
    """The routed files of one kind, in order."""
    return [f for f in routed if f.kind == kind]


def by_kind(routed: Iterable[RoutedFile]) -> dict[str, list[Path]]:
    """Paths of the listing-check inputs per kind (kinds without files left out)."""
    out: dict[str, list[Path]] = {}
    for f in routed:
        if f.kind != EVENTS:
            out.setdefault(f.kind, []).append(f.path)
    return out


def expand_paths(paths: Iterable[Path | str | RoutedFile]) -> list[Path]:
    """Files ``opsrca ingest`` loads: given files as they are, event exports found in folders."""
    return [f.path for f in of_kind(route(paths, given=EVENTS), EVENTS)]
