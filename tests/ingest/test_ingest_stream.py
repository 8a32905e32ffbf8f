"""Big files are read in pieces: same events as the whole-file reader, bounded memory.

``piece_bytes`` is made tiny here so files of a few hundred KB stream in many
pieces; the whole-file reader (``read_file``) is the reference.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from workbooks import QIMEN_HEADER

from opsrca.generate import write_bench_dump, write_tiktok_csv
from opsrca.ingest import ingest_paths, read_file
from opsrca.ingest import writer as writer_mod
from opsrca.ingest.stream import pieces

PIECE = 32 * 1024
_COMPARE = ["event_id", "platform", "shop_id", "http_status", "error_code", "message",
            "is_error", "occurred_at", "retry_count", "payload", "source_line"]  # fmt: skip


def _events(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT * FROM events ORDER BY source_file, source_line").pl()


def _rejects(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql("SELECT source_line, field, reason FROM rejects ORDER BY source_line").pl()


@pytest.fixture(scope="module")
def tiktok(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiktok_csv(tmp_path_factory.mktemp("tt") / "tiktok_big.csv", rows=1500, seed=3)


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dump")
    return {p.name: p for p in write_bench_dump(out, rows=4000, seed=5)}


@pytest.mark.parametrize("size", [64, 4096])  # 64: most lines are longer than a read
def test_pieces_cut_at_line_ends_and_lose_nothing(tiktok: Path, tmp_path: Path, size: int) -> None:
    data = tiktok.read_bytes()
    parts = list(pieces(tiktok, 0, size))
    assert b"".join(parts) == data and len(parts) > 10
    assert all(p.endswith(b"\n") for p in parts)
    no_final_newline = tmp_path / "cut.csv"
    no_final_newline.write_bytes(data.rstrip(b"\n"))
    assert b"".join(pieces(no_final_newline, 10, size)) == data.rstrip(b"\n")[10:]


@pytest.mark.parametrize("name", ["tiktok_ops_errors_bench.csv", "ozon_api_bench.jsonl",
                                  "taobao_distribute_bench.jsonl", "qimen_sync_log_bench.csv"])  # fmt: skip
def test_streamed_file_matches_whole_file_reader(
    bench_files: dict[str, Path], con: duckdb.DuckDBPyConnection, name: str
) -> None:
    path = bench_files[name]
    assert path.stat().st_size > 4 * PIECE  # really several pieces
    report = ingest_paths([path], con, piece_bytes=PIECE)
    whole, whole_rejects = read_file(path)
    got = _events(con)
    assert report.files[0].status == "loaded"
    assert report.rows_in == report.events + report.rejects == whole.height + whole_rejects.height
    assert got.select(_COMPARE).equals(whole.sort("source_line").select(_COMPARE))


def test_line_numbers_and_rejects_deep_in_a_streamed_file(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, tiktok: Path
) -> None:
    lines = tiktok.read_bytes().split(b"\n")
    fields = lines[1200].split(b",")
    ts_col = lines[0].split(b",").index(b"first_occurred_at")
    fields[ts_col] = b"not-a-time"
    lines[1200] = b",".join(fields)  # physical line 1201
    lines.insert(900, b"")  # a blank line is not a row; later line numbers shift by one
    path = tmp_path / "tiktok_edited.csv"
    path.write_bytes(b"\n".join(lines))
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert report.rows_in == 1500 and report.rejects == 1
    rejects = _rejects(con)
    assert rejects["source_line"].to_list() == [1202]
    assert "line 1202" in rejects["reason"][0] and "first_occurred_at" in rejects["reason"][0]
    events = _events(con)
    assert events["source_line"].is_duplicated().sum() == 0
    assert 901 not in events["source_line"].to_list()  # the blank line


def test_quoted_newline_late_in_the_file_is_read_in_its_piece_alone(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, tiktok: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One quoted newline no longer makes ingest read the whole file (2 GB peak at 218 MB)."""
    from opsrca.ingest import commit, workers

    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("the file was read whole")

    text = tiktok.read_text(encoding="utf-8")
    head, sep, tail = text.rpartition("\n7")  # the last data row starts with its error_id
    path = tmp_path / "tiktok_multiline.csv"
    row = tail.split(",")
    msg_col = text.splitlines()[0].split(",").index("error_message")
    row[msg_col] = '"first line of the message\nsecond line"'
    path.write_text(head + sep + ",".join(row), encoding="utf-8")
    whole, _ = read_file(path)
    monkeypatch.setattr(workers, "load_file", refuse)
    monkeypatch.setattr(commit, "read_bytes", refuse)
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert report.files[0].status == "loaded" and report.events == whole.height == 1500
    got = _events(con)
    assert got["event_id"].n_unique() == 1500
    assert got["message"][-1] == "first line of the message\nsecond line"
    assert got["source_line"][-1] == whole.sort("source_line")["source_line"][-1]


def test_a_quoted_newline_across_a_piece_end_falls_back_to_the_whole_file_reader(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, tiktok: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsrca.ingest import commit

    restarts: list[Path] = []
    real_read = commit.read_bytes

    def counting(path: Path) -> bytes:
        restarts.append(path)
        return real_read(path)

    monkeypatch.setattr(commit, "read_bytes", counting)
    text = tiktok.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    cut = next(i for i in range(len(lines)) if len("".join(lines[: i + 1]).encode()) > PIECE)
    msg_col = lines[0].split(",").index("error_message")
    row = lines[cut].rstrip("\n").split(",")  # the row the first piece's end cuts through
    row[msg_col] = '"m\n' + "n" * (PIECE // 2) + '"'
    lines[cut] = ",".join(row) + "\n"
    path = tmp_path / "tiktok_straddle.csv"
    path.write_text("".join(lines), encoding="utf-8")
    whole, _ = read_file(path)
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert report.files[0].status == "loaded" and report.events == whole.height
    assert _events(con)["event_id"].n_unique() == whole.height
    assert restarts == [path]  # the record did not close in its piece: read whole, once


def test_gbk_file_bigger_than_a_piece_streams_like_the_whole_file_reader(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GBK pieces are transcoded one by one (bounded memory), never read whole."""
    from opsrca.ingest import workers

    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("the GBK file was read whole")

    rows = "".join(
        f"2026-11-02 10:{i // 60 % 60:02d}:{i % 60:02d},taobao.qimen.singleitem.synchronize,"
        f"杭州旗舰店,SKU{i:05d},WH01,失败,40,仓库编码WH01不存在\n"
        for i in range(2000)
    )
    path = tmp_path / "qimen_gbk.csv"
    path.write_bytes((",".join(QIMEN_HEADER) + "\n" + rows).encode("gbk"))
    assert path.stat().st_size > 2 * PIECE
    whole, _ = read_file(path)
    monkeypatch.setattr(workers, "load_file", refuse)
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert report.files[0].encoding == "gb18030" and report.events == 2000
    streamed = _events(con)
    assert streamed["message"][0] == "仓库编码WH01不存在"
    columns = [c for c in whole.columns if c != "batch_id"]
    assert (
        streamed.select(columns)
        .sort("source_line")
        .equals(whole.select(columns).sort("source_line"))
    )


def test_strict_and_crash_mid_stream_leave_no_rows(
    tmp_path: Path,
    con: duckdb.DuckDBPyConnection,
    tiktok: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = tiktok.read_bytes().split(b"\n")
    lines[1400] = lines[1400] + b",extra"  # a ragged row in a late piece
    ragged = tmp_path / "tiktok_ragged.csv"
    ragged.write_bytes(b"\n".join(lines))
    report = ingest_paths([ragged], con, strict=True, piece_bytes=PIECE)
    assert report.files[0].status == "rejected" and "line 1401" in (report.files[0].error or "")
    assert con.sql("SELECT count(*) FROM events").fetchall() == [(0,)]

    real_append = writer_mod._append
    calls = {"events": 0}

    def flaky(c: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
        real_append(c, table, frame)
        calls["events"] += table == "events"
        if calls["events"] == 3:  # the third piece of the file
            raise KeyboardInterrupt

    monkeypatch.setattr(writer_mod, "_append", flaky)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([tiktok], con, piece_bytes=PIECE)
    assert con.sql("SELECT count(*) FROM events").fetchall() == [(0,)]
    monkeypatch.setattr(writer_mod, "_append", real_append)
    assert ingest_paths([tiktok], con, piece_bytes=PIECE).events == 1500
    again = ingest_paths([tiktok], con, piece_bytes=PIECE)
    assert again.files[0].status == "duplicate" and again.events == 0


def test_a_repeat_in_a_later_piece_points_at_the_first_copy(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, tiktok: Path
) -> None:
    lines = tiktok.read_bytes().split(b"\n")
    lines.insert(1450, lines[5])  # line 6's error again, pieces later
    path = tmp_path / "tiktok_repeat.csv"
    path.write_bytes(b"\n".join(lines))
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert (report.rows_in, report.events, report.rejects) == (1501, 1500, 1)
    reason = _rejects(con)["reason"][0]
    assert reason.startswith("tiktok_repeat.csv line 1451: field 'event_id'")
    assert reason.endswith(f"already loaded from {path} line 6; the repeat is not counted twice")


def test_a_restart_records_what_the_whole_file_reader_found(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    header = (
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
    )
    rows = "".join(
        f"E{i},/product/202309/products,400,12052048,category not found,2026-11-02T02:13:05Z,0\n"
        for i in range(3000)
    )
    late = "X1,/product/202309/products,400,12052048,类目不存在,2026-11-02T02:14:05Z,0\n"
    path = tmp_path / "tiktok_late_gbk.csv"  # plain ASCII for many pieces, GBK in the last one
    path.write_bytes((header + rows).encode("ascii") + late.encode("gbk"))
    assert path.stat().st_size > 4 * PIECE
    report = ingest_paths([path], con, piece_bytes=PIECE)
    assert report.files[0].encoding == "gb18030" and report.events == 3001
    assert con.sql("SELECT encoding FROM ingested_files").fetchall() == [("gb18030",)]
    assert con.sql("SELECT message FROM events WHERE event_id = 'X1'").fetchall() == [
        ("类目不存在",)
    ]
