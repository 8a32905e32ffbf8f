"""The small committed sample dump, with the real-world mess an ingest must survive.

Per source a few hundred rows, split into the files an analyst really receives:
a UTF-8-with-BOM TikTok export and a plain one with an unknown extra column, a ragged
row, a stray quote, a bad timestamp and numbers written as quoted strings; a GBK
Qimen CSV (Chinese Excel export, CRLF) and a Qimen XLSX; Ozon and Taobao JSON Lines
with a truncated line, a blank line and string-typed numbers. The true label of every
data line goes to a sidecar ``truth/labels.csv`` outside the dump folder.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

from opsrca.generate import sources as src
from opsrca.generate.catalog import load_catalog
from opsrca.generate.dump import _prepare, build, source_rng

BOM = b"\xef\xbb\xbf"
FIXED_CREATED = datetime(2026, 11, 9, 8, 0, 0)  # fixed XLSX metadata: same seed, same bytes
MIN_ROWS = 60
TRUTH_COLUMNS = ("file", "line", "record_id", "is_error", "true_label", "mess")


@dataclass
class Line:
    """One physical line of a text file, with the truth of the record on it (None: no record)."""

    text: str
    label: str | None = None
    is_error: bool | None = None
    key: str = ""
    mess: str = ""


def _csv_lines(frame: pl.DataFrame, columns: tuple[str, ...] | list[str]) -> list[Line]:
    text = frame.select(columns).write_csv()
    raw = text.split("\n")[:-1]
    out = [Line(raw[0])]
    for line, label, err, key in zip(
        raw[1:], frame["_label"], frame["_is_error"], frame["_key"], strict=True
    ):
        out.append(Line(line, label, err, key))
    return out


def _jsonl_lines(frame: pl.DataFrame) -> list[Line]:
    return [
        Line(t, lb, e, k)
        for t, lb, e, k in zip(
            frame["line"], frame["_label"], frame["_is_error"], frame["_key"], strict=True
        )
    ]


def _quote_all(values: list[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="").writerow(
        ["" if v is None else v for v in values]
    )
    return buf.getvalue()


def _plain_row(values: list[object]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def _pick(
    rng: np.random.Generator, lines: list[Line], k: int, *, errors_only: bool = True
) -> list[int]:
    """Distinct data-line positions (never the header), in file order."""
    pool = [
        i
        for i, ln in enumerate(lines)
        if ln.label is not None and i > 0 and (ln.is_error or not errors_only) and not ln.mess
    ]
    if len(pool) < k:  # tiny dumps: fall back to any data line
        pool = [i for i, ln in enumerate(lines) if ln.label is not None and i > 0 and not ln.mess]
    return sorted(int(i) for i in rng.choice(pool, size=min(k, len(pool)), replace=False))


def _truth(name: str, lines: list[Line], *, first_line: int = 1) -> list[dict[str, object]]:
    return [
        {
            "file": name,
            "line": i + first_line,
            "record_id": ln.key,
            "is_error": ln.is_error,
            "true_label": ln.label or "",
            "mess": ln.mess,
        }
        for i, ln in enumerate(lines)
        if ln.label is not None
    ]


def _write_text(
    path: Path,
    lines: list[Line],
    *,
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\n",
    final_newline: bool = True,
) -> None:
    body = newline.join(ln.text for ln in lines) + (newline if final_newline else "")
    path.write_bytes((BOM if bom else b"") + body.encode(encoding))


# --------------------------------------------------------------------------- TikTok
def _tiktok(
    out: Path, frame: pl.DataFrame, rng: np.random.Generator
) -> tuple[list[Path], list[dict[str, object]]]:
    sea = frame["shop_name"].is_in(["Thai Chic Store", "Saigon Tech VN"])
    main, extra = frame.filter(~sea), frame.filter(sea)

    # Export 1: Excel-friendly UTF-8 with BOM, CRLF; a blank line and one all-quoted row.
    lines = _csv_lines(main, src.TIKTOK_COLUMNS)
    i = _pick(rng, lines, 1)[0]
    row = main.row(i - 1, named=True)
    lines[i] = Line(
        _quote_all([row[c] for c in src.TIKTOK_COLUMNS]),
        lines[i].label,
        lines[i].is_error,
        lines[i].key,
        "numbers_as_strings",
    )
    lines.insert(len(lines) // 2, Line(""))
    p1 = out / "tiktok_ops_errors_2026-11.csv"
    _write_text(p1, lines, bom=True, newline="\r\n")
    truth = _truth(p1.name, lines)

    # Export 2: another account, plain UTF-8, an extra column the spec does not know.
    remark = pl.Series(
        rng.choice(["", "", "跟进中", "已提单给TikTok", "ERP重推"], size=extra.height)
    )
    extra = extra.with_columns(seller_remark=remark)
    cols = [*src.TIKTOK_COLUMNS, "seller_remark"]
    lines = _csv_lines(extra, cols)
    ragged, quote, bad_ts, bad_ts2 = _pick(rng, lines, 4)
    fields = lines[ragged].text.split(",")
    lines[ragged].text, lines[ragged].mess = ",".join(fields[:7]), "ragged_row"
    row = extra.row(quote - 1, named=True)
    stray = f'{row["error_message"]} (size 12" screen)'
    row["error_message"] = "\x00MSG\x00"
    lines[quote].text = _plain_row([row[c] for c in cols]).replace(
        "\x00MSG\x00", stray.replace(",", ";")
    )
    lines[quote].mess = "unbalanced_quote"
    for pos, ts in ((bad_ts, "2026-11-3? 25:61"), (bad_ts2, "N/A")):
        row = extra.row(pos - 1, named=True)
        row["first_occurred_at"] = ts
        lines[pos].text, lines[pos].mess = _plain_row([row[c] for c in cols]), "bad_timestamp"
    p2 = out / "tiktok_ops_errors_export_sea.csv"
    _write_text(p2, lines)
    return [p1, p2], truth + _truth(p2.name, lines)


# --------------------------------------------------------------------------- Qimen
def _qimen(
    out: Path, frame: pl.DataFrame, rng: np.random.Generator
) -> tuple[list[Path], list[dict[str, object]]]:
    shops = load_catalog().shops["qimen"]
    in_csv = frame["店铺"].is_in(shops[:3])
    gbk, book = frame.filter(in_csv), frame.filter(~in_csv)

    # A Chinese Excel "save as CSV": GBK, CRLF, a blank line and an unreadable time.
    lines = _csv_lines(gbk, src.QIMEN_COLUMNS)
    (bad,) = _pick(rng, lines, 1)
    lines[bad].text = "昨天 10:13" + lines[bad].text[len("2026-11-02 10:13:05") :]
    lines[bad].mess = "bad_timestamp"
    lines.insert(len(lines) // 3, Line(""))
    p1 = out / "qimen_sync_log_20261102.csv"
    _write_text(p1, lines, encoding="gbk", newline="\r\n")
    truth = _truth(p1.name, lines)

    # The console's XLSX export: numbers as numbers except one, and an extra 备注 column.
    p2 = out / "qimen_sync_log_20261105.xlsx"
    cols = [*src.QIMEN_COLUMNS, "备注"]
    notes = rng.choice(["", "", "", "已人工处理", "待确认"], size=book.height)
    as_text = int(rng.integers(0, book.height)) if book.height else -1
    wb = xlsxwriter.Workbook(str(p2), {"strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": "同步日志", "author": "qimen", "created": FIXED_CREATED})
    ws = wb.add_worksheet("同步日志")
    ws.write_row(0, 0, cols)
    rows_truth: list[dict[str, object]] = []
    for r, (row, note) in enumerate(zip(book.iter_rows(named=True), notes, strict=True), start=1):
        values: list[object] = [row[c] for c in src.QIMEN_COLUMNS] + [str(note)]
        mess = ""
        if r - 1 == as_text:
            values[8] = str(values[8])
            mess = "numbers_as_strings"
        for c, v in enumerate(values):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write_number(r, c, v)
        rows_truth.append(
            {
                "file": p2.name,
                "line": r + 1,
                "record_id": "",
                "is_error": row["_is_error"],
                "true_label": row["_label"],
                "mess": mess,
            }
        )
    wb.close()
    return [p1, p2], truth + rows_truth


# --------------------------------------------------------------------------- JSON Lines
def _string_numbers(lines: list[Line], picks: list[int], key: str) -> None:
    for i in picks:
        ln = lines[i]
        head, sep, rest = ln.text.partition(f'"{key}":')
        num, comma, tail = rest.partition(",")
        ln.text, ln.mess = f'{head}{sep}"{num}"{comma}{tail}', "numbers_as_strings"


def _ozon(
    out: Path, frame: pl.DataFrame, rng: np.random.Generator
) -> tuple[list[Path], list[dict[str, object]]]:
    lines = _jsonl_lines(frame)
    trunc = _pick(rng, lines, 1)[0]
    lines[trunc].text, lines[trunc].mess = (
        lines[trunc].text[: len(lines[trunc].text) * 3 // 5],
        "truncated_json",
    )
    _string_numbers(lines, _pick(rng, lines, 3), "status")
    for i in _pick(rng, lines, 8, errors_only=False):
        lines[i].text = (
            '{"x_request_id":"'
            + f"{int(rng.integers(16**11, 16**12)):012x}"
            + '",'
            + lines[i].text[1:]
        )
        lines[i].mess = "extra_key"
    lines.insert(len(lines) * 2 // 3, Line(""))
    path = out / "ozon_api_2026-11.jsonl"
    _write_text(path, lines)
    return [path], _truth(path.name, lines)


def _taobao(
    out: Path, frame: pl.DataFrame, rng: np.random.Generator
) -> tuple[list[Path], list[dict[str, object]]]:
    lines = _jsonl_lines(frame)
    _string_numbers(lines, _pick(rng, lines, 2), "code")
    (bad,) = _pick(rng, lines, 1, errors_only=False)
    head, sep, rest = lines[bad].text.partition('"time":"')
    lines[bad].text, lines[bad].mess = head + sep + "2026-11-0? 10:13" + rest[19:], "bad_timestamp"
    lines.insert(len(lines) // 4, Line("   "))
    path = out / "taobao_distribute_2026-11.jsonl"
    _write_text(path, lines, final_newline=False)  # the writer was killed before its last newline
    return [path], _truth(path.name, lines)


def write_sample_dump(out_dir: Path, *, seed: int = 7, rows_per_source: int = 300) -> list[Path]:
    """Write the messy sample dump into ``out_dir/dump`` and its truth into ``out_dir/truth``.

    Deterministic: the same seed and size give byte-identical files. Returns every
    file written (dump files first, ``truth/labels.csv`` last).
    """
    if rows_per_source < MIN_ROWS:
        raise ValueError(
            f"rows_per_source must be >= {MIN_ROWS} to hold the mess, got {rows_per_source!r}"
        )
    out = _prepare(Path(out_dir))
    dump = _prepare(out / "dump")
    truth_dir = _prepare(out / "truth")
    catalog = load_catalog()
    written: list[Path] = []
    truth: list[dict[str, object]] = []
    for source, writer in (
        ("tiktok", _tiktok),
        ("qimen", _qimen),
        ("ozon", _ozon),
        ("taobao", _taobao),
    ):
        rng = source_rng(seed, source)
        frame = build(source, rows_per_source, rng, catalog)
        paths, rows = writer(dump, frame, rng)
        written += paths
        truth += rows
    labels = truth_dir / "labels.csv"
    empty_as_null = [
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
        for c in ("record_id", "true_label", "mess")
    ]
    pl.DataFrame(
        truth,
        schema={
            "file": pl.String,
            "line": pl.Int64,
            "record_id": pl.String,
            "is_error": pl.Boolean,
            "true_label": pl.String,
            "mess": pl.String,
        },
        orient="row",
    ).with_columns(empty_as_null).write_csv(labels)
    return [*written, labels]
