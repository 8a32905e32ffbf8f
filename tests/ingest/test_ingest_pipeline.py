"""ingest_paths: idempotency, one transaction per file, unreadable files, batches, strict."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from workbooks import QIMEN_HEADER, write_xlsx

from opsrca.errors import InputError
from opsrca.ingest import ingest_paths
from opsrca.ingest import pipeline as pipeline_mod
from opsrca.ingest import writer as writer_mod


def _counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("events", "rejects", "ingested_files")
    )


def test_folder_ingest_accounts_every_row(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    report = ingest_paths([data_dir], con)
    by_name = {Path(f.path).name: f for f in report.files}
    assert set(by_name) == {
        "empty.csv", "ozon_api_small.jsonl", "qimen_sync_log_bom.csv", "qimen_sync_log_gbk.csv",
        "taobao_distribute_small.jsonl", "tiktok_ops_errors_messy.csv", "tiktok_ops_errors_small.csv",
    }  # fmt: skip
    assert by_name["empty.csv"].status == "empty"
    assert by_name["qimen_sync_log_gbk.csv"].encoding == "gb18030"
    assert by_name["qimen_sync_log_bom.csv"].encoding == "utf-8-sig"
    for f in report.files:
        assert f.rows_in == f.events + f.rejects
    events, rejects, files = _counts(con)
    assert (events, rejects, files) == (report.events, report.rejects, 6)
    assert not report.ok
    batches = con.execute(
        "SELECT DISTINCT batch_id FROM events UNION SELECT DISTINCT batch_id FROM rejects"
    ).fetchall()
    assert batches == [(report.batch_id,)]


def test_same_content_twice_adds_nothing(
    con: duckdb.DuckDBPyConnection, data_dir: Path, tmp_path: Path
) -> None:
    src = data_dir / "tiktok_ops_errors_small.csv"
    first = ingest_paths([src], con)
    before = _counts(con)
    renamed = tmp_path / "copy_of_export.csv"
    shutil.copy(src, renamed)
    again = ingest_paths([src, renamed], con)
    assert [f.status for f in again.files] == ["duplicate", "duplicate"]
    assert _counts(con) == before and first.batch_id != again.batch_id
    ids = con.execute("SELECT count(DISTINCT event_id), count(*) FROM events").fetchall()[0]
    assert ids == (3, 3)


def test_crash_mid_file_rolls_back_that_file_only(
    con: duckdb.DuckDBPyConnection, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_append = writer_mod._append
    calls = {"n": 0}

    def flaky(c: duckdb.DuckDBPyConnection, table: str, frame: object) -> None:
        calls["n"] += 1
        real_append(c, table, frame)  # type: ignore[arg-type]
        if (
            table == "events" and calls["n"] > 1
        ):  # second file: crash after its events were inserted
            raise KeyboardInterrupt

    monkeypatch.setattr(writer_mod, "_append", flaky)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(
            [data_dir / "tiktok_ops_errors_small.csv", data_dir / "taobao_distribute_small.jsonl"],
            con,
        )
    assert _counts(con) == (3, 0, 1)  # first file committed, second left no trace
    monkeypatch.setattr(writer_mod, "_append", real_append)
    report = ingest_paths([data_dir / "taobao_distribute_small.jsonl"], con)
    assert report.files[0].status == "loaded" and _counts(con) == (6, 0, 2)


def test_unreadable_file_does_not_stop_the_others(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, data_dir: Path
) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x00\x01\x02garbage\xff\xfe" * 100)
    report = ingest_paths([bad, data_dir / "tiktok_ops_errors_small.csv"], con)
    assert [f.status for f in report.files] == ["unreadable", "loaded"]
    assert "broken.csv" in (report.files[0].error or "")
    assert not report.ok and _counts(con)[0] == 3


def test_an_export_with_a_nul_damaged_line_loads_and_rejects_that_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, data_dir: Path
) -> None:
    header, rows = _tiktok_rows(data_dir)
    damaged = tmp_path / "tiktok_damaged.csv"
    damaged.write_bytes("\n".join([header, rows[0], "\x00\x00\x00", *rows[1:]]).encode() + b"\n")
    report = ingest_paths([damaged], con)
    assert [(f.status, f.events, f.rejects) for f in report.files] == [("loaded", 3, 1)]
    line = con.execute("SELECT source_line FROM rejects").fetchall()
    assert line == [(3,)]


def test_missing_path_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        ingest_paths([tmp_path / "nope.csv"], con)
    with pytest.raises(InputError, match="unknown time zone"):
        ingest_paths([], con, tz="Mars/Olympus")


def test_strict_skips_files_with_rejects(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    report = ingest_paths(
        [data_dir / "tiktok_ops_errors_messy.csv", data_dir / "tiktok_ops_errors_small.csv"],
        con,
        strict=True,
    )
    assert [f.status for f in report.files] == ["rejected", "loaded"]
    assert "line 6" in (report.files[0].error or "")
    assert _counts(con) == (3, 0, 1)


def test_keep_pii(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    ingest_paths([data_dir / "tiktok_ops_errors_small.csv"], con, keep_pii=True)
    text = con.execute(
        "SELECT string_agg(message || coalesce(payload, ''), ' ') FROM events"
    ).fetchall()[0][0]
    assert "13812345678" in text and "li.lei@example.com" in text


def test_pii_never_reaches_the_database(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    ingest_paths([data_dir], con)
    text = con.execute(
        "SELECT string_agg(coalesce(message, '') || coalesce(payload, ''), ' ') FROM events"
    ).fetchall()[0][0]
    raw = con.execute("SELECT string_agg(raw, ' ') FROM rejects").fetchall()[0][0]
    for secret in ("13812345678", "13912345678", "li.lei@example.com", "文三路259号"):
        assert secret not in text and secret not in raw
    assert "<PHONE>" in text and "<EMAIL>" in text and "<ADDRESS>" in text


def test_folder_walk_skips_listing_inputs_and_hidden_files(tmp_path: Path, data_dir: Path) -> None:
    shutil.copy(data_dir / "tiktok_ops_errors_small.csv", tmp_path / "tiktok_ops_errors_a.csv")
    (tmp_path / "listings_2026.csv").write_text(
        "account_id,shop_id,item_id,title\n1,2,3,t\n", encoding="utf-8"
    )
    (tmp_path / "open_categories.txt").write_text("50021288\n", encoding="utf-8")
    (tmp_path / ".hidden.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("# notes\n", encoding="utf-8")
    assert [p.name for p in pipeline_mod.expand_paths([tmp_path])] == ["tiktok_ops_errors_a.csv"]


def test_progress_bar_path_runs(con: duckdb.DuckDBPyConnection, data_dir: Path) -> None:
    report = ingest_paths([data_dir / "tiktok_ops_errors_small.csv"], con, progress=True)
    assert report.files[0].status == "loaded" and report.ok


def test_overlapping_exports_do_not_count_an_event_twice(
    con: duckdb.DuckDBPyConnection, data_dir: Path, tmp_path: Path
) -> None:
    lines = (data_dir / "tiktok_ops_errors_small.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    week1, week2 = tmp_path / "tiktok_week1.csv", tmp_path / "tiktok_week2.csv"
    week1.write_text("\n".join([header, rows[0], rows[1]]) + "\n", encoding="utf-8")
    # week 2 repeats the second error of week 1, then has one new error repeated twice
    new = rows[2]
    week2.write_text("\n".join([header, rows[1], new, new]) + "\n", encoding="utf-8")
    report = ingest_paths([week1, week2], con)
    second = report.files[1]
    assert (second.rows_in, second.events, second.rejects) == (3, 1, 2)
    ids = con.execute("SELECT count(*), count(DISTINCT event_id) FROM events").fetchall()[0]
    assert ids == (3, 3)
    reasons = [
        r[0] for r in con.execute("SELECT reason FROM rejects ORDER BY source_line").fetchall()
    ]
    assert "tiktok_week2.csv line 2: field 'event_id'" in reasons[0]
    assert f"already loaded from {week1} line 3" in reasons[0]
    assert f"already loaded from {week2} line 3" in reasons[1]
    raw = con.execute("SELECT raw FROM rejects WHERE source_line = 4").fetchall()[0][0]
    assert '"event_id":"7301234500000000003"' in raw and "13812345678" not in raw  # masked


def test_hash_ids_are_never_taken_for_repeats(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    row = "2026-11-02 10:13:05,taobao.qimen.singleitem.synchronize,杭州旗舰店,SKU1,WH01,失败,40,仓库编码WH01不存在"
    path = tmp_path / "qimen_same_rows.csv"
    path.write_text(
        ",".join(QIMEN_HEADER) + f"\n{row}\n{row}\n",
        encoding="utf-8",
    )
    report = ingest_paths([path], con)
    assert (report.events, report.rejects) == (2, 0)  # two log lines, two events


def test_strict_refuses_a_file_that_repeats_loaded_events(
    con: duckdb.DuckDBPyConnection, data_dir: Path, tmp_path: Path
) -> None:
    src = data_dir / "tiktok_ops_errors_small.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    again = tmp_path / "tiktok_again.csv"
    again.write_text("\n".join([lines[0], lines[1]]) + "\n", encoding="utf-8")
    report = ingest_paths([src, again], con, strict=True)
    assert [f.status for f in report.files] == ["loaded", "rejected"]
    assert "is already loaded from" in (report.files[1].error or "")
    assert _counts(con) == (3, 0, 1)


def _tiktok_rows(data_dir: Path) -> tuple[str, list[str]]:
    lines = (data_dir / "tiktok_ops_errors_small.csv").read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]


def test_ctrl_c_while_checking_repeats_leaves_no_open_transaction(
    con: duckdb.DuckDBPyConnection, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(writer_mod, "repeated_events", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([data_dir / "tiktok_ops_errors_small.csv"], con)
    monkeypatch.undo()
    assert _counts(con) == (0, 0, 0)
    assert ingest_paths([data_dir / "tiktok_ops_errors_small.csv"], con).events == 3


def test_repeats_are_matched_per_file_and_sheet_not_by_name_prefix(
    con: duckdb.DuckDBPyConnection, data_dir: Path, tmp_path: Path
) -> None:
    header, rows = _tiktok_rows(data_dir)
    odd = tmp_path / "exp#2.csv"  # a '#' in a file name, and a name that prefixes another
    odd.write_text("\n".join([header, rows[0], rows[1]]) + "\n", encoding="utf-8")
    plain = tmp_path / "exp"
    plain.mkdir()
    base = tmp_path / "exp.csv"
    base.write_text("\n".join([header, rows[2], rows[2]]) + "\n", encoding="utf-8")
    report = ingest_paths([odd, base], con)
    assert [(f.events, f.rejects) for f in report.files] == [(2, 0), (1, 1)]
    reason = con.execute("SELECT reason FROM rejects").fetchall()[0][0]
    assert reason.startswith("exp.csv line 3: field 'event_id'")
    assert _counts(con) == (3, 1, 2)


def test_the_first_sheet_in_the_workbook_wins(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    header = ["error_id", "api_endpoint", "http_status", "error_code", "error_message",
              "first_occurred_at", "retry_count"]  # fmt: skip
    row = ["E1", "/product/202309/products", "400", "12052048", "category not found",
           "2026-11-02T02:13:05Z", "0"]  # fmt: skip
    # two sheets, in workbook order (not name order)
    path = write_xlsx(
        tmp_path / "tiktok_errors.xlsx", {"Sheet2": [header, row], "Sheet10": [header, row]}
    )
    report = ingest_paths([path], con)
    assert (report.events, report.rejects) == (1, 1)
    reason = con.execute("SELECT reason FROM rejects").fetchall()[0][0]
    assert reason.startswith("tiktok_errors.xlsx sheet Sheet10 line 2:")
    assert reason.endswith(
        f"already loaded from {path}#Sheet2 line 2; the repeat is not counted twice"
    )
