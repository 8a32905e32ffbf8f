"""Which input file is what: walk the given paths once, sniff each file once.

``route`` is the one place that walks folders and opens files to look at their
first line (or sheet header, or Parquet schema). Every command consumes its
answer: ``ingest`` takes the event exports, the listing checks take their
kinds, ``analyze`` hands the same list to both, so a dump folder is walked
once and each file's header is read once per command.

A file's kind is a listing-check kind when its name and header say so (see
``opsrca.listings.kinds``), else ``events``. Files found in folders are routed
by content too: a PDF, an image, a Word file or binary junk is ``skipped``
(whatever its name), and so is a file of a suffix neither side reads; each
skipped file carries one line saying why. What cannot be read at all (a FIFO,
a dangling symlink, a subfolder without permission) is ``unreadable``, with
its reason: never skipped silently, never opened (a FIFO would block). Hidden
files and folders are left out. Files named directly are always kept (as
``given`` when the caller says what they are); a named FIFO or device is
``unreadable``, not an error that stops the command.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from opsrca.errors import InputError
from opsrca.ingest.boundary import unreadable
from opsrca.ingest.detect import (
    ALL_SUFFIXES,
    EXCEL_SUFFIXES,
    decode,
    detect_json_format,
    detect_table_format,
    looks_binary,
    sniff_separator,
    split_header,
)

EVENTS = "events"
SKIPPED = "skipped"  # not an input (a PDF, an image, an unknown suffix): ``note`` says why
UNREADABLE = "unreadable"  # cannot be opened (FIFO, dangling symlink, no permission)
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
    kind: str  # "events", a listing-check kind (opsrca.listings.kinds.KINDS), skipped, unreadable
    size: int
    format: str | None = None
    note: str | None = None  # why a file is skipped or unreadable


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
    line = raw.rstrip(b"\r\n").split(b"\r", 1)[0]  # CR-only line ends: the first line is the header
    try:
        text = decode(line, name=path.name).text if line else ""
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


#: leading bytes of files that are no export whatever their name
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive; unpack it first"),
    (b"Rar!", "a RAR archive; unpack it first"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"SQLite format 3", "a SQLite database"),
)
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"
_MAGIC_BYTES = 64 << 10
_SHOWN_SUFFIXES = "csv, tsv, txt, jsonl, ndjson, json, log, xlsx, xlsm, xls, parquet"


def content_note(path: Path) -> str | None:
    """Why a file found in a folder is no input, from its first bytes; None when it may be one.

    A workbook must be a ZIP holding ``xl/`` (or an old OLE2 ``.xls``), a text
    export is not control bytes (``looks_binary``); everything else is named for what
    it is, so a ``report.csv`` that is really a PDF is skipped saying so.
    """
    with path.open("rb") as fh:
        head = fh.read(_MAGIC_BYTES)
    suffix = path.suffix.lower()
    if not head:
        return None  # empty: ingest says so
    if head.startswith(_ZIP):
        if b"xl/" in head or suffix in EXCEL_SUFFIXES:
            return None  # a workbook (a damaged one is reported unreadable by its reader)
        if b"word/" in head:
            return "a Word document (DOCX)"
        if b"ppt/" in head:
            return "a PowerPoint file"
        return "a ZIP archive; unpack it first"
    if head.startswith(_OLE2):
        return None if suffix == ".xls" else "an old Office document (OLE2)"
    if head.startswith(b"PAR1"):
        return None if suffix == ".parquet" else "a Parquet file"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if looks_binary(head):
        return "binary data (control bytes), not a text export"
    return None


def _special_note(st: os.stat_result) -> str:
    mode = st.st_mode
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file; copy its content into a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def _walk(folder: Path) -> tuple[list[Path], list[RoutedFile]]:
    """Regular files under ``folder`` (sorted) and what could not be walked or opened.

    Hidden files and folders are left out. A subfolder without permission, a
    dangling symlink, a FIFO or a device is returned as ``unreadable`` with its
    reason (nothing found in a folder is dropped silently).
    """
    files: list[Path] = []
    problems: list[RoutedFile] = []

    def failed(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        reason = f"cannot open folder: {exc.strerror or exc}"
        problems.append(RoutedFile(where, UNREADABLE, 0, note=unreadable(where, reason)))

    for root, dirs, names in os.walk(folder, onerror=failed, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            child = Path(root) / name
            try:
                st = child.stat()
            except OSError as exc:
                if child.is_symlink():
                    why = f"dangling symlink to {os.readlink(child)!r}"
                else:
                    why = f"cannot read file: {exc.strerror or exc}"
                problems.append(RoutedFile(child, UNREADABLE, 0, note=unreadable(child, why)))
                continue
            if stat.S_ISREG(st.st_mode):
                files.append(child)
            elif not stat.S_ISDIR(st.st_mode):  # a symlink to a folder is not followed
                note = unreadable(child, _special_note(st))
                problems.append(RoutedFile(child, UNREADABLE, 0, note=note))
    return sorted(files), problems


def _route_child(child: Path) -> RoutedFile:
    """One file found in a folder: its kind, or why it is skipped or unreadable."""
    suffix = child.suffix.lower()
    try:
        size = child.stat().st_size
        note = content_note(child)
    except OSError as exc:
        why = f"cannot read file: {exc.strerror or exc}"
        return RoutedFile(child, UNREADABLE, 0, note=unreadable(child, why))
    if note is not None:
        return RoutedFile(child, SKIPPED, size, note=f"{child}: skipped: {note}")
    if suffix not in ALL_SUFFIXES | LISTING_SUFFIXES:
        what = f"suffix {suffix!r}" if suffix else "no suffix"
        note = f"{child}: skipped: {what} is not an input format ({_SHOWN_SUFFIXES})"
        return RoutedFile(child, SKIPPED, size, note=note)
    kind, fmt = sniff(child)
    if kind == EVENTS and suffix not in ALL_SUFFIXES:
        note = f"{child}: skipped: a Parquet file that is no listing-check input"
        return RoutedFile(child, SKIPPED, size, note=note)
    return RoutedFile(child, kind, size, fmt)


def route(
    paths: Iterable[Path | str | RoutedFile], *, given: str | None = None
) -> list[RoutedFile]:
    """Every input file with its kind, in order: files as given, folders walked (sorted).

    Files found in folders are routed by content and header; those that are
    no input are ``skipped`` and those that cannot be opened ``unreadable``,
    each with a ``note`` saying why (see the module doc). Files named directly
    are kept: as ``given`` (say ``EVENTS`` for ``opsrca ingest``, which loads
    what it is told to) without opening them, else sniffed. Items already
    routed pass through unchanged.
    """
    out: list[RoutedFile] = []
    for item in paths:
        if isinstance(item, RoutedFile):
            out.append(item)
            continue
        p = Path(item)
        try:
            st = p.stat()
        except OSError:
            raise InputError(
                f"{p}: no such file or folder; give export files or a dump folder"
            ) from None
        if stat.S_ISDIR(st.st_mode):
            files, problems = _walk(p)
            out.extend(_route_child(child) for child in files)
            out.extend(problems)
        elif stat.S_ISREG(st.st_mode):
            kind, fmt = (given, None) if given is not None else sniff(p)
            out.append(RoutedFile(p, kind, st.st_size, fmt))
        else:
            out.append(RoutedFile(p, UNREADABLE, 0, note=unreadable(p, _special_note(st))))
    return out


def problems(routed: Iterable[RoutedFile]) -> list[RoutedFile]:
    """The routed files that are skipped or unreadable, each with its ``note``."""
    return [f for f in routed if f.kind in (SKIPPED, UNREADABLE)]


def of_kind(routed: Iterable[RoutedFile], kind: str) -> list[RoutedFile]:
    """The routed files of one kind, in order."""
    return [f for f in routed if f.kind == kind]


def by_kind(routed: Iterable[RoutedFile]) -> dict[str, list[Path]]:
    """Paths of the listing-check inputs per kind (kinds without files left out)."""
    out: dict[str, list[Path]] = {}
    for f in routed:
        if f.kind not in (EVENTS, SKIPPED, UNREADABLE):
            out.setdefault(f.kind, []).append(f.path)
    return out


def expand_paths(paths: Iterable[Path | str | RoutedFile]) -> list[Path]:
    """Files ``opsrca ingest`` loads: given files as they are, event exports found in folders."""
    return [f.path for f in of_kind(route(paths, given=EVENTS), EVENTS)]
