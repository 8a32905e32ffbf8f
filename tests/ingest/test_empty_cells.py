"""Empty is null: an empty or whitespace-only cell, quoted or not, is a missing value.

Exporters write a missing value as nothing, as ``""`` (Polars, pandas) or as
spaces; all of them must load as an event with a null field, exactly like an
unquoted empty cell. Only a present value that does not parse is a reject, and
``occurred_at`` (the one field every row needs) stays a reject when empty.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from workbooks import QIMEN_HEADER, write_xlsx

from opsrca import schema
from opsrca.ingest import ingest_paths, read_file
from opsrca.ingest.normalize import CONTENT_ID, FileContext
from opsrca.ingest.stream import open_stream

#: raw CSV field text of a missing value: quoted empty, quoted and bare spaces, tab, 全角空格
CSV_BLANKS: tuple[str, ...] = ('""', '"  "', "  ", " \t ", "\u3000")
#: the same compared against: an unquoted empty cell, which Polars reads as null
NOTHING = ""
#: event columns compared between a blank cell and an unquoted empty one
SAME = [c for c in schema.columns(schema.EVENTS) if c not in ("event_id", "source_file")]

TIKTOK = {
    "error_id": "E{n}",
    "shop_id": "7495000001",
    "shop_name": "Lumi Home",
    "region_code": "GB",
    "api_endpoint": "/product/202309/products",
    "http_status": "400",
    "error_code": "12052048",
    "sub_code": "category",
    "error_message": "类目不存在",
    "first_occurred_at": "2026-11-02T02:13:05Z",
    "retry_count": "3",
    "x_ratelimit_remaining": "120",
    "request_payload": '"{""category_id"":""600001""}"',
    "response_payload": '"{""code"":12052048}"',
}
TIKTOK_OPTIONAL = [c for c in TIKTOK if c != "first_occurred_at"]
QIMEN = dict(
    zip(
        [*QIMEN_HEADER, "重试次数"],
        ["2026-11-02 10:13:05", "taobao.qimen.singleitem.synchronize", "杭州云仓旗舰店",
         "HZ2611293711", "YW003", "失败", "isv.invalid-parameter", "仓库代码OTHER不存在", "2"],
        strict=True,
    )
)  # fmt: skip
QIMEN_OPTIONAL = [c for c in QIMEN if c != "同步时间"]


def _csv(row: dict[str, str], n: int, **cells: str) -> str:
    """One CSV line of ``row`` with some cells replaced by raw field text."""
    return ",".join(cells.get(c, v).replace("{n}", str(n)) for c, v in row.items())


def _blank_file(
    row: dict[str, str], optional: list[str], blanks: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """``(lines with blank cells, the same lines with unquoted empty cells)`` plus a clean row.

    Line 2 is the clean row; then every optional column once per blank form.
    """
    got, ref = [_csv(row, 0)], [_csv(row, 0)]
    for col in optional:
        for blank in blanks:
            n = len(got)
            got.append(_csv(row, n, **{col: blank}))
            ref.append(_csv(row, n, **{col: NOTHING}))
    return got, ref


def _blank_lines(optional: list[str], col: str, n_blanks: int) -> tuple[int, int]:
    """First and last file line of the rows of ``_blank_file`` where ``col`` is blank."""
    first = 3 + n_blanks * optional.index(col)
    return first, first + n_blanks - 1


def _write(path: Path, header: list[str], lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\n".join([",".join(header), *lines]) + "\n").encode(encoding))
    return path


def _same_events(got: pl.DataFrame, ref: pl.DataFrame) -> None:
    """A blank cell loads exactly as an unquoted empty cell does (today's null)."""
    assert got.select(SAME).equals(ref.select(SAME))
    assert got["event_id"].str.strip_chars().str.len_chars().min() > 0  # never a blank id
    assert got["event_id"].n_unique() == got.height


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_tiktok_blank_cells_are_nulls(tmp_path: Path, encoding: str) -> None:
    lines, ref_lines = _blank_file(TIKTOK, TIKTOK_OPTIONAL, CSV_BLANKS)
    n = len(lines)
    bad = [
        _csv(TIKTOK, n, x_ratelimit_remaining='"abc"'),  # present and not a number: a reject
        _csv(TIKTOK, n + 1, first_occurred_at='""'),  # the one field every row needs
    ]
    path = _write(tmp_path / "tiktok_blanks.csv", list(TIKTOK), lines + bad, encoding)
    ref = _write(tmp_path / "tiktok_ref.csv", list(TIKTOK), ref_lines, encoding)
    events, rejects = read_file(path)
    ref_events, ref_rejects = read_file(ref)
    assert ref_rejects.height == 0
    assert events.height + rejects.height == n + 2 and events.height == n
    _same_events(events, ref_events)
    assert rejects["source_line"].to_list() == [n + 2, n + 3]
    assert rejects["field"].to_list() == ["x_ratelimit_remaining", "first_occurred_at"]
    assert rejects["reason"].to_list() == [
        f"tiktok_blanks.csv line {n + 2}: field 'x_ratelimit_remaining': "
        "cannot parse 'abc' as a whole number",
        f"tiktok_blanks.csv line {n + 3}: field 'first_occurred_at': "
        "empty; every row needs a timestamp",
    ]
    # what the export lost: a quoted empty rate limit is a null, not a reject
    rate = events.filter(
        pl.col("source_line").is_between(
            *_blank_lines(TIKTOK_OPTIONAL, "x_ratelimit_remaining", len(CSV_BLANKS))
        )
    )
    assert rate["rate_limit_remaining"].is_null().all() and (rate["http_status"] == 400).all()
    blank_ids = events.filter(
        pl.col("source_line").is_between(
            *_blank_lines(TIKTOK_OPTIONAL, "error_id", len(CSV_BLANKS))
        )
    )
    # no source id: a content id, one per row even where rows are identical
    assert blank_ids["event_id"].str.contains(CONTENT_ID).all()
    assert blank_ids["event_id"].n_unique() == blank_ids.height
    assert events.filter(pl.col("http_status").is_null()).height == len(CSV_BLANKS)
    assert events.filter(pl.col("region").is_null()).height == len(CSV_BLANKS)


def test_tiktok_blank_cells_in_a_streamed_file(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """The piecewise reader (big files) gives the same events as the whole-file reader.

    Every 20th row has every optional cell quoted empty; rows without an error id
    get one of their own (file hash and line), so none is taken for a repeat.
    """
    patterns: list[dict[str, str]] = [{}, dict.fromkeys(TIKTOK_OPTIONAL, '""')]
    patterns += [{col: blank} for col in TIKTOK_OPTIONAL for blank in CSV_BLANKS]
    lines = [_csv(TIKTOK, i, **patterns[i % len(patterns)]) for i in range(600)]
    lines.append(_csv(TIKTOK, len(lines), retry_count="abc"))
    path = _write(tmp_path / "tiktok_blanks_big.csv", list(TIKTOK), lines, "utf-8-sig")
    piece = 4096
    assert path.stat().st_size > 10 * piece
    ctx = FileContext(path.name, str(path), "0" * 64, "Asia/Shanghai", False)
    stream = open_stream(path, ctx=ctx, fmt=None, mappings=None, piece_bytes=piece)
    chunks = [task() for task, _ in stream.tasks]  # NotStreamable here would fail the test
    assert len(chunks) > 10
    streamed = pl.concat([c.events for c in chunks])
    assert sum(c.rows_in for c in chunks) == len(lines) == streamed.height + 1
    whole, whole_rejects = read_file(path)
    assert streamed.select(SAME).equals(whole.select(SAME))
    report = ingest_paths([path], con, piece_bytes=piece)
    assert (report.rows_in, report.events, report.rejects) == (len(lines), len(lines) - 1, 1)
    assert con.sql("SELECT reason FROM rejects").fetchall() == [(whole_rejects["reason"][0],)]
    assert whole_rejects["reason"].to_list() == [
        f"tiktok_blanks_big.csv line {len(lines) + 1}: field 'retry_count': "
        "cannot parse 'abc' as a whole number"
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_qimen_csv_blank_cells_are_nulls(tmp_path: Path, encoding: str) -> None:
    lines, ref_lines = _blank_file(QIMEN, QIMEN_OPTIONAL, CSV_BLANKS)
    n = len(lines)
    lines.append(_csv(QIMEN, n, 重试次数="abc"))
    path = _write(tmp_path / "qimen_blanks.csv", list(QIMEN), lines, encoding)
    ref = _write(tmp_path / "qimen_ref.csv", list(QIMEN), ref_lines, encoding)
    events, rejects = read_file(path)
    ref_events, ref_rejects = read_file(ref)
    assert ref_rejects.height == 0 and events.height == n == ref_events.height
    _same_events(events, ref_events)
    assert rejects["reason"].to_list() == [
        f"qimen_blanks.csv line {n + 2}: field '重试次数': cannot parse 'abc' as a whole number"
    ]
    # a blank status is unknown, not bad: the error code decides
    status_rows = events.filter(
        pl.col("source_line").is_between(*_blank_lines(QIMEN_OPTIONAL, "同步状态", len(CSV_BLANKS)))
    )
    assert status_rows.height == len(CSV_BLANKS) and status_rows["is_error"].all()


def test_qimen_xlsx_blank_cells_are_nulls(tmp_path: Path) -> None:
    """Excel has no quoted empty; a string cell of spaces (or "") is the same missing value."""
    blanks = ("", "  ", " \t ", "\u3000")
    rows = [list(QIMEN.values())]
    for col in QIMEN_OPTIONAL:
        for blank in blanks:
            rows.append([blank if c == col else v for c, v in QIMEN.items()])
    rows.append([("abc" if c == "重试次数" else v) for c, v in QIMEN.items()])
    rows.append([("  " if c == "同步时间" else v) for c, v in QIMEN.items()])
    path = write_xlsx(tmp_path / "qimen_blanks.xlsx", {"同步日志": [list(QIMEN), *rows]})
    events, rejects = read_file(path)
    assert events.height + rejects.height == len(rows)
    assert events.height == len(rows) - 2
    assert rejects["field"].to_list() == ["重试次数", "同步时间"]
    assert rejects["reason"][0].endswith("field '重试次数': cannot parse 'abc' as a whole number")
    assert rejects["reason"][1].endswith("field '同步时间': empty; every row needs a timestamp")
    fields = {"店铺": "shop_id", "商品编码": "item_code", "仓库编码": "warehouse_code",
              "错误码": "error_code", "错误信息": "message", "重试次数": "retry_count",
              "接口名称": "api_endpoint"}  # fmt: skip
    for col, field in fields.items():
        lines = _blank_lines(QIMEN_OPTIONAL, col, len(blanks))
        nulls = events.filter(pl.col("source_line").is_between(*lines))
        assert nulls.height == len(blanks) and nulls[field].is_null().all(), col


OZON = {
    "ts": "2026-11-02T02:13:05Z",
    "client_id": "204371",
    "method": "POST",
    "path": "/v3/product/import",
    "status": 403,
    "token_type": "bearer",
    "headers": {"X-RateLimit-Remaining": "0"},
    "response": {"code": 7, "message": "Insufficient scope", "details": [{"v": "x"}]},
}
OZON_OPTIONAL = [
    ("client_id",), ("method",), ("path",), ("status",), ("token_type",),
    ("headers", "X-RateLimit-Remaining"), ("response", "code"), ("response", "message"),
    ("response", "details"),
]  # fmt: skip
TAOBAO = {
    "time": "2026-11-02 10:13:05",
    "tb_seller_nick": "kingdo",
    "api": "alibaba.item.publish.distribute.submit",
    "response": {
        "code": 491,
        "message": "需要人脸核验",
        "sub_code": "isv.face",
        "trace_id": "0b8f",
    },
}
TAOBAO_OPTIONAL = [
    ("tb_seller_nick",), ("api",), ("response", "code"), ("response", "message"),
    ("response", "sub_code"), ("response", "trace_id"),
]  # fmt: skip
JSON_BLANKS: tuple[object, ...] = ("", "  ", " \t ", None)
_DROP = object()  # the key left out: the reference for a missing value


def _record(base: dict[str, object], path: tuple[str, ...], value: object) -> str:
    rec = copy.deepcopy(base)
    *parents, key = path
    target = rec
    for p in parents:
        target = target[p]  # type: ignore[assignment]
    if value is _DROP:
        del target[key]  # type: ignore[attr-defined]
    else:
        target[key] = value  # type: ignore[index]
    return json.dumps(rec, ensure_ascii=False)


@pytest.mark.parametrize(
    ("name", "base", "optional"),
    [
        ("ozon_api_blanks.jsonl", OZON, OZON_OPTIONAL),
        ("taobao_distribute_blanks.jsonl", TAOBAO, TAOBAO_OPTIONAL),
    ],
)
def test_json_lines_blank_values_are_nulls(
    tmp_path: Path, name: str, base: dict[str, object], optional: list[tuple[str, ...]]
) -> None:
    got = [json.dumps(base, ensure_ascii=False)]
    ref = list(got)
    for path in optional:
        for blank in JSON_BLANKS:
            got.append(_record(base, path, blank))
            ref.append(_record(base, path, _DROP))
    n = len(got)
    ts_key = next(iter(base))
    got.append(_record(base, (ts_key,), "  "))  # the one field every row needs
    (tmp_path / name).write_text("\n".join(got) + "\n", encoding="utf-8")
    (tmp_path / f"ref_{name}").write_text("\n".join(ref) + "\n", encoding="utf-8")
    events, rejects = read_file(tmp_path / name)
    ref_events, _ = read_file(tmp_path / f"ref_{name}")
    assert events.height == n and rejects.height == 1
    same = [c for c in SAME if c != "payload"]  # the payload is the line itself
    assert events.select(same).equals(ref_events.select(same))
    assert rejects["reason"][0] == (
        f"{name} line {n + 1}: field '{ts_key}': empty; every row needs a timestamp"
    )


def test_ozon_present_bad_status_is_still_a_reject(tmp_path: Path) -> None:
    path = tmp_path / "ozon_api_bad.jsonl"
    lines = [_record(OZON, ("status",), ""), _record(OZON, ("status",), "abc")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events, rejects = read_file(path)
    assert events["http_status"].to_list() == [None]
    assert events["is_error"].to_list() == [True]  # response code 7 still says so
    assert rejects["reason"].to_list() == [
        "ozon_api_bad.jsonl line 2: field 'status': cannot parse 'abc' as a whole number"
    ]


def test_blank_json_value_falls_through_to_the_next_alias(tmp_path: Path) -> None:
    path = tmp_path / "taobao_alias.jsonl"
    rec = copy.deepcopy(TAOBAO)
    rec["response"] = {"code": 15, "message": "  ", "msg": "宝贝来源不能是淘宝", "trace_id": ""}
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    events, rejects = read_file(path)
    assert rejects.height == 0
    assert events["message"].to_list() == ["宝贝来源不能是淘宝"]


def test_blank_cells_in_a_row_with_a_stray_quote(tmp_path: Path) -> None:
    """Rows the record scan reads one by one (a literal ``"`` in a field) follow the same rule."""
    line = _csv(TIKTOK, 1, error_message='bad size 12" screen', retry_count='""', http_status="  ")
    path = _write(tmp_path / "tiktok_inch.csv", list(TIKTOK), [_csv(TIKTOK, 0), line], "utf-8")
    events, rejects = read_file(path)
    assert rejects.height == 0
    assert events["message"].to_list() == ["类目不存在", 'bad size 12" screen']
    assert events["retry_count"].to_list() == [3, None]
    assert events["http_status"].to_list() == [400, None]


_FORMATS = {
    "tiktok_blank.csv": (TIKTOK, TIKTOK_OPTIONAL),
    "qimen_blank.csv": (QIMEN, QIMEN_OPTIONAL),
}


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from(sorted(_FORMATS)),
    picks=st.lists(st.tuples(st.integers(0, 13), st.sampled_from(['""', "  ", '"  "', ""]))),
)
def test_blanking_optional_cells_never_makes_a_reject(
    name: str, picks: list[tuple[int, str]]
) -> None:
    row, optional = _FORMATS[name]
    cells = {optional[i % len(optional)]: blank for i, blank in picks}
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp) / name, list(row), [_csv(row, 1, **cells)], "utf-8")
        events, rejects = read_file(path)
    assert rejects.height == 0 and events.height == 1
    numbers = {"retry_count": "retry_count", "重试次数": "retry_count",
               "http_status": "http_status", "x_ratelimit_remaining": "rate_limit_remaining"}  # fmt: skip
    for col, field in numbers.items():
        if col in cells:
            assert events[field][0] is None
