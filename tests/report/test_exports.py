"""What an analyst hands on: whole exports, ids that survive a spreadsheet, shop names,
filters that tell a typo from "no errors", read commands that classify, one-line errors.

The database is made the way a user makes it: `opsrca ingest` of a TikTok export with
19-digit error ids, 19-digit shop ids and shop names.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import api
from opsrca.cli import app
from opsrca.report.tables import TEXT_MARK, clean_id, write_table

runner = CliRunner()

KAWA, LUNI = "7494000055781384367", "7494000847061248998"
KAWA_ERRORS, LUNI_ERRORS = 60, 5
HEADER = "error_id,shop_id,shop_name,region_code,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count"


def _event_id(i: int) -> str:
    return f"73012345002586{i:05d}"  # 19 digits: more than a spreadsheet number can hold


def tiktok_export(
    path: Path, *, start: int = 0, kawa: int = KAWA_ERRORS, luni: int = LUNI_ERRORS
) -> Path:
    t0 = datetime(2026, 11, 2, 1, 0)
    lines = [HEADER]
    for i in range(kawa):
        at = (t0 + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(
            f"{_event_id(start + i)},{KAWA},Kawa Beauty GB,GB,/product/202309/products,401,105002,"
            f"access token expired,{at},{i % 5}"
        )
    for j in range(luni):
        at = (t0 + timedelta(hours=2, minutes=j)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(
            f"{_event_id(start + 50_000 + j)},{LUNI},Luni Fashion TH,TH,/product/202309/products,400,"
            f"36009004,商品类目不存在 category 100{j} is invalid,{at},1"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ingest(tmp: Path) -> Path:
    db = tmp / "shop.duckdb"
    report = api.ingest([tiktok_export(tmp / "tiktok_errors.csv")], db=db)
    assert report.ok
    return db


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = _ingest(tmp_path_factory.mktemp("exports"))
    api.classify_events(path)
    return path


@pytest.fixture()
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    from opsrca.cli._app import console

    monkeypatch.setattr(console, "width", 200)


def run(*args: str) -> object:
    return runner.invoke(app, [*args])


# ---- every row in files; the terminal says what it left out --------------------------------
def test_file_export_writes_every_matching_row(db: Path, tmp_path: Path, wide: None) -> None:
    out = tmp_path / "kawa.csv"
    result = run("errors", "--db", str(db), "--shop", KAWA, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {KAWA_ERRORS} rows" in result.output
    assert len(pl.read_csv(out)) == KAWA_ERRORS

    table = run("errors", "--db", str(db))
    assert f"showing 50 of {KAWA_ERRORS + LUNI_ERRORS}; --limit 0 for all" in table.output

    cut = run("errors", "--db", str(db), "--limit", "5", "-o", str(tmp_path / "five.csv"))
    assert f"wrote 5 rows of {KAWA_ERRORS + LUNI_ERRORS} matching" in cut.output
    every = run("errors", "--db", str(db), "--format", "json")
    assert len(json.loads(every.stdout)) == KAWA_ERRORS + LUNI_ERRORS


def test_summary_csv_keeps_every_root_cause(db: Path, tmp_path: Path) -> None:
    files = api.report(db, tmp_path / "out")
    frame = pl.read_csv(files.summary_csv)
    assert set(frame["root_cause"]) >= {"auth.token_expired"}
    assert files.summary_csv.read_bytes().startswith(b"\xef\xbb\xbf")


# ---- ids that survive a spreadsheet ---------------------------------------------------------
def test_csv_id_round_trips_into_show(db: Path, tmp_path: Path, wide: None) -> None:
    out = tmp_path / "kawa.csv"
    assert run("errors", "--db", str(db), "--shop", KAWA, "-o", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cell = rows[0]["event_id"]
    assert cell.rstrip(TEXT_MARK).isdigit() and len(cell.rstrip(TEXT_MARK)) == 19
    assert not cell.isdigit()  # a spreadsheet cannot take it for a number
    assert rows[0]["shop_id"] == KAWA + TEXT_MARK
    shown = run("show", cell, "--db", str(db))  # pasted as it is, invisible mark included
    assert shown.exit_code == 0, shown.output
    assert cell.rstrip(TEXT_MARK) in shown.stdout and "access token expired" in shown.stdout
    # a program reading the CSV still gets text, and the message column is untouched
    assert pl.read_csv(out)["event_id"].dtype == pl.String


def test_exported_csv_read_back_gives_the_ids_without_the_mark(
    db: Path, tmp_path: Path, wide: None
) -> None:
    out = tmp_path / "kawa.csv"
    assert run("errors", "--db", str(db), "--shop", KAWA, "-o", str(out)).exit_code == 0
    assert TEXT_MARK in out.read_text(encoding="utf-8-sig")
    again = tmp_path / "again.duckdb"
    loaded = run("ingest", str(out), "--db", str(again))
    assert loaded.exit_code == 0, loaded.output
    ids = api.sql("SELECT event_id, shop_id FROM events ORDER BY event_id", db=again)
    assert ids.height == KAWA_ERRORS and set(ids["shop_id"]) == {KAWA}
    first = ids["event_id"][0]
    assert first.isdigit() and len(first) == 19  # the id, not the id + U+2060
    shown = run("show", first, "--db", str(again))
    assert shown.exit_code == 0, shown.output
    assert "access token expired" in shown.stdout
    # classify reads it the same way: one mark per id cell in what it writes, never two
    classified = tmp_path / "classified.csv"
    assert run("classify", str(out), "-o", str(classified)).exit_code == 0
    with classified.open(encoding="utf-8-sig", newline="") as fh:
        cells = [r["event_id"] for r in csv.DictReader(fh)]
    assert sorted(c.removesuffix(TEXT_MARK) for c in cells) == ids["event_id"].to_list()
    assert all(c.count(TEXT_MARK) == 1 for c in cells)


def test_xlsx_export_opens_with_ids_as_text(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "errors.xlsx"
    result = run("errors", "--db", str(db), "-o", str(out))
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    assert ws.freeze_panes == "A2"
    assert ws.max_row == KAWA_ERRORS + LUNI_ERRORS + 1
    ids = [row[col["event_id"]] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, str) and len(v) == 19 for v in ids)
    assert api.show(ids[0], db=db).event["event_id"] == ids[0]
    shops = {row[col["shop_id"]] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert shops == {KAWA, LUNI}
    assert ws.cell(2, col["error_code"] + 1).data_type == "s"  # codes are text cells too
    messages = [row[col["message"]] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert any("商品类目不存在" in m for m in messages)  # Chinese intact
    assert ws.column_dimensions["A"].width >= 19


def test_export_command_chooses_the_format_by_extension(db: Path, tmp_path: Path) -> None:
    for name in ("events.xlsx", "events.csv", "events.json", "events.parquet"):
        out = tmp_path / name
        result = run("export", "--db", str(db), "--table", "events_classified", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert f"wrote {KAWA_ERRORS + LUNI_ERRORS:,} rows" in result.output
    sheet = openpyxl.load_workbook(tmp_path / "events.xlsx").active
    header = [c.value for c in sheet[1]]
    assert isinstance(sheet.cell(2, header.index("event_id") + 1).value, str)
    assert "root_cause" in header


def test_writer_keeps_short_numbers_and_text_as_they_are(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"id": ["7301234500258600001", "0012", "42", "SKU-1", None], "n": [1, 2, 3, 4, 5]}
    )
    write_table(frame, tmp_path / "t.csv")
    back = pl.read_csv(tmp_path / "t.csv", infer_schema=False)
    assert back["id"].to_list() == [
        "7301234500258600001" + TEXT_MARK,
        "0012" + TEXT_MARK,
        "42",
        "SKU-1",
        None,
    ]
    assert [clean_id(v) for v in back["id"].drop_nulls()] == [
        "7301234500258600001",
        "0012",
        "42",
        "SKU-1",
    ]
    assert (
        clean_id('="7301234500258600001"')
        == clean_id(" '7301234500258600001 ")
        == "7301234500258600001"
    )


# ---- names people know ----------------------------------------------------------------------
def test_shops_table_keeps_names_and_counts(tmp_path: Path) -> None:
    db = _ingest(tmp_path)
    later = tiktok_export(tmp_path / "later.csv", start=10_000, kawa=3, luni=0)
    api.ingest([later], db=db)
    shops = api.sql("SELECT * FROM shops ORDER BY shop_id", db=db)
    assert shops["shop_name"].to_list() == ["Kawa Beauty GB", "Luni Fashion TH"]
    assert shops["events"].to_list() == [KAWA_ERRORS + 3, LUNI_ERRORS]
    assert shops["platform"].to_list() == ["tiktok", "tiktok"]


def test_terminal_shows_name_and_id_without_breaking_the_id(db: Path) -> None:
    result = run("errors", "--db", str(db), "--shop", KAWA, "--limit", "3")  # 80 columns
    assert result.exit_code == 0
    assert "Kawa Beauty" in result.stdout  # the name may wrap between words, the ids may not
    assert f"({KAWA})" in result.stdout and _event_id(KAWA_ERRORS - 1) in result.stdout
    health = run("health", "--db", str(db))
    assert f"({KAWA})" in health.stdout


def test_shop_filter_takes_the_name(db: Path) -> None:
    assert api.errors(db, shop="kawa beauty gb", limit=None).height == KAWA_ERRORS


# ---- filters that tell the truth ------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--platform", "amazon"],
            "unknown --platform 'amazon'; valid: doudian, other, ozon, qimen, taobao, tiktok",
        ),
        (["--category", "auth.token_expird"], "did you mean auth.token_expired"),
        (
            ["--shop", "Kawa Beuty"],
            "no shop matches 'Kawa Beuty'; closest: Kawa Beauty GB (7494000055781384367)",
        ),
        (["--since", "2026-11-05", "--until", "2026-11-01"], "is not before --until"),
    ],
)
def test_a_typo_is_an_error_not_an_empty_result(db: Path, args: list[str], message: str) -> None:
    result = run("errors", "--db", str(db), *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert len(result.output.strip().splitlines()) == 1


# ---- one path that always classifies --------------------------------------------------------
def test_read_commands_classify_what_ingest_loaded(tmp_path: Path, wide: None) -> None:
    db = _ingest(tmp_path)
    result = run("errors", "--db", str(db), "--category", "auth", "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == KAWA_ERRORS  # root causes, not empty
    assert f"classified {KAWA_ERRORS + LUNI_ERRORS} new failed event(s) first" in result.stderr
    health = run("health", "--db", str(db), "--format", "json")
    kawa = next(r for r in json.loads(health.stdout) if r["shop_id"] == KAWA)
    assert kawa["auth_errors"] == KAWA_ERRORS and kawa["shop_name"] == "Kawa Beauty GB"
    assert "classified" not in health.stderr  # nothing new the second time


def test_missing_database_points_to_analyze(tmp_path: Path) -> None:
    result = run("errors", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2
    assert "opsrca analyze PATH" in result.output


# ---- classify reads what ingest reads; errors are one line ----------------------------------
def test_classify_reads_its_own_exports_and_raw_exports(db: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "mine.xlsx"
    assert run("errors", "--db", str(db), "-o", str(xlsx)).exit_code == 0
    raw = tiktok_export(tmp_path / "raw_tiktok.csv")  # error_message, no `message` column
    for source in (xlsx, raw):
        out = tmp_path / f"{source.stem}_classified.xlsx"
        result = run("classify", str(source), "-o", str(out))
        assert result.exit_code == 0, result.output
        sheet = pl.read_excel(out)
        assert sheet.height == KAWA_ERRORS + LUNI_ERRORS
        assert "auth.token_expired" in sheet["root_cause"].to_list()


@pytest.mark.parametrize(
    "args",
    [
        ["errors", "--limit", "-1"],
        ["errors", "--bogus"],
        ["show"],
        ["classify", "no-such-file.csv", "-o", "x.csv"],
        ["classify", "README.md", "-o", "x.csv"],
    ],
)
def test_every_error_is_one_line(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "╭" not in result.output


def test_query_table_never_breaks_an_id(db: Path) -> None:
    sql = "SELECT event_id, shop_id, shop_name, message, payload FROM events ORDER BY event_id LIMIT 3"
    result = run("query", sql, "--db", str(db))  # 80 columns, payloads crowd the table
    assert result.exit_code == 0, result.output
    assert _event_id(0) in result.stdout and KAWA in result.stdout


def test_read_command_without_a_model_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsrca.classify import engine
    from opsrca.errors import ModelError

    def no_model(*_a: object, **_k: object) -> None:
        raise ModelError("no model at /nowhere")

    monkeypatch.setattr(engine, "get_model", no_model)
    db = _ingest(tmp_path)
    result = run("errors", "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == KAWA_ERRORS + LUNI_ERRORS
    assert "were not classified (no model at /nowhere); run `opsrca classify`" in result.stderr
