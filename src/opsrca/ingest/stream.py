"""Big files in pieces: memory stays bounded and parsing overlaps the database writes.

A CSV (UTF-8, or GBK/GB18030 transcoded piece by piece) or UTF-8 JSON Lines file
larger than one piece is read ``piece_bytes`` at a time, cut at a line end; each
piece is parsed by the same fast readers and normalized on its own
(``source_line`` stays the file's line number). A CSV piece the fast reader
refuses (a quoted newline, a stray quote) is read by the record scan, that piece
alone, so one odd row does not make a 2 GB file be read whole; a piece with
undecodable lines is decoded line by line (they become rejects). Whatever the
piecewise readers cannot take (GBK lines after a UTF-8 head, a record that does not close
inside its piece, a runaway quote, Excel, a JSON array) raises ``NotStreamable``
and the caller starts the file over with the whole-file reader, which handles
every kind of mess.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from opsrca.ingest.csvread import csv_header, fast_csv_rows, scan_csv_rows
from opsrca.ingest.detect import (
    EXCEL_SUFFIXES,
    decode_lines,
    file_encoding,
    looks_binary,
    resolve_format,
)
from opsrca.ingest.mapping import FormatSpec
from opsrca.ingest.normalize import FileContext, normalize
from opsrca.ingest.readers import RAW, NotUtf8Error, RawRows, json_rows, undecodable_rows

#: bytes per piece: about 80k TikTok rows; a few pieces are in flight at once
PIECE_BYTES = 32 << 20
_HEAD_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"


class NotStreamable(Exception):
    """The file needs the whole-file reader; start it over."""


@dataclass
class Chunk:
    """The events and rejects of one piece of a file."""

    events: pl.DataFrame
    rejects: pl.DataFrame
    rows_in: int


#: parse-and-normalize one piece, and the input bytes it stands for (progress)
Task = tuple[Callable[[], Chunk], int]


@dataclass
class Stream:
    """A file opened for piecewise reading: its format and one task per piece, lazily.

    Pieces are cut in order by whoever iterates ``tasks``; the tasks themselves
    are independent, so they can run on several threads at once (or, through
    ``parse`` with pieces cut elsewhere from ``start`` on, on other machines:
    ``opsrca.spark``).
    """

    source_format: str
    encoding: str
    tasks: Iterator[Task]
    parse: Callable[[bytes, int], Chunk]  # one piece and its first file line -> Chunk
    start: int  # byte offset of the first piece (after BOM and header)
    first_line: int  # file line number of the first piece's first line
    read: Callable[[bytes, int], RawRows | None]  # one piece -> its split rows (no normalize)
    spec: FormatSpec


def pieces(path: Path, start: int, piece_bytes: int) -> Iterator[bytes]:
    """The file's bytes from ``start`` in pieces of about ``piece_bytes``, each ending at a line end.

    Each piece is copied once (the partial last line carried over is small).
    """
    with path.open("rb") as f:
        f.seek(start)
        carry = b""
        while block := f.read(piece_bytes):
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                carry += block
                continue
            if not carry and cut == len(block):
                yield block
            else:
                yield b"".join((carry, memoryview(block)[:cut]))
            carry = block[cut:]
        if carry:
            yield carry


def open_stream(
    path: Path,
    *,
    ctx: FileContext,
    fmt: str | None,
    mappings: dict[str, str] | None,
    piece_bytes: int = PIECE_BYTES,
) -> Stream:
    """Open ``path`` for piecewise reading; raises NotStreamable or InputError (unknown format)."""
    name = path.name
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in EXCEL_SUFFIXES:
        raise NotStreamable
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or looks_binary(head[:65536]):
        raise NotStreamable  # binary or UTF-16: the whole-file reader says which
    start = len(_BOM) if head.startswith(_BOM) else 0
    encoding = "utf-8-sig" if start else "utf-8"
    lead = head[start:].lstrip(b" \t\r\n")[:1]
    if lead == b"[" or not lead:
        raise NotStreamable
    legacy = _legacy_encoding(head[start:])
    if legacy is not None:  # a GBK/GB18030 CSV: pieces are transcoded to UTF-8 one by one
        if lead == b"{":
            raise NotStreamable
        encoding = legacy
        head = head[:start] + _to_utf8(head[start : head.rfind(b"\n") + 1], legacy, 1)[0]
    try:
        if lead == b"{":
            cut = head.rfind(b"\n")
            if cut < 0:
                raise NotStreamable
            sample = _json_piece(head[start : cut + 1], 1).rows
            fmt_name, spec = resolve_format("json", [], sample[RAW], fmt, mappings, name)
            tasks = _tasks(path, start, 1, _json_piece, spec, ctx, piece_bytes)
            parse = partial(_parse, _json_piece, spec=spec, ctx=ctx)
            return Stream(fmt_name, encoding, tasks, parse, start, 1, _json_piece, spec)
        found = csv_header(head[start:])
    except NotUtf8Error as exc:
        raise NotStreamable from exc
    end = head.find(b"\n", start)
    if found is None or end < 0:
        raise NotStreamable  # header not on line 1, or longer than the sniffed head
    header, sep = found
    fmt_name, spec = resolve_format("table", header, None, fmt, mappings, name)

    def split(data: bytes, line: int) -> RawRows | None:
        fast = fast_csv_rows(data, header, sep, first_line=line)
        if fast is not None:
            return fast
        # a quoted newline or a stray quote: only this piece is scanned record by record
        return scan_csv_rows(data, header, sep, first_line=line)

    read = partial(_decoded_read, split, legacy or "utf-8")

    end = _header_end(path, start) if legacy else end
    tasks = _tasks(path, end + 1, 2, read, spec, ctx, piece_bytes)
    parse = partial(_parse, read, spec=spec, ctx=ctx)
    return Stream(fmt_name, encoding, tasks, parse, end + 1, 2, read, spec)


def _legacy_encoding(head: bytes) -> str | None:
    """``"gb18030"`` when most of the head (up to its last line end) is GB18030, not UTF-8.

    A line end (0x0A) is never part of a GB18030 character, so pieces cut at line ends
    decode on their own. None: UTF-8. Another codepage raises NotStreamable (the
    whole-file reader decodes it).
    """
    encoding = file_encoding(head[: head.rfind(b"\n") + 1])
    if encoding not in ("utf-8", "gb18030"):
        raise NotStreamable
    return None if encoding == "utf-8" else encoding


def _to_utf8(piece: bytes, encoding: str, line: int) -> tuple[bytes, pl.DataFrame]:
    """A piece as UTF-8 bytes and its undecodable lines (rows for rejects; ``detect.decode_lines``).

    A UTF-8 piece with lines only GB18030 reads sends the file to the whole-file
    reader: the file may be GBK after an ASCII head, and that reader weighs all of it.
    """
    decoded = decode_lines(piece, encoding)
    if encoding == "utf-8" and decoded.fallbacks:
        raise NotStreamable
    return decoded.text.encode("utf-8"), undecodable_rows(decoded, first_line=line)


def _decoded_read(
    read: Callable[[bytes, int], RawRows | None], encoding: str, piece: bytes, line: int
) -> RawRows | None:
    """``read`` over a piece in ``encoding``: bytes that are not UTF-8 are decoded line by line
    first (only when needed: a clean UTF-8 piece goes to Polars as it is)."""
    if encoding == "utf-8":
        try:
            return read(piece, line)
        except NotUtf8Error:
            pass
    data, bad = _to_utf8(piece, encoding, line)
    rows = read(data, line)
    return None if rows is None else rows.with_bad(bad)


def _header_end(path: Path, start: int) -> int:
    """Byte offset of the header line's end in the file itself (not in the transcoded head)."""
    with path.open("rb") as f:
        f.seek(start)
        return start + f.read(_HEAD_BYTES).find(b"\n")


def _json_piece(piece: bytes, line: int) -> RawRows:
    return _decoded_read(_json_rows, "utf-8", piece, line)  # type: ignore[return-value]


def _json_rows(piece: bytes, line: int) -> RawRows:
    return json_rows(piece, first_line=line)


def _parse(
    read: Callable[[bytes, int], RawRows | None],
    piece: bytes,
    line: int,
    *,
    spec: FormatSpec,
    ctx: FileContext,
) -> Chunk:
    """One piece through a reader (``None``: NotStreamable) and normalize."""
    raw = read(piece, line)
    if raw is None:
        raise NotStreamable
    events, rejects = normalize(raw, spec, ctx)
    return Chunk(events, rejects, raw.rows_in)


def _tasks(
    path: Path,
    start: int,
    first_line: int,
    read: Callable[[bytes, int], RawRows | None],
    spec: FormatSpec,
    ctx: FileContext,
    piece_bytes: int,
) -> Iterator[Task]:
    """One task per piece from byte ``start`` (file line ``first_line``) on."""
    line = first_line
    extra = start  # the bytes before ``start`` (BOM, header) count with the first piece
    for piece in pieces(path, start, piece_bytes):
        yield partial(_parse, read, piece, line, spec=spec, ctx=ctx), len(piece) + extra
        line += piece.count(b"\n")
        extra = 0
