"""Readers: file content → one String column per source column, plus line numbers.

Every reader returns ``RawRows``: the rows it could split (``rows``: source
columns as strings, ``__line`` = physical 1-based line of the row's start,
``__raw`` = the row's text when kept) and the rows it could not (``bad``:
line, reason, raw). Nothing is dropped silently: ``rows + bad`` is every row.
This module holds the shared pieces plus the JSON Lines and Excel readers; CSV
lives in ``csvread``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from opsrca.errors import InputError
from opsrca.ingest.detect import Decoded, decode, split_header

LINE = "__line"
RAW = "__raw"
BAD_SCHEMA = {LINE: pl.Int64, "__field": pl.String, "__msg": pl.String, RAW: pl.String}


@dataclass
class RawRows:
    """Split rows of one file (all strings) and the rows that could not be split."""

    kind: str  # "table" | "json"
    rows: pl.DataFrame
    bad: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BAD_SCHEMA))
    header: list[str] = field(default_factory=list)
    #: line lookup for rejects when ``rows`` has no ``__raw`` column (CSV fast path)
    index: LineIndex | None = None

    def raw_of(self, line_numbers: pl.Series) -> pl.Series:
        """Raw text of the given physical lines (for rejects)."""
        if self.index is not None:
            return self.index.text_of(line_numbers).alias(RAW)
        return pl.Series(RAW, [None] * line_numbers.len(), dtype=pl.String)

    def with_bad(self, more: pl.DataFrame) -> RawRows:
        """These rows with more unsplittable ones (the undecodable lines of a decode)."""
        if more.height == 0:
            return self
        bad = pl.concat([self.bad, more.cast(BAD_SCHEMA)]).sort(LINE)
        return replace(self, bad=bad)

    @property
    def rows_in(self) -> int:
        """Input rows: split plus unsplittable."""
        return self.rows.height + self.bad.height


def physical_lines(text: str) -> pl.DataFrame:
    """``(__line, text)``: every physical line, 1-based, without its line ending."""
    lines = pl.Series("text", [text], dtype=pl.String).str.split("\n").explode()
    frame = pl.DataFrame({"text": lines}).with_row_index(LINE, offset=1)
    frame = frame.with_columns(pl.col(LINE).cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))
    if frame.height and text.endswith("\n"):
        frame = frame.head(frame.height - 1)  # the empty piece after the final newline
    return frame


def read_excel(path: Path, *, name: str) -> list[tuple[str, RawRows]]:
    """Every sheet of an XLSX file as ``(sheet name, rows)``; ``__line`` is the sheet row number.

    Blank sheets are left out; an empty list means the workbook holds no data.
    Big exports are split over sheets (Excel stops at 1,048,576 rows), so
    every sheet counts, not only the first.
    """
    import fastexcel

    try:
        book = fastexcel.read_excel(str(path))
        names = list(book.sheet_names)
        frames = [
            pl.DataFrame(book.load_sheet(i, header_row=None, dtypes="string").to_polars())
            for i in range(len(names))
        ]
    except Exception as exc:  # fastexcel raises its own error classes for every kind of damage
        raise InputError(f"{name}: cannot read as an Excel workbook: {exc}") from exc
    sheets = [(sheet, _sheet_rows(frame)) for sheet, frame in zip(names, frames, strict=True)]
    return [(sheet, raw) for sheet, raw in sheets if raw.header]


def _sheet_rows(frame: pl.DataFrame) -> RawRows:
    """Header (first non-blank row) and data rows of one sheet, all strings."""
    frame = frame.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
    data_cols = [c for c in frame.columns if c != LINE]
    if not data_cols:
        return RawRows("table", pl.DataFrame(schema={LINE: pl.Int64, RAW: pl.String}))
    nonblank = frame.filter(
        pl.any_horizontal(pl.col(c).str.strip_chars().fill_null("") != "" for c in data_cols)
    )
    if nonblank.height == 0:
        return RawRows("table", pl.DataFrame(schema={LINE: pl.Int64, RAW: pl.String}))
    header = split_header(",".join(f'"{v or ""}"' for v in nonblank.row(0)[1:]), ",")
    body = nonblank.slice(1).rename(dict(zip(data_cols, header, strict=True)))
    body = body.with_columns(
        pl.concat_str([pl.col(c).fill_null("") for c in header], separator=",").alias(RAW)
    )
    return RawRows("table", body, header=header)


class LineIndex:
    """Physical lines of UTF-8 bytes, looked up by number without splitting the whole file.

    Newline offsets come from numpy in chunks (8 bytes per line); only the
    requested lines are decoded, so rejects and short-row checks stay cheap.
    """

    _CHUNK = 64 << 20

    def __init__(self, data: bytes, first_line: int = 1) -> None:
        self.data = data
        self.first_line = first_line  # file line number of the first line of ``data``
        self._starts: np.ndarray | None = None

    def _offsets(self) -> np.ndarray:
        if self._starts is None:
            buf = np.frombuffer(self.data, dtype=np.uint8)
            parts = [np.zeros(1, dtype=np.int64)]
            for lo in range(0, len(buf), self._CHUNK):
                parts.append(
                    np.flatnonzero(buf[lo : lo + self._CHUNK] == 10).astype(np.int64) + lo + 1
                )
            self._starts = np.concatenate(parts)
        return self._starts

    def text_of(self, line_numbers: pl.Series) -> pl.Series:
        """Text of the given 1-based physical lines of the file (line ending removed)."""
        if line_numbers.len() > 200_000:  # many: one vectorized split is cheaper than slicing
            table = lines_of_bytes(self.data, first_line=self.first_line)
            found = pl.DataFrame({LINE: line_numbers}).join(
                table, on=LINE, how="left", maintain_order="left"
            )
            return found["text"]
        starts = self._offsets()
        n = len(starts)
        out: list[str | None] = []
        shift = self.first_line - 1
        for line in line_numbers.to_list():  # only the requested lines (rejects / short rows)
            k = None if line is None else line - shift
            if k is None or k < 1 or k > n:
                out.append(None)
                continue
            lo = int(starts[k - 1])
            hi = int(starts[k]) - 1 if k < n else len(self.data)
            out.append(self.data[lo:hi].decode("utf-8", errors="replace").removesuffix("\r"))
        return pl.Series("text", out, dtype=pl.String)

    def newlines(self) -> int:
        """How many ``\\n`` bytes the data holds."""
        return len(self._offsets()) - 1

    def ending_with(self, byte: int) -> pl.Series:
        """File line numbers of the lines whose last byte (before ``\\r\\n``) is ``byte``."""
        starts = self._offsets()
        buf = np.frombuffer(self.data, dtype=np.uint8)
        ends = np.append(starts[1:] - 1, len(buf))  # each line's end (its \\n, or the data's end)
        last = ends - 1
        cr = (last >= starts) & (buf[np.clip(last, 0, None)] == 13)
        last = np.where(cr, last - 1, last)
        hit = (last >= starts) & (buf[np.clip(last, 0, None)] == byte)
        if len(buf) and buf[-1] == 10:
            hit[-1] = False  # the empty piece after the final newline is not a line
        return pl.Series(LINE, np.flatnonzero(hit) + self.first_line, dtype=pl.Int64)

    def frame(self) -> pl.DataFrame:
        """All lines as ``(__line, text)`` (vectorized)."""
        return lines_of_bytes(self.data, first_line=self.first_line)


def undecodable_rows(decoded: Decoded, *, first_line: int = 1) -> pl.DataFrame:
    """The lines ``decoded`` could not read, as unsplittable rows (``BAD_SCHEMA``).

    ``first_line`` is the file line number of the decoded bytes' first line.
    """
    lines, reasons, shown = (
        zip(*decoded.undecodable, strict=True) if decoded.undecodable else ((), (), ())
    )
    return pl.DataFrame(
        {
            LINE: [n + first_line - 1 for n in lines],
            "__field": [None] * len(lines),
            "__msg": list(reasons),
            RAW: list(shown),
        },
        schema=BAD_SCHEMA,
    )


class NotUtf8Error(Exception):
    """Polars refused the bytes as UTF-8: decode them first."""


def lines_of_bytes(data: bytes, *, first_line: int = 1) -> pl.DataFrame:
    """``(__line, text)`` of UTF-8 bytes, split by Polars (no Python decode, no loop).

    ``first_line`` numbers the lines of a piece cut from the middle of a file.
    """
    if first_line != 1:
        frame = lines_of_bytes(data)
        return frame.with_columns(pl.col(LINE) + (first_line - 1))
    if b"\x1f" in data:  # the split uses \x1f as its never-seen separator
        return physical_lines(data.decode("utf-8", errors="replace"))
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            quote_char=None,
            separator="\x1f",
            schema={"text": pl.String},
            truncate_ragged_lines=True,
            raise_if_empty=False,
            comment_prefix=None,
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise NotUtf8Error from exc
        return physical_lines(data.decode("utf-8", errors="replace"))
    frame = frame.with_row_index(LINE, offset=1).with_columns(
        pl.col(LINE).cast(pl.Int64), pl.col("text").fill_null("").str.strip_suffix("\r")
    )
    if frame.height and not data.endswith(b"\n") and frame.height < data.count(b"\n") + 1:
        return physical_lines(data.decode("utf-8", errors="replace"))
    return frame


def json_rows(data: bytes, *, first_line: int = 1) -> RawRows:
    """JSON Lines rows of UTF-8 bytes (``__raw`` = the stripped line); blank lines skipped.

    Raises NotUtf8Error when the bytes are not UTF-8.
    """
    lines = lines_of_bytes(data, first_line=first_line)
    rows = lines.filter(pl.col("text").str.strip_chars() != "").select(
        pl.col(LINE), pl.col("text").str.strip_chars().alias(RAW)
    )
    return RawRows("json", rows)


def read_any_encoding(
    data: bytes, read: Callable[[bytes], RawRows], *, name: str
) -> tuple[RawRows, str]:
    """``read`` (a UTF-8 reader) over file bytes of any supported encoding: ``(rows, encoding)``.

    UTF-8, with or without BOM, goes to ``read`` as it is; anything else is decoded
    once (``detect.decode``), and the lines that will not decode join the rows' rejects.
    """
    encoding, body = (
        ("utf-8-sig", data[3:]) if data.startswith(b"\xef\xbb\xbf") else ("utf-8", data)
    )
    try:
        return read(body), encoding
    except NotUtf8Error:
        decoded = decode(data, name=name)
        rows = read(decoded.text.encode("utf-8"))
        return rows.with_bad(undecodable_rows(decoded)), decoded.encoding


def read_json_bytes(data: bytes, *, name: str) -> tuple[RawRows, str]:
    """Read JSON Lines bytes; returns ``(rows with __raw = the line, encoding)``."""
    return read_any_encoding(data, json_rows, name=name)
