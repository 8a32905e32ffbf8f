"""The one writer of user-facing table files: CSV, XLSX, JSON and Parquet, chosen by extension.

Every file a command writes for a person (``export``, ``errors -o``, ``health -o``,
``summary.csv``, listing-check outputs) goes through :func:`write_table`, so what makes a
file safe to hand on (ids that stay text, a BOM for Excel, neutralized formulas) is done in
one place.

Long digit-only ids (19-digit event ids, 18-digit TikTok shop ids) are the trap: a
spreadsheet opening a CSV turns them into floats (``7.3012345002586E+018``) and the digits
are gone. In XLSX they are written as text cells. In CSV there is no type, so those cells
get an invisible WORD JOINER (U+2060) appended: the cell is no longer a number to Excel or
LibreOffice, it looks the same, and ``opsrca show`` strips it (``clean_id``), so an id
copied out of the spreadsheet still finds its event. The alternatives were worse: ``="…"``
is a formula (and formula-leading cells are neutralized), a leading ``'`` or tab stays
visible in the cell and in every program that reads the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from opsrca.errors import InputError
from opsrca.safety import TEXT_MARK, neutralize_frame

#: Cells a spreadsheet would damage as numbers: 12+ digits (shown in E-notation, precision lost
#: past 15) or a leading zero (dropped).
_NUMBER_LIKE = r"^(?:0\d+|\d{12,})$"
_INVISIBLE = "\u200b\u200c\u200d\ufeff" + TEXT_MARK

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)

#: File extensions write_table understands.
TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".json", ".parquet")

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit (1,048,576) minus the header row
XLSX_MAX_CHARS = 32_767  # Excel's cell limit
_WIDTH_SAMPLE = 1_000


def table_format(path: Path | str) -> str | None:
    """``csv``/``xlsx``/``json``/``parquet`` from the file name, or None for another extension."""
    suffix = Path(path).suffix.lower()
    return suffix[1:] if suffix in TABLE_SUFFIXES else None


def clean_id(text: str) -> str:
    """An id as typed or pasted from a spreadsheet: spaces, invisible marks, a leading ``'``
    and an ``="…"`` wrapper removed."""
    value = text.strip().strip(_INVISIBLE).strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    return value.removeprefix("'").strip(_INVISIBLE)


def mark_number_like(frame: Frame) -> Frame:
    """Text cells a spreadsheet would read as numbers get :data:`TEXT_MARK` appended."""
    names = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    texts = [c for c, t in names.items() if t == pl.String]
    if not texts:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_NUMBER_LIKE))
        .then(pl.col(c) + TEXT_MARK)
        .otherwise(pl.col(c))
        .alias(c)
        for c in texts
    )


def write_table(
    frame: Frame,
    path: Path | str,
    *,
    fmt: str | None = None,
    sheet: str = "data",
    progress: bool = False,
) -> int | None:
    """Write ``frame`` to ``path`` whole; the format follows the extension (``fmt`` when it has
    none we know). Returns the number of rows written (None for a LazyFrame sunk to CSV or
    Parquet: it is streamed, never held whole).

    CSV: UTF-8 with BOM, number-like ids kept text. XLSX: text cells for every text column,
    a frozen bold header with a filter, column widths from the content, written row by row
    (constant memory; ``progress`` shows a bar when that takes more than a couple of
    seconds). JSON: one array of objects. Parquet: typed columns.
    """
    target = Path(path)
    kind = table_format(target) or fmt
    if kind not in ("csv", "xlsx", "json", "parquet"):
        raise InputError(
            f"cannot tell the file format of {str(target)!r}; "
            f"end the name in {', '.join(TABLE_SUFFIXES)}"
        )
    if target.exists() and target.is_dir():
        raise InputError(f"{str(target)!r} is a folder; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(frame, pl.LazyFrame):
        if kind == "csv":
            mark_number_like(neutralize_frame(frame)).sink_csv(target, include_bom=True)
            return None
        if kind == "parquet":
            frame.sink_parquet(target)
            return None
        frame = frame.collect()
    if kind == "csv":
        mark_number_like(neutralize_frame(frame)).write_csv(target, include_bom=True)
    elif kind == "xlsx":
        write_xlsx(frame, target, sheet=sheet, progress=progress)
    elif kind == "json":
        target.write_text(frame.write_json() + "\n", encoding="utf-8")
    else:
        frame.write_parquet(target)
    return frame.height


def _width(value: Any) -> int:
    """Display width in Excel character units (CJK counts double)."""
    text = str(value)
    return len(text) + sum(1 for ch in text if ord(ch) >= 0x2E80)


#: Rows of an XLSX write worth a progress bar (xlsxwriter writes about 12,000 rows of a
#: 14-column errors export per second: benchmarks/bench_exports.py).
XLSX_PROGRESS_ROWS = 25_000
_XLSX_STEP = 5_000


def write_xlsx(
    frame: pl.DataFrame, path: Path, *, sheet: str = "data", progress: bool = False
) -> None:
    """One sheet, streamed (xlsxwriter ``constant_memory``): ids and codes are text cells."""
    import xlsxwriter  # only needed for this format

    from opsrca.progress import progress_bar

    if frame.height > XLSX_MAX_ROWS:
        raise InputError(
            f"{frame.height:,} rows do not fit in one Excel sheet (at most {XLSX_MAX_ROWS:,}); "
            "write .csv or .parquet, or narrow with filters / --limit"
        )
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    if texts:  # Excel's cell limit; longer payloads are cut rather than refused
        frame = frame.with_columns(pl.col(texts).str.slice(0, XLSX_MAX_CHARS))
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,  # a message starting with '=' stays text
            "strings_to_urls": False,
            "nan_inf_to_errors": False,
        },
    )
    try:
        ws = book.add_worksheet(sheet[:31])
        head = book.add_format({"bold": True, "bg_color": "#EEEEEE", "bottom": 1})
        text_fmt = book.add_format({"num_format": "@"})
        time_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        day_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
        sample = frame.head(_WIDTH_SAMPLE)
        writers: list[Callable[[int, int, Any], Any]] = []
        for i, (name, dtype) in enumerate(frame.schema.items()):
            widths = [_width(name) + 2, *(_width(v) for v in sample[name].drop_nulls().to_list())]
            width = min(max(max(widths) + 1, 8), 60)
            if dtype == pl.String:
                ws.set_column(i, i, width, text_fmt)
                writers.append(ws.write_string)
            elif dtype.is_numeric():
                ws.set_column(i, i, width)
                writers.append(_number_writer(ws))
            elif dtype == pl.Boolean:
                ws.set_column(i, i, width)
                writers.append(ws.write_boolean)
            elif isinstance(dtype, pl.Datetime):
                ws.set_column(i, i, max(width, 19))
                writers.append(lambda r, c, v: ws.write_datetime(r, c, v, time_fmt))
            elif dtype == pl.Date:
                ws.set_column(i, i, max(width, 10))
                writers.append(lambda r, c, v: ws.write_datetime(r, c, v, day_fmt))
            else:  # lists, structs, durations: their text
                ws.set_column(i, i, width, text_fmt)
                writers.append(lambda r, c, v: ws.write_string(r, c, _as_text(v)))
            ws.write_string(0, i, name, head)
        ws.freeze_panes(1, 0)
        if frame.width:
            ws.autofilter(0, 0, max(frame.height, 1), frame.width - 1)
        show = progress and frame.height >= XLSX_PROGRESS_ROWS
        with progress_bar(show, frame.height, f"write {path.name}") as advance:
            for r, row in enumerate(frame.iter_rows(), start=1):
                for c, value in enumerate(row):
                    if value is not None:
                        writers[c](r, c, value)
                if r % _XLSX_STEP == 0:
                    advance(_XLSX_STEP)
    finally:
        book.close()


def _number_writer(ws: Any) -> Callable[[int, int, Any], Any]:
    def write(r: int, c: int, v: float) -> None:
        if not (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
            ws.write_number(r, c, v)

    return write


def _as_text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)
