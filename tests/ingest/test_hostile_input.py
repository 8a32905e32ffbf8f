"""The review's hostile inputs (issue 11, input side): each one a reproduction that must hold.

One file never stops the others: whatever its reader raises (a Polars panic
included) makes that file ``unreadable`` with a one-line reason; files that
are no input are skipped saying why; special files are reported, never opened.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import polars as pl
import pytest

from opsrca.ingest import ingest_paths, read_file
from opsrca.ingest import stream as stream_mod
from opsrca.ingest import wholefile as wholefile_mod
from opsrca.ingest.boundary import IngestInterrupted
from opsrca.ingest.csvread import read_csv_text
from opsrca.ingest.detect import split_header
from opsrca.ingest.normalize import CONTENT_ID
from opsrca.ingest.route import SKIPPED, UNREADABLE, route
from opsrca.ingest.writer import DuckDBWriter
from opsrca.report.labels import labels

QIMEN = "同步时间,接口名称,店铺,商品编码,仓库编码,同步状态,错误码,错误信息"
TIKTOK = (
    "error_id,shop_id,region,api_endpoint,http_method,http_status,error_code,"
    "error_message,first_occurred_at,retry_count"
)


def _qimen_rows(n: int, *, start: int = 0) -> list[str]:
    return [
        f"2026-11-02 10:{(start + i) % 60:02d}:05,taobao.qimen.item.sync,旗舰店{i % 3},SKU{i},WH01,"
        f"失败,E{i % 7},库存同步失败 第{i}次"
        for i in range(n)
    ]


def _qimen(path: Path, rows: list[str], *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes((newline.join([QIMEN, *rows]) + newline).encode(encoding))
    return path


def _tiktok(path: Path, n: int = 5) -> Path:
    rows = [
        f"73012345{i:011d},shop{i},MY,/api/products/stock,POST,400,12052048,"
        f"stock error {i},2026-11-02 10:13:05,0"
        for i in range(n)
    ]
    path.write_text("\n".join([TIKTOK, *rows]) + "\n", encoding="utf-8")
    return path


def _status(report: object) -> dict[str, tuple[str, str | None]]:
    return {Path(f.path).name: (f.status, f.error) for f in report.files}  # type: ignore[attr-defined]


# --- 1. one boundary per file ------------------------------------------------------------


def test_a_polars_panic_makes_one_file_unreadable_and_the_others_load(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    _qimen(tmp_path / "a_qimen.csv", _qimen_rows(5))
    _tiktok(tmp_path / "b_panics.csv")
    _qimen(tmp_path / "c_qimen.csv", _qimen_rows(5, start=30))
    real = wholefile_mod.normalize

    def panicking(raw, spec, ctx):  # type: ignore[no-untyped-def]
        if ctx.label == "b_panics.csv":
            raise pl.exceptions.PanicException("assertion failed: i < self.len()")
        return real(raw, spec, ctx)

    monkeypatch.setattr(wholefile_mod, "normalize", panicking)
    report = ingest_paths([tmp_path], con)
    got = _status(report)
    assert got["a_qimen.csv"][0] == got["c_qimen.csv"][0] == "loaded"
    status, error = got["b_panics.csv"]
    assert status == "unreadable"
    assert error is not None and "\n" not in error
    assert error.endswith(
        "b_panics.csv: file unreadable: the parser failed (assertion failed: i < self.len())"
    )
    assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] == 10


def test_a_panic_in_a_streamed_piece_makes_the_file_unreadable(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    _qimen(tmp_path / "a_big.csv", _qimen_rows(400))
    _qimen(tmp_path / "b_after.csv", _qimen_rows(3, start=7))
    real = stream_mod.normalize
    calls = []

    def panicking(raw, spec, ctx):  # type: ignore[no-untyped-def]
        calls.append(ctx.label)
        if ctx.label == "a_big.csv" and len(calls) == 2:  # the second piece
            raise pl.exceptions.PanicException("boom")
        return real(raw, spec, ctx)

    monkeypatch.setattr(stream_mod, "normalize", panicking)
    report = ingest_paths([tmp_path], con, piece_bytes=4096)
    got = _status(report)
    assert got["a_big.csv"][0] == "unreadable" and "file unreadable" in (got["a_big.csv"][1] or "")
    assert got["b_after.csv"][0] == "loaded"
    files = con.execute("SELECT DISTINCT source_file FROM events").fetchall()
    assert [Path(f[0]).name for f in files] == ["b_after.csv"]  # nothing of the failed file


def _hostile_workbooks(folder: Path) -> dict[str, str]:
    """The review's seven unreadable workbooks, each with a word its reason must contain."""
    import zipfile

    (folder / "zero.xlsx").write_bytes(b"")
    (folder / "truncated.xlsx").write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40)
    with zipfile.ZipFile(folder / "zip_not_book.xlsx", "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (folder / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    (folder / "garbage.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"garbage" * 20)
    (folder / "listings.xlsx").write_bytes(b"PK\x03\x04 corrupt listings")
    (folder / "products.xlsx").write_bytes(b"PK\x03\x04 corrupt products")
    return {
        "truncated.xlsx": "Excel workbook",
        "zip_not_book.xlsx": "Excel workbook",
        "corrupt.xlsx": "Excel workbook",
        "garbage.xls": "Excel workbook",
        "listings.xlsx": "Excel workbook",
        "products.xlsx": "Excel workbook",
    }


def test_analyze_lists_unreadable_inputs_with_reasons_and_writes_its_report(
    tmp_path: Path,
) -> None:
    from io import StringIO

    from rich.console import Console

    from opsrca.report.analyze import analyze

    dump = tmp_path / "dump"
    dump.mkdir()
    expected = _hostile_workbooks(dump)
    _qimen(dump / "qimen_ok.csv", _qimen_rows(20))
    (dump / "cr_only.csv").write_bytes(("\r".join([QIMEN, *_qimen_rows(4, start=40)])).encode())
    _tiktok(dump / "z_after.csv")
    # malformed listing-check files: found by name and header, unreadable by their check
    (dump / "visitor_profiles.csv").write_text("shop_id,dimension\nS1,age\n", encoding="utf-8")
    (dump / "listings.csv").write_text('item_id,title,account_id\n1,"a\n', encoding="utf-8")
    out = tmp_path / "o[/]ut"  # Rich markup in a path prints as it is
    buf = StringIO()
    result = analyze(
        [dump], db=tmp_path / "a.duckdb", out=out, console=Console(file=buf, width=400)
    )
    got = _status(result.ingest)
    assert got["qimen_ok.csv"][0] == got["z_after.csv"][0] == got["cr_only.csv"][0] == "loaded"
    assert (
        result.ingest.files[
            [Path(f.path).name for f in result.ingest.files].index("cr_only.csv")
        ].events
        == 4
    )
    problems = dict((Path(p).name, r) for p, _status, r in result.summary.input_problems)
    for name, word in expected.items():
        assert word in problems[name], name
        assert "file unreadable" in problems[name]
    assert (
        "visitor_profiles.csv" in problems and "missing column" in problems["visitor_profiles.csv"]
    )
    assert "listings.csv" in problems
    html = Path(result.outputs.report_html).read_text(encoding="utf-8")
    assert labels("zh")["sec_unreadable"] in html  # the report's section, in its language
    printed = buf.getvalue()
    for name in [*expected, "visitor_profiles.csv", "listings.csv"]:
        assert f"{name}: file unreadable:" in printed, name
    assert "Traceback" not in printed
    assert "o[/]ut" in printed


# --- 2. routing by content, special files --------------------------------------------------


def test_documents_images_and_junk_in_a_dump_are_skipped_saying_why(tmp_path: Path) -> None:
    import zipfile

    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj")
    (tmp_path / "export.csv").write_bytes(b"%PDF-1.4 a PDF with an export's name")
    (tmp_path / "shot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with zipfile.ZipFile(tmp_path / "notes.docx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    (tmp_path / "junk.log").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    _tiktok(tmp_path / "tiktok.csv")
    routed = {f.path.name: f for f in route([tmp_path])}
    assert routed["tiktok.csv"].kind == "events"
    notes = {
        "report.pdf": "a PDF document",
        "export.csv": "a PDF document",
        "shot.png": "a PNG image",
        "notes.docx": "a Word document",
        "junk.log": "binary data",
        "README.md": "'.md' is not an input format",
    }
    for name, why in notes.items():
        assert routed[name].kind == SKIPPED, name
        assert f"{name}: skipped: " in (routed[name].note or "") and why in (
            routed[name].note or ""
        )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_dangling_links_and_closed_folders_are_reported(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    _tiktok(dump / "tiktok.csv")
    os.mkfifo(dump / "pipe.csv")
    (dump / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    (dump / "closed").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, followlinks=False):  # type: ignore[no-untyped-def]
        for root, dirs, files in real_walk(top, followlinks=followlinks):
            if Path(root).name == "closed":  # as os.walk reports a folder it may not list
                onerror(PermissionError(13, "Permission denied", root))
                dirs[:] = []
                continue
            yield root, dirs, files

    monkeypatch.setattr(os, "walk", walk)
    report = ingest_paths([dump], con)  # never opens the FIFO (it would block)
    got = _status(report)
    assert got["tiktok.csv"][0] == "loaded"
    assert got["pipe.csv"] == (
        "unreadable",
        f"{dump / 'pipe.csv'}: file unreadable: a named pipe (FIFO), not a file; "
        "copy its content into a file",
    )
    assert got["gone.csv"][0] == "unreadable" and "dangling symlink" in (got["gone.csv"][1] or "")
    assert got["closed"][0] == "unreadable" and "Permission denied" in (got["closed"][1] or "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_explicit_fifo_argument_does_not_abort(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    tiktok = _tiktok(tmp_path / "tiktok.csv")
    report = ingest_paths([tmp_path / "pipe.csv", tiktok], con)
    got = _status(report)
    assert got["tiktok.csv"][0] == "loaded"
    assert got["pipe.csv"][0] == "unreadable" and "FIFO" in (got["pipe.csv"][1] or "")
    assert [f.kind for f in route([tmp_path / "pipe.csv"])] == [UNREADABLE]


# --- 3. tracebacks the review found ------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ending_loads_and_later_files_still_load(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, newline: str
) -> None:
    _qimen(tmp_path / "a.csv", _qimen_rows(6), newline=newline)
    _tiktok(tmp_path / "b.csv")
    got = {Path(f.path).name: f for f in ingest_paths([tmp_path], con).files}
    assert (got["a.csv"].status, got["a.csv"].events, got["a.csv"].rejects) == ("loaded", 6, 0)
    assert got["b.csv"].status == "loaded" and got["b.csv"].events == 5


def test_fields_over_128_kib_load(tmp_path: Path) -> None:
    big = "x" * (200 << 10)
    header = split_header(f'a,"{big}",c', ",")
    assert header[1] == big
    # a stray quote sends the row to Python's csv module (the one with the 128 KiB default)
    text = f'{TIKTOK}\n1,s,MY,/a,POST,400,E,{big} 12" screen,2026-11-02 10:13:05,0\n'
    text += '2,s,MY,/a,POST,400,E,a 12" screen,2026-11-02 10:13:05,0\n'
    raw = read_csv_text(text, name="t.csv")
    assert raw.rows.height == 2 and raw.bad.height == 0
    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8")
    events, rejects = read_file(path)
    assert events.height == 2 and rejects.height == 0


def test_a_field_over_the_csv_limit_is_a_reject_not_a_crash() -> None:
    old = csv.field_size_limit()
    csv.field_size_limit(1000)  # the bounded limit, made small for the test
    try:
        text = f'{TIKTOK}\n1,s,MY,/a,POST,400,E,{"y" * 5000} 12" x,2026-11-02 10:13:05,0\n'
        text += '2,s,MY,/a,POST,400,E,a 12" screen,2026-11-02 10:13:05,0\n'
        raw = read_csv_text(text, name="t.csv")
    finally:
        csv.field_size_limit(old)
    assert raw.rows.height == 1
    assert raw.bad.height == 1 and "larger than" in raw.bad["__msg"][0]


def test_show_prints_a_deeply_nested_payload(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from opsrca.cli import app

    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "tiktok.csv"
    path.write_text(
        f"{TIKTOK},request_payload\n"
        f'7301,shop1,MY,/a,POST,400,E,bad,2026-11-02 10:13:05,0,"{deep}"\n',
        encoding="utf-8",
    )
    db = tmp_path / "s.duckdb"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(path), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["show", "7301", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "[[[[" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "exc", [KeyboardInterrupt(), duckdb.InterruptException("Query interrupted")]
)
def test_ctrl_c_prints_interrupted_and_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    from typer.testing import CliRunner

    import opsrca.ingest
    from opsrca.cli import app

    def interrupted(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(opsrca.ingest, "ingest_paths", interrupted)  # the CLI imports it late
    path = _tiktok(tmp_path / "t.csv")
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(tmp_path / "c.duckdb")])
    assert result.exit_code == 130
    assert result.output.strip() == "interrupted"


@pytest.mark.parametrize("landed", [True, False])
def test_an_interrupt_during_commit_reports_what_the_database_holds(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, landed: bool
) -> None:
    first = _tiktok(tmp_path / "a.csv")
    second = _qimen(tmp_path / "b.csv", _qimen_rows(3))
    real = DuckDBWriter.commit_file

    def commit(self, result):  # type: ignore[no-untyped-def]
        if landed:
            real(self, result)  # COMMIT went through; Ctrl-C arrives as it returns
        raise KeyboardInterrupt

    monkeypatch.setattr(DuckDBWriter, "commit_file", commit)
    with pytest.raises(IngestInterrupted) as info:
        ingest_paths([first, second], con)
    stored = con.execute("SELECT count(*) FROM ingested_files").fetchall()[0][0]
    reported = [f for f in info.value.report.files if f.status == "loaded"]
    assert stored == len(reported) == (1 if landed else 0)
    monkeypatch.setattr(DuckDBWriter, "commit_file", real)
    again = _status(ingest_paths([first, second], con))
    assert again["a.csv"][0] == ("duplicate" if landed else "loaded")
    assert again["b.csv"][0] == "loaded"


# --- 4. stable identity across re-saves --------------------------------------------------


def test_a_resaved_qimen_export_adds_no_events(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    rows = _qimen_rows(12)
    rows.append(rows[3])  # an identical row twice in one file: both are events
    gbk = _qimen(tmp_path / "qimen_sync_log.csv", rows, encoding="gbk")
    first = ingest_paths([gbk], con).files[0]
    assert (first.encoding, first.events, first.rejects) == ("gb18030", 13, 0)
    resaved = _qimen(tmp_path / "qimen_resaved.csv", rows, newline="\r\n")
    second = ingest_paths([resaved], con).files[0]
    assert (second.status, second.events, second.rejects) == ("loaded", 0, 13)
    ids = con.execute("SELECT event_id FROM events").fetchall()
    assert len(ids) == 13 == len({i[0] for i in ids})
    assert all(pl.Series([i[0] for i in ids]).str.contains(CONTENT_ID))


def test_a_resaved_ozon_export_adds_no_events(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, data_dir: Path
) -> None:
    src = (data_dir / "ozon_api_small.jsonl").read_bytes()
    a = tmp_path / "ozon_a.jsonl"
    a.write_bytes(src)
    b = tmp_path / "ozon_b.jsonl"
    b.write_bytes(src.replace(b"\n", b"\r\n"))
    one = ingest_paths([a], con).files[0]
    two = ingest_paths([b], con).files[0]
    assert one.events > 0 and two.events == 0 and two.rejects == one.events + one.rejects


def test_identical_rows_across_pieces_are_all_kept_with_the_whole_file_ids(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    same = _qimen_rows(1)[0]
    rows = [same] * 300 + _qimen_rows(50, start=5) + [same] * 300
    path = _qimen(tmp_path / "qimen_dupes.csv", rows)
    whole, _ = read_file(path)
    report = ingest_paths([path], con, piece_bytes=4096)  # many pieces
    assert report.files[0].events == 650 and report.files[0].rejects == 0
    stored = pl.DataFrame(
        con.execute("SELECT source_line, event_id FROM events ORDER BY source_line").fetchall(),
        schema=["source_line", "event_id"],
        orient="row",
    )
    assert stored["event_id"].to_list() == whole.sort("source_line")["event_id"].to_list()
