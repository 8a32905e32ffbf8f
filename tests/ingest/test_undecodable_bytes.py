"""Lines of undecodable bytes are rejects; they never garble or drop the rest of their file.

Found on a realistic 200k-row dump with 200 planted junk lines: one such line made a
UTF-8 JSON Lines file decode as a Cyrillic codepage (every message mojibake) and two
CSV exports unreadable (120k rows in neither table). The encoding is now the one most
lines are written in, and each line that no supported encoding reads is a reject with
its file, line and reason, in the whole-file reader and in the piecewise one alike.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import polars as pl
import pytest
from workbooks import QIMEN_HEADER

from opsrca import store
from opsrca.generate import write_realistic_dump
from opsrca.ingest import ingest_paths
from opsrca.ingest import workers as workers_mod
from opsrca.ingest.detect import decode

JUNK = [b"\xff\xfe\x00garbage\x01\x02", b"\x80\x81\x82 oops", b"\xfe\xfe\xfe", b"abc\xff,def,\x80"]
NAMES = ["tiktok_ops_errors.csv", "qimen_sync_log.csv", "qimen_sync_log_gbk.csv",
         "ozon_seller_api.jsonl", "taobao_distribute.jsonl"]  # fmt: skip
PIECE = 64 * 1024
TIKTOK = (
    "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
)


def _tiktok_row(event_id: str, message: str, endpoint: str = "/api/products") -> str:
    return f"{event_id},{endpoint},400,12052048,{message},2026-11-02T02:13:05Z,0\n"


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real")
    write_realistic_dump(out, rows=20_000, seed=5)
    return out / "realistic"


def _plant(src: Path, dest: Path, count: int, seed: int) -> list[int]:
    """``src`` with ``count`` junk lines inserted; returns their 1-based line numbers."""
    rng = random.Random(seed)
    lines = src.read_bytes().split(b"\n")
    for _ in range(count):
        lines.insert(rng.randrange(2, len(lines) - 1), rng.choice(JUNK))
    dest.write_bytes(b"\n".join(lines))
    return [i + 1 for i, line in enumerate(lines) if line in JUNK]


def _ingest(path: Path, db: Path, **kwargs: object) -> tuple[object, pl.DataFrame, pl.DataFrame]:
    con = store.connect(db)
    try:
        report = ingest_paths([path], con, **kwargs)
        events = con.sql("SELECT message, source_line FROM events ORDER BY source_line").pl()
        rejects = con.sql("SELECT * FROM rejects ORDER BY source_line").pl()
    finally:
        con.close()
    return report.files[0], events, rejects


@pytest.mark.parametrize("piece_bytes", [None, PIECE], ids=["whole", "pieces"])
@pytest.mark.parametrize("name", NAMES)
def test_junk_lines_are_rejects_and_the_rest_reads_as_without_them(
    realistic: Path,
    tmp_path: Path,
    name: str,
    piece_bytes: int | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kwargs = {} if piece_bytes is None else {"piece_bytes": piece_bytes}
    clean, clean_events, _ = _ingest(realistic / name, tmp_path / "clean.duckdb", **kwargs)
    planted = _plant(realistic / name, tmp_path / name, 12, seed=len(name))
    if piece_bytes is not None:  # the piecewise reader must cope without reading the file whole

        def refuse(*_: object, **__: object) -> object:
            raise AssertionError(f"{name} was read whole")

        monkeypatch.setattr(workers_mod, "load_file", refuse)
    result, events, rejects = _ingest(tmp_path / name, tmp_path / "t.duckdb", **kwargs)
    assert result.status == "loaded" and result.encoding == clean.encoding
    assert result.rows_in == clean.rows_in + 12 == result.events + result.rejects
    assert result.rejects == 12 and rejects["source_line"].to_list() == planted
    assert rejects["reason"].str.contains(f"^{name} line \\d+: undecodable bytes").all()
    assert rejects["raw"].str.contains(r"\\x(ff|80|fe)").all()  # the bad bytes, escaped
    # every other line reads exactly as in the clean file (no mojibake, nothing lost)
    assert events["message"].to_list() == clean_events["message"].to_list()


def test_a_message_cut_inside_a_character_is_kept(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """A UTF-8 message cut at a byte limit mid-character is an event, the cut shown as U+FFFD;
    it is not read as GB18030 (which would garble every character of the line)."""
    good = "".join(_tiktok_row(f"E{i}", "类目不存在，请重新选择类目") for i in range(50))
    cut = _tiktok_row("E99", "仓库编码不存在").encode().replace("在".encode(), "在".encode()[:2])
    path = tmp_path / "tiktok_cut.csv"
    path.write_bytes((TIKTOK + good).encode() + cut)
    report = ingest_paths([path], con)
    assert (report.events, report.rejects) == (51, 0)
    message = con.sql("SELECT message FROM events WHERE event_id = 'E99'").fetchall()
    assert message == [("仓库编码不存\ufffd",)]


def test_a_gbk_line_in_a_utf8_file_reads_as_gbk(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    rows = "".join(_tiktok_row(f"E{i}", f"类目不存在 {i}") for i in range(40))
    late = _tiktok_row("X1", "仓库编码不存在")
    path = tmp_path / "tiktok_mixed.csv"
    path.write_bytes((TIKTOK + rows).encode() + late.encode("gbk"))
    report = ingest_paths([path], con)
    assert (report.files[0].encoding, report.events, report.rejects) == ("utf-8", 41, 0)
    assert con.sql("SELECT message FROM events WHERE event_id = 'X1'").fetchall() == [
        ("仓库编码不存在",)
    ]


def test_a_cyrillic_codepage_export_reads_as_russian(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    text = "Товар не прошёл модерацию: неверная категория; проверьте атрибуты"
    rows = "".join(_tiktok_row(f"E{i}", f"{text} {i}", "/v2/product/import") for i in range(30))
    ragged = "E99,/v2/product/import,400,7,товар,лишнее поле,2026-11-02T02:13:05Z,0\n"
    path = tmp_path / "ozon_cp1251.csv"  # a ragged row sends it to the record scan
    path.write_bytes((TIKTOK + rows + ragged).encode("cp1251"))
    report = ingest_paths([path], con)
    assert report.files[0].encoding == "cp1251" and (report.events, report.rejects) == (30, 1)
    assert con.sql("SELECT message FROM events WHERE event_id = 'E3'").fetchall() == [
        (f"{text} 3",)
    ]


def test_decode_names_the_byte_and_keeps_line_numbers() -> None:
    body = "".join(f"{i},中文消息{i}\n" for i in range(30)).encode("gbk")
    decoded = decode(b"a,b\n" + body + b"\xff oops\n" + body)
    assert decoded.encoding == "gb18030"
    ((line, reason, shown),) = decoded.undecodable
    assert line == 32 and shown == "\\xff oops"
    assert "byte 0xFF at byte 1" in reason and "GB18030" in reason
    lines = decoded.text.split("\n")
    assert lines[31] == "" and lines[30] == "29,中文消息29" and lines[32] == "0,中文消息0"


@pytest.mark.parametrize("piece_bytes", [None, 32 * 1024], ids=["whole", "pieces"])
def test_a_utf8_line_in_a_gbk_export_reads_as_utf8(tmp_path: Path, piece_bytes: int | None) -> None:
    """GB18030 would read a UTF-8 row as other characters without an error; UTF-8 is believed
    first for lines that are UTF-8 text, in the whole-file reader and in the piecewise one."""
    rows = [
        f"2026-11-02 10:{i // 60 % 60:02d}:{i % 60:02d},taobao.qimen.singleitem.synchronize,"
        f"杭州旗舰店,SKU{i:05d},WH01,失败,40,仓库编码WH01不存在\n"
        for i in range(2000)
    ]
    # every byte pair of this UTF-8 row is a GB18030 character: GB18030 alone reads it without error
    appended = (
        "2026-11-02 11:00:00,taobao.qimen.singleitem.synchronize,杭州店铺,SKU9,WH02,失败,40,"
        "商品条码重复\n"
    )
    assert appended.encode().decode("gb18030") != appended
    path = tmp_path / "qimen_mixed.csv"
    data = (",".join(QIMEN_HEADER) + "\n" + "".join(rows[:1500])).encode("gbk")
    path.write_bytes(data + appended.encode() + "".join(rows[1500:]).encode("gbk"))
    kwargs = {} if piece_bytes is None else {"piece_bytes": piece_bytes}
    result, events, _ = _ingest(path, tmp_path / "t.duckdb", **kwargs)
    assert (result.encoding, result.events, result.rejects) == ("gb18030", 2001, 0)
    assert events["message"][1500] == "商品条码重复"
    assert events["message"].to_list().count("仓库编码WH01不存在") == 2000
