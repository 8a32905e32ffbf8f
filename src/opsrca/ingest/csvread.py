"""CSV reader: a fast path straight into Polars, and a record scan for messy files.

Fast path: UTF-8 bytes go to ``polars.read_csv`` with every column as String;
it is taken when Polars yields exactly one row per physical line (no quoted
newline, no runaway quote) and no row has too many fields. Rows whose last
column is empty are re-counted against their physical line to catch rows with
too few fields. Line numbers are then row index + 2.

Record scan (anything else): the text is cut into physical lines; a record is
a run of lines whose running count of structural quotes is odd until it closes
(quoted newlines); field counts come from one regex over the records. Only
well-formed records reach a CSV parser, so a ragged row or an unbalanced quote
becomes a reject instead of corrupting the rest of the file.
"""

from __future__ import annotations

import csv
import io
import re
from functools import partial

import polars as pl

from opsrca.ingest.detect import FIELD_MAX, sniff_separator, split_header
from opsrca.ingest.readers import (
    BAD_SCHEMA,
    LINE,
    RAW,
    LineIndex,
    NotUtf8Error,
    RawRows,
    lines_of_bytes,
    physical_lines,
    read_any_encoding,
)

_MAX_QUOTE_PASSES = 50


def _bad(frame: pl.DataFrame, msg: pl.Expr) -> pl.DataFrame:
    # rechunked: pl.format over a filtered multi-chunk frame panics (see ingest.normalize)
    return frame.rechunk().select(
        pl.col(LINE),
        pl.lit(None, dtype=pl.String).alias("__field"),
        msg.alias("__msg"),
        pl.col(RAW),
    )


def _group_records(body: pl.DataFrame, sep: str, ncols: int) -> pl.DataFrame:
    """Records ``(__line, __last, __raw, __quotes, __forced)`` from physical lines.

    A line with a stray quote would swallow the following lines into one
    record; a multi-line record that is not well-formed CSV (or never closes)
    has its first line cut out as a standalone bad line and the rest is
    regrouped. Each pass is
    vectorized; passes stop when no such record is left.
    """
    quotes = body["text"].str.count_matches('"', literal=True)
    stray = pl.Series("__stray_n", [0] * body.height, dtype=quotes.dtype)
    odd = (quotes % 2 == 1).arg_true()  # a single stray quote makes its line odd
    if odd.len():
        stray = stray.scatter(odd, body["text"].gather(odd).str.count_matches(_stray_quote(sep)))
    frame = body.with_columns(
        (quotes - stray).alias("__q"), (stray > 0).alias("__stray"), pl.lit(False).alias("__forced")
    )
    records = pl.DataFrame()
    for _ in range(_MAX_QUOTE_PASSES):
        qq = pl.when(pl.col("__forced")).then(0).otherwise(pl.col("__q"))
        frame = frame.with_columns(
            (((qq.cum_sum() - qq) % 2 == 0) | pl.col("__forced")).alias("__start")
        )
        if frame["__start"].all():
            return frame.select(
                pl.col(LINE),
                pl.col(LINE).alias("__last"),
                pl.col("text").alias(RAW),
                pl.col("__q").alias("__quotes"),
                pl.col("__forced"),
                pl.col("__stray"),
            )
        records = (
            frame.with_columns(pl.col("__start").cum_sum().alias("__rec"))
            .group_by("__rec", maintain_order=True)
            .agg(
                pl.col(LINE).first(),
                pl.col(LINE).last().alias("__last"),
                pl.col("text").str.join("\n").alias(RAW),
                pl.col("__q").sum().alias("__quotes"),
                pl.col("__forced").first(),
                pl.col("__stray").any(),
            )
            .drop("__rec")
        )
        cut = records.filter(
            (pl.col("__last") > pl.col(LINE))
            & ~pl.col("__forced")
            & ((pl.col("__quotes") % 2 == 1) | ~pl.col(RAW).str.contains(_well_formed(sep)))
        )
        if cut.height == 0:
            break
        frame = frame.with_columns(pl.col("__forced") | pl.col(LINE).is_in(cut[LINE].implode()))
    return records


def _well_formed(sep: str) -> str:
    """Regex of a syntactically valid CSV record: quotes only around whole fields.

    A genuine multi-line record (a quoted field with newlines) matches; text
    swallowed by a stray quote almost never does, so only the latter is cut.
    """
    s = re.escape(sep)
    field_re = f'(?:"(?:[^"]|"")*"|[^"{s}\\n]*)'
    return f"^{field_re}(?:{s}{field_re})*$"


def _stray_quote(sep: str) -> str:
    """A quote inside an unquoted field (``12" screen``): literal text, as Excel and csv read it."""
    s = re.escape(sep)
    return f'[^{s}"]"[^{s}"]'


def _field_count(expr: pl.Expr, sep: str) -> pl.Expr:
    """Number of fields of a CSV record: separators outside quoted sections, plus one."""
    s = re.escape(sep)
    structural = expr.str.replace_all(f'([^{s}"])"([^{s}"])', "${1}${2}")
    return structural.str.replace_all(r'"[^"]*"', "").str.count_matches(sep, literal=True) + 1


def read_csv_text(text: str, *, name: str) -> RawRows:
    """Split CSV text into rows (see module doc)."""
    return read_csv_lines(physical_lines(text), name=name)


def read_csv_lines(lines: pl.DataFrame, *, name: str) -> RawRows:
    """Rows of a CSV file given as physical lines ``(__line, text)``."""
    nonblank = lines.filter(pl.col("text").str.strip_chars() != "")
    if nonblank.height == 0:
        return RawRows("table", pl.DataFrame(schema={LINE: pl.Int64, RAW: pl.String}))
    header_line = int(nonblank[LINE][0])
    header_text = str(nonblank["text"][0])
    sep = sniff_separator(header_text)
    header = split_header(header_text, sep)
    body = lines.filter(pl.col(LINE) > header_line)
    return _body_rows(body, header, sep)[0]


def _body_rows(body: pl.DataFrame, header: list[str], sep: str) -> tuple[RawRows, int]:
    """Rows of the physical lines after the header; also how many records never closed."""
    ncols = len(header)
    empty_rows = pl.DataFrame(
        schema={LINE: pl.Int64, RAW: pl.String, **dict.fromkeys(header, pl.String)}
    )
    if body.height == 0:
        return RawRows("table", empty_rows, header=header), 0
    records = _group_records(body, sep, ncols)
    # blank lines between records are not rows (documented): drop single-line blanks
    records = records.filter(
        ~((pl.col("__last") == pl.col(LINE)) & (pl.col(RAW).str.strip_chars() == ""))
    )
    unbalanced = (pl.col("__quotes") % 2 == 1) | pl.col("__forced")
    open_records = records.filter(unbalanced)
    bad_parts = [
        _bad(
            open_records,
            pl.lit(
                'unbalanced quote (") — the quoted field never closes; fix the quoting of this line'
            ),
        )
    ]
    rest = records.filter(~unbalanced)
    parts: list[pl.DataFrame] = []
    strict, lenient = rest.filter(~pl.col("__stray")), rest.filter(pl.col("__stray"))
    if strict.height:
        parsed, ragged = _parse_strict(strict, header, sep)
        parts.append(parsed)
        bad_parts.append(ragged)
    if lenient.height:
        parsed, ragged = _parse_lenient(lenient, header, sep)
        parts.append(parsed)
        bad_parts.append(ragged)
    bad = pl.concat(bad_parts).sort(LINE)
    rows = pl.concat(parts).sort(LINE) if parts else empty_rows
    return RawRows("table", rows, bad=bad, header=header), open_records.height


def scan_csv_rows(data: bytes, header: list[str], sep: str, *, first_line: int) -> RawRows | None:
    """Rows of one piece of UTF-8 CSV by the record scan (a quoted newline, a stray quote).

    The piece is cut at a line end, so this reads only the piece, never the whole
    file. None when a record does not close inside the piece (it may go on in the
    next one, or never close): then the whole-file reader must decide.
    """
    rows, unclosed = _body_rows(lines_of_bytes(data, first_line=first_line), header, sep)
    return None if unclosed else rows


def _ragged(records: pl.DataFrame, ncols: int) -> pl.DataFrame:
    return _bad(
        records,
        pl.format(
            "ragged row: expected {} fields like the header, found {}", pl.lit(ncols), pl.col("__n")
        ),
    )


def _polars_parse(records: pl.DataFrame, header: list[str], sep: str) -> pl.DataFrame | None:
    """Polars over the joined records; None when it refuses or splits them differently."""
    blob = records[RAW].str.join("\n").item().encode("utf-8")
    try:
        parsed = pl.read_csv(
            io.BytesIO(blob),
            has_header=False,
            new_columns=header,
            schema=dict.fromkeys(header, pl.String),
            separator=sep,
            quote_char='"',
            comment_prefix=None,
            raise_if_empty=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if parsed.height != records.height:
        return None
    return parsed.with_columns(records[LINE].alias(LINE), records[RAW].alias(RAW))


def _parse_strict(
    records: pl.DataFrame, header: list[str], sep: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse records without stray quotes; returns ``(rows, ragged rejects)``.

    Polars goes first: a row with too many fields makes it refuse (then every
    record's fields are counted), a row with too few leaves the last column
    empty (then only those records are counted).
    """
    ncols = len(header)
    parsed = _polars_parse(records, header, sep)
    if parsed is not None:
        # an empty last column may hide too few fields; a record ending in the separator
        # one too many (Polars drops a trailing empty field at the end of its input)
        maybe = pl.col(header[-1]).is_null() | pl.col(RAW).str.strip_suffix("\r").str.ends_with(sep)
        short = parsed.filter(maybe).select(LINE, RAW)
        counted = short.with_columns(_field_count(pl.col(RAW), sep).alias("__n"))
        ragged = counted.filter(pl.col("__n") != ncols)
        if ragged.height:
            parsed = parsed.filter(~pl.col(LINE).is_in(ragged[LINE].implode()))
        return parsed, _ragged(ragged, ncols)
    counted = records.select(LINE, RAW).with_columns(_field_count(pl.col(RAW), sep).alias("__n"))
    ragged = counted.filter(pl.col("__n") != ncols)
    good = counted.filter(pl.col("__n") == ncols).select(LINE, RAW)
    if good.height == 0:
        return _parse_lenient(good, header, sep)[0], _ragged(ragged, ncols)
    parsed = _polars_parse(good, header, sep)
    if parsed is None:  # Polars still refuses: read these records one by one
        parsed, more = _parse_lenient(good, header, sep)
        return parsed, pl.concat([_ragged(ragged, ncols), more])
    return parsed, _ragged(ragged, ncols)


def _parse_lenient(
    records: pl.DataFrame, header: list[str], sep: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Python's csv per record, as Excel reads stray quotes; returns ``(rows, ragged rejects)``.

    Only records Polars cannot take go here (usually a handful). Empty cells stay
    ``""``: normalize's ``blank_to_null`` decides what is missing, for every reader.
    """
    ncols = len(header)
    rows: list[list[str]] = []
    refused: list[int] = []  # records the csv module refuses (a field over FIELD_MAX)
    for i, r in enumerate(records[RAW].to_list()):
        try:
            rows.append(next(csv.reader(io.StringIO(r), delimiter=sep), []))
        except csv.Error:
            rows.append([])
            refused.append(i)
    n = pl.Series("__n", [len(r) for r in rows], dtype=pl.Int64)
    ok = n == ncols
    frame = pl.DataFrame(
        [[r[i] if len(r) == ncols else None for r in rows] for i in range(ncols)],
        schema=dict.fromkeys(header, pl.String),
        orient="col",
    ).with_columns(records[LINE].alias(LINE), records[RAW].alias(RAW))
    ragged = records.select(LINE, RAW).with_columns(n)
    too_big = (
        pl.Series("__refused", [False] * len(rows)).scatter(refused, True) if refused else None
    )
    if too_big is not None:
        big = ragged.filter(too_big)
        ragged = ragged.filter(~too_big & ~ok)
        limit = (
            f"a field is larger than {FIELD_MAX >> 20} MiB or not valid CSV; split or fix this row"
        )
        return frame.filter(ok), pl.concat([_ragged(ragged, ncols), _bad(big, pl.lit(limit))])
    return frame.filter(ok), _ragged(ragged.filter(~ok), ncols)


def csv_header(data: bytes) -> tuple[list[str], str] | None:
    """``(column names, separator)`` from the first line of UTF-8 bytes; None when it is blank.

    Raises NotUtf8Error when the line is not UTF-8.
    """
    end = data.find(b"\n")
    first = data[: end if end >= 0 else len(data)]
    try:
        header_text = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError as exc:
        raise NotUtf8Error from exc
    if not header_text.strip():
        return None
    sep = sniff_separator(header_text)
    return split_header(header_text, sep), sep


def _fast_csv(data: bytes) -> RawRows | None:
    """Parse clean UTF-8 CSV straight from bytes; None when the file needs the record scan."""
    found = csv_header(data)
    if found is None:
        return None
    header, sep = found
    return fast_csv_rows(data, header, sep, first_line=1, skip_lines=1)


def fast_csv_rows(
    data: bytes, header: list[str], sep: str, *, first_line: int, skip_lines: int = 0
) -> RawRows | None:
    """Rows of clean UTF-8 CSV bytes (a whole file or a piece cut at a line end).

    ``first_line`` is the file line number of the first line of ``data``;
    ``skip_lines`` lines at its top are not rows (the header). None when the
    bytes need the record scan. Clean means: Polars yields exactly one row per
    physical line (so no quoted newline or runaway quote), and no row has too
    many fields (Polars raises). Rows with an empty last column are re-counted
    against their physical line to catch rows with too few fields.
    """
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            skip_lines=skip_lines,
            schema=dict.fromkeys(header, pl.String),
            separator=sep,
            quote_char='"',
            comment_prefix=None,
            raise_if_empty=False,
            truncate_ragged_lines=False,
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise NotUtf8Error from exc
        return None
    except pl.exceptions.PolarsError:
        return None
    # newline offsets by numpy (releases the GIL; bytes.count and `in` scans held it for a
    # quarter of the parse threads' time at 1M rows)
    index = LineIndex(data, first_line=first_line)
    n_lines = index.newlines() + (0 if data.endswith(b"\n") else 1) - skip_lines
    if frame.height != n_lines:
        return None
    frame = frame.with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + (first_line + skip_lines)).alias(LINE)
    )
    bad = pl.DataFrame(schema=BAD_SCHEMA)
    # rows to count fields of: an empty last column may hide too few fields, and a line
    # ending in the separator may hide one too many (Polars drops a trailing empty field)
    check = pl.col(header[-1]).is_null()
    trailing = index.ending_with(sep.encode()[0])
    if trailing.len():
        check = check | pl.col(LINE).is_in(trailing.implode())
    short = frame.filter(check).select(LINE)
    if short.height:
        ncols = len(header)
        counted = short.with_columns(index.text_of(short[LINE]).alias("text")).with_columns(
            _field_count(pl.col("text"), sep).alias("__n"),
            (pl.col("text").str.strip_chars() == "").alias("__blank"),
        )
        blank = counted.filter(pl.col("__blank"))[LINE]
        ragged = counted.filter(~pl.col("__blank") & (pl.col("__n") != ncols))
        bad = ragged.rechunk().select(  # pl.format over a filtered frame: see _bad
            pl.col(LINE),
            pl.lit(None, dtype=pl.String).alias("__field"),
            pl.format(
                "ragged row: expected {} fields like the header, found {}",
                pl.lit(ncols),
                pl.col("__n"),
            ).alias("__msg"),
            pl.col("text").alias(RAW),
        )
        drop = pl.concat([blank, ragged[LINE]])
        if drop.len():
            frame = frame.filter(~pl.col(LINE).is_in(drop.implode()))
    return RawRows("table", frame, bad=bad, header=header, index=index)


def read_csv_bytes(data: bytes, *, name: str) -> tuple[RawRows, str]:
    """Read CSV bytes of any supported encoding; returns ``(rows, encoding)``.

    UTF-8 (with or without BOM) goes straight to Polars; anything else is
    decoded once (``readers.read_any_encoding``) and re-encoded.
    """
    return read_any_encoding(data, partial(_read_utf8, name=name), name=name)


def _read_utf8(body: bytes, *, name: str) -> RawRows:
    """Rows of UTF-8 CSV bytes: the fast path, else the record scan. Raises NotUtf8Error."""
    fast = _fast_csv(body)
    if fast is not None:
        return fast
    return read_csv_lines(lines_of_bytes(body), name=name)
