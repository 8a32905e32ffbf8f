"""Hypothesis generators of hostile input files, and the review's seed corpus.

Every generator returns a ``Hostile``: a file name, its bytes, and what a
correct ingest must make of it (``clean_rows``: the number of events when no
bad row was planted; ``loads``: whether the file must load at all). Files are
small (a few hundred rows) so that many of them run in the suite's budget;
sizes that matter (pieces) are exercised by shrinking ``piece_bytes``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from hypothesis import strategies as st

TIKTOK_HEADER = (
    "error_id,shop_id,region,api_endpoint,http_method,http_status,error_code,"
    "error_message,first_occurred_at,retry_count"
)
QIMEN_HEADER = "同步时间,接口名称,店铺,商品编码,仓库编码,同步状态,错误码,错误信息"
#: messages every encoding here can write (GB18030 included)
MESSAGES = (
    "category not found",
    "库存同步失败",
    "仓库编码WH01不存在",
    "token expired, 请重新授权",
    'size 12" screen',
    "a, b; c | d",
    "   ",
    "",
    "收货人13811112224 浙江省杭州市西湖区",
    '=HYPERLINK("http://x")',
    "\t tab and trailing space ",
)
BAD_CSV = (
    "ragged_short", "ragged_long", "bad_ts", "empty_ts", "bad_int", "bad_status", "stray_quote",
    "unbalanced_quote", "quoted_newline", "huge_field", "junk_bytes", "blank", "control_chars",
)  # fmt: skip
BAD_JSON = (
    "truncated", "not_object", "deep", "huge_field", "bad_ts", "text_status", "junk_bytes",
    "blank", "bare_cr",
)  # fmt: skip
HUGE = 200 << 10  # over the csv module's 128 KiB default field limit


@dataclass(frozen=True)
class Hostile:
    """One generated file and what ingest must make of it."""

    name: str
    data: bytes
    loads: bool  # must be loaded (or empty), never unreadable
    clean_rows: int | None = None  # when no bad row was planted: the events it must give

    def __repr__(self) -> str:  # a failing case names the file; its bytes go to a file
        return f"Hostile({self.name!r}, {len(self.data)} bytes, loads={self.loads})"


def _csv_field(value: str, sep: str = ",") -> str:
    if any(ch in value for ch in (sep, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _good_row(fmt: str, i: int, msg: str, nl: str) -> str:
    msg = msg.replace("\n", nl)
    if fmt == "tiktok":
        fields = [f"F{i:08d}", f"shop{i % 7}", "MY", "/api/products/stock", "POST", "400",
                  "12052048", msg, f"2026-11-02 10:{i % 60:02d}:05", str(i % 4)]  # fmt: skip
    else:
        fields = [f"2026-11-02 10:{i % 60:02d}:{i // 60 % 60:02d}", "taobao.qimen.item.sync",
                  f"旗舰店{i % 5}", f"SKU{i}", "WH01", "失败" if i % 3 else "成功", f"E{i % 9}",
                  msg or f"row {i}"]  # fmt: skip
    return ",".join(_csv_field(f) for f in fields)


def _bad_csv_row(kind: str, fmt: str, i: int, nl: str) -> bytes | str:
    good = _good_row(fmt, i, f"bad row {i}", nl)
    cells = good.split(",")
    ts_col = 8 if fmt == "tiktok" else 0
    if kind == "ragged_short":
        return ",".join(cells[:3])
    if kind == "ragged_long":
        return good + ",extra,more"
    if kind == "bad_ts":
        cells[ts_col] = "2026-11-3? 25:61"
        return ",".join(cells)
    if kind == "empty_ts":
        cells[ts_col] = '""'
        return ",".join(cells)
    if kind == "bad_int":
        if fmt == "tiktok":
            cells[5] = "timeout"
        else:
            cells[5] = "超时"  # an unknown 同步状态
        return ",".join(cells)
    if kind == "bad_status":
        if fmt == "qimen":
            cells[5] = "timeout"
        else:
            cells[9] = "three"
        return ",".join(cells)
    if kind == "stray_quote":
        cells[7] = 'a 12" screen'
        return ",".join(cells)
    if kind == "unbalanced_quote":
        cells[7] = '"never closes'
        return ",".join(cells)
    if kind == "quoted_newline":
        cells[7] = _csv_field(f"first line{nl}second line {i}")
        return ",".join(cells)
    if kind == "huge_field":
        cells[7] = "h" * HUGE + f' 12" {i}'  # a stray quote: the csv module reads it
        return ",".join(cells)
    if kind == "junk_bytes":
        return b"\xff\xfe\x80 junk \x81\x82"
    if kind == "blank":
        return ""
    if kind == "control_chars":
        cells[7] = "\x1b[2J\x07\x1b]52;c;aGk=\x07 clear"
        return ",".join(cells)
    raise ValueError(kind)


@st.composite
def csv_files(draw: st.DrawFn) -> Hostile:
    """A TikTok or Qimen CSV: random size, encoding, line ends, bad rows at random places."""
    fmt = draw(st.sampled_from(["tiktok", "qimen"]))
    n = draw(st.integers(0, 150))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    msgs = draw(st.lists(st.sampled_from(MESSAGES), min_size=n, max_size=n))
    lines: list[bytes | str] = [_good_row(fmt, i, m, nl) for i, m in enumerate(msgs)]
    bad = draw(st.lists(st.tuples(st.integers(0, n), st.sampled_from(BAD_CSV)), max_size=4))
    for pos, kind in bad:
        lines.insert(pos, _bad_csv_row(kind, fmt, 10_000 + pos, nl))
    header = TIKTOK_HEADER if fmt == "tiktok" else QIMEN_HEADER
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    out = [b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"", header.encode(codec)]
    for line in lines:
        out.append(nl.encode())
        out.append(line if isinstance(line, bytes) else line.encode(codec))
    if draw(st.booleans()):
        out.append(nl.encode())
    junk = any(kind == "junk_bytes" for _, kind in bad)
    name = f"{fmt}_{encoding}_{len(lines)}.csv"
    return Hostile(name, b"".join(out), loads=not junk, clean_rows=None if bad else n)


def _ozon(i: int, msg: str) -> dict[str, object]:
    return {
        "ts": f"2026-11-02T02:{i % 60:02d}:05Z",
        "client_id": f"2043{i % 5}",
        "method": "POST",
        "path": "/v3/product/import",
        "status": 400 + i % 3,
        "token_type": "bearer",
        "headers": {"X-RateLimit-Remaining": str(i % 300)},
        "request": {"items": [{"offer_id": f"SKU-{i}"}]},
        "response": {"code": 7, "message": msg, "details": []},
    }


def _taobao(i: int, msg: str) -> dict[str, object]:
    return {
        "time": f"2026-11-02 10:{i % 60:02d}:05",
        "tb_seller_nick": f"shop{i % 4}",
        "api": "alibaba.item.publish.distribute.submit",
        "request": {"market": "taobao", "cat_id": 50021288 + i},
        "response": {"code": 491, "message": msg, "trace_id": f"T{i:010d}"},
    }


def _bad_json_row(kind: str, fmt: str, i: int, draw: st.DrawFn) -> bytes | str:
    obj = (_ozon if fmt == "ozon" else _taobao)(i, f"bad {i}")
    if kind == "truncated":
        text = json.dumps(obj)
        return text[: draw(st.integers(1, len(text) - 1))]
    if kind == "not_object":
        return draw(st.sampled_from(["[1, 2]", "42", '"text"', "null", "true"]))
    if kind == "deep":
        depth = draw(st.integers(100, 20_000))
        obj["response"] = "@"
        return json.dumps(obj).replace('"@"', "[" * depth + "]" * depth)
    if kind == "huge_field":
        obj["response"] = {"message": "x" * HUGE}
        return json.dumps(obj)
    if kind == "bad_ts":
        obj["ts" if fmt == "ozon" else "time"] = "not a time"
        return json.dumps(obj)
    if kind == "text_status":
        if fmt == "ozon":
            obj["status"] = "timeout"
        else:
            obj["time"] = "2026-11-0? 10:13"
        return json.dumps(obj)
    if kind == "junk_bytes":
        return b"\xff\xfe\x80 junk"
    if kind == "blank":
        return "   "
    if kind == "bare_cr":
        return json.dumps(obj) + "\r" + json.dumps(obj)
    raise ValueError(kind)


@st.composite
def jsonl_files(draw: st.DrawFn) -> Hostile:
    """Ozon or Taobao JSON Lines: random size and line ends, bad lines at random places."""
    fmt = draw(st.sampled_from(["ozon", "taobao"]))
    n = draw(st.integers(0, 150))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    ascii_only = draw(st.booleans())
    make = _ozon if fmt == "ozon" else _taobao
    msgs = draw(st.lists(st.sampled_from(MESSAGES), min_size=n, max_size=n))
    lines: list[bytes | str] = [
        json.dumps(make(i, m), ensure_ascii=ascii_only) for i, m in enumerate(msgs)
    ]
    bad = draw(st.lists(st.tuples(st.integers(0, n), st.sampled_from(BAD_JSON)), max_size=4))
    for pos, kind in bad:
        lines.insert(pos, _bad_json_row(kind, fmt, 10_000 + pos, draw))
    if lines and isinstance(lines[0], str) and not lines[0].lstrip().startswith("{"):
        lines.insert(0, json.dumps(make(99_999, "first")))  # format is told from the first lines
        n += 1
    data = nl.encode().join(line if isinstance(line, bytes) else line.encode() for line in lines)
    junk = any(kind == "junk_bytes" for _, kind in bad)
    clean = None if bad else n
    return Hostile(f"{fmt}_{len(lines)}.jsonl", data + nl.encode(), loads=not junk and bool(n),
                   clean_rows=clean)  # fmt: skip


def workbook(rows: list[list[str]], *, sheets: int = 1) -> bytes:
    """An XLSX workbook (in memory) with the Qimen header and ``rows`` on each sheet."""
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"created": datetime(2026, 11, 2)})  # same bytes every run
    for s in range(sheets):
        sheet = book.add_worksheet(f"同步日志{s + 1}")
        for r, values in enumerate([QIMEN_HEADER.split(","), *rows]):
            for c, value in enumerate(values):
                sheet.write_string(r, c, value)
    book.close()
    return buf.getvalue()


@st.composite
def xlsx_files(draw: st.DrawFn) -> Hostile:
    """A Qimen workbook, maybe with bad rows, several sheets, or damaged bytes."""
    n = draw(st.integers(0, 80))
    rows = [_good_row("qimen", i, f"msg {i}", "\n").split(",") for i in range(n)]
    bad = draw(st.lists(st.tuples(st.integers(0, n), st.sampled_from(["bad_ts", "bad_status",
                                                                        "blank", "long"])),
                        max_size=3))  # fmt: skip
    for pos, kind in bad:
        row = _good_row("qimen", 20_000 + pos, "bad", "\n").split(",")
        if kind == "bad_ts":
            row[0] = "昨天 10:13"
        elif kind == "bad_status":
            row[5] = "timeout"
        elif kind == "blank":
            row = [""] * len(row)
        else:
            row[7] = "长" * 30_000  # near Excel's 32,767-character cell limit
        rows.insert(pos, row)
    sheets = draw(st.integers(1, 2))
    data = workbook(rows, sheets=sheets)
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    # a flipped byte may fall in a compressed sheet or in slack: it may still load
    clean = None if bad or damage != "none" else n * sheets
    return Hostile(f"qimen_{n}.xlsx", data, loads=damage == "none" and bool(n), clean_rows=clean)


@st.composite
def junk_files(draw: st.DrawFn) -> Hostile:
    """Binary junk, documents and archives under an export's name, empty files."""
    kind = draw(st.sampled_from(["random", "empty", "pdf", "png", "zip", "nul_text", "utf16"]))
    suffix = draw(st.sampled_from([".csv", ".jsonl", ".xlsx", ".xls", ".txt", ".log"]))
    if kind == "random":
        data = draw(st.binary(max_size=3000))
    elif kind == "empty":
        data = b""
    elif kind == "pdf":
        data = b"%PDF-1.7\n" + draw(st.binary(max_size=500))
    elif kind == "png":
        data = b"\x89PNG\r\n\x1a\n" + draw(st.binary(max_size=500))
    elif kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("word/document.xml", "<w/>")
        data = buf.getvalue()
    elif kind == "nul_text":
        data = (TIKTOK_HEADER + "\n1,\x00,MY\n").encode()
    else:
        data = (TIKTOK_HEADER + "\n").encode("utf-16")
    return Hostile(f"junk_{kind}{suffix}", data, loads=False)


hostile_files = st.one_of(csv_files(), jsonl_files(), xlsx_files(), junk_files())


def seed_corpus() -> list[Hostile]:
    """The review's reproductions, replayed on every run (issue 11)."""
    tik = [TIKTOK_HEADER] + [_good_row("tiktok", i, "stock error", "\n") for i in range(600)]
    two_bad = list(tik)
    two_bad[150] = _bad_csv_row("bad_int", "tiktok", 150, "\n")  # type: ignore[assignment]
    two_bad[420] = _bad_csv_row("bad_int", "tiktok", 420, "\n")  # type: ignore[assignment]
    ozon = [json.dumps(_ozon(i, "Insufficient scope")) for i in range(600)]
    ozon[100] = str(_bad_json_row("text_status", "ozon", 100, lambda s: 0))  # type: ignore[arg-type]
    ozon[555] = str(_bad_json_row("text_status", "ozon", 555, lambda s: 0))  # type: ignore[arg-type]
    qimen = [QIMEN_HEADER] + [_good_row("qimen", i, "库存同步失败", "\n") for i in range(50)]
    deep = _ozon(1, "deep")
    deep["response"] = "@"
    deep_line = json.dumps(deep).replace('"@"', "[" * 50_000 + "]" * 50_000)
    good_book = workbook([_good_row("qimen", i, "m", "\n").split(",") for i in range(20)])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    huge = list(tik[:20])
    huge[5] = _bad_csv_row("huge_field", "tiktok", 5, "\n")  # type: ignore[assignment]
    return [
        Hostile("tiktok_two_bad_ints.csv", "\n".join(two_bad).encode(), True),
        Hostile("ozon_two_text_status.jsonl", "\n".join(ozon).encode(), True),
        Hostile("qimen_cr_only.csv", "\r".join(qimen).encode("gb18030"), True, 50),
        Hostile("tiktok_huge_field.csv", "\n".join(huge).encode(), True),
        Hostile("ozon_deep.jsonl", (ozon[0] + "\n" + deep_line + "\n").encode(), True),
        Hostile("zero.xlsx", b"", False),
        Hostile("truncated.xlsx", good_book[: len(good_book) // 2], False),
        Hostile("zip_not_book.xlsx", zipped.getvalue(), False),
        Hostile("garbage.xls", b"\xd0\xcf\x11\xe0" + b"garbage" * 30, False),
        Hostile("listings.xlsx", b"PK\x03\x04 corrupt listings", False),
        Hostile("report.pdf", b"%PDF-1.4\n%\xe2\xe3\n", False),
        Hostile("shot.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), False),
        Hostile("junk.csv", bytes(range(256)) * 4, False),
        Hostile("empty.csv", b"", False),
    ]
