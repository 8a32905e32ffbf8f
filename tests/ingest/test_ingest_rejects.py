"""Bad rows are data: rows in = events + rejects, with file, line, field and reason."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsrca.ingest import read_file
from opsrca.ingest.csvread import read_csv_bytes

HEADER = "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count"


def test_messy_csv_accounting(data_dir: Path) -> None:
    events, rejects = read_file(data_dir / "tiktok_ops_errors_messy.csv")
    # 9 data rows (E1..E9); the two blank lines are not rows
    assert events.height + rejects.height == 9
    assert events["event_id"].to_list() == ["E1", "E2", "E8", "E9"]
    assert events["source_line"].to_list() == [2, 5, 11, 13]  # physical lines, header = 1
    assert events["message"][0] == "multi\nline message"  # quoted newline kept
    assert events["http_status"][1] == 200 and events["retry_count"][1] == 1  # "200", "1"
    assert events["payload"][0] == '{"vendor_note":"note one"}'
    assert rejects["source_line"].to_list() == [6, 7, 8, 9, 10]
    reasons = rejects["reason"].to_list()
    assert reasons[0].startswith(
        "tiktok_ops_errors_messy.csv line 6: ragged row: expected 8 fields"
    )
    assert "found 9" in reasons[1]
    assert (
        reasons[2]
        == "tiktok_ops_errors_messy.csv line 8: field 'http_status': cannot parse 'abc' as a whole number"
    )
    assert reasons[3] == (
        "tiktok_ops_errors_messy.csv line 9: field 'first_occurred_at': cannot parse '2026-13-45' as a timestamp"
    )
    assert "unbalanced quote" in reasons[4]
    assert rejects["field"].to_list() == [None, None, "http_status", "first_occurred_at", None]
    assert rejects["raw"][2].startswith("E5,/a,abc")


def test_unbalanced_quote_does_not_swallow_the_rest(tmp_path: Path) -> None:
    lines = [HEADER, 'E1,/a,500,1,"never closed,2026-11-02T02:13:05Z,0']
    lines += [f"E{i},/a,500,1,row {i},2026-11-02T02:13:05Z,0" for i in range(2, 50)]
    path = tmp_path / "tiktok_quote.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    events, rejects = read_file(path)
    assert events.height == 48 and rejects["source_line"].to_list() == [2]


def test_one_megabyte_message(tmp_path: Path) -> None:
    big = "错" * 350_000 + "x" * 10  # > 1 MB in UTF-8
    path = tmp_path / "tiktok_big.csv"
    path.write_text(
        f'{HEADER}\nE1,/a,500,1,"{big}",2026-11-02T02:13:05Z,0\nE2,/a,200,0,ok,2026-11-02T02:13:06Z,0\n',
        encoding="utf-8",
    )
    events, rejects = read_file(path)
    assert rejects.height == 0 and events.height == 2
    assert events["message"][0] == big


def test_truncated_json_line(tmp_path: Path) -> None:
    path = tmp_path / "taobao_trunc.jsonl"
    path.write_text(
        '{"time":"2026-11-02 10:13:05","tb_seller_nick":"a","api":"x","response":{"code":0}}\n'
        '{"time":"2026-11-02 10:13:06","tb_seller_nick":"a","api":"x","resp\n',
        encoding="utf-8",
    )
    events, rejects = read_file(path)
    assert events.height == 1 and rejects["source_line"].to_list() == [2]


_cell = st.text(alphabet=st.sampled_from(list('ab错,"\n 1')), max_size=6)
_GOOD_TS = ("2026-11-02T02:13:05Z", "2026-11-02 10:13:05")


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(_cell, min_size=1, max_size=3),
            st.sampled_from([*_GOOD_TS, "2026-13-45", ""]),
            st.booleans(),
            st.sampled_from(["", "\n", 'x"y\n', '"\n']),
        ),
        max_size=12,
    )
)
def test_rows_in_equals_events_plus_rejects(rows: list[tuple[list[str], str, bool, str]]) -> None:
    """Generated messy CSV: nothing is lost and no well-formed row is rejected.

    Rows carry quoted newlines, extra fields (ragged), stray quotes and bad
    timestamps. Accounting: events + rejects = rows in. Every record Python's
    csv module reads as well-formed and valid is an event; malformed text may
    be split into more reject rows than csv sees records (a stray quote is cut
    out line by line instead of swallowing what follows), never fewer rows.
    """
    text = [HEADER + "\n"]
    for cells, ts, quoted, junk in rows:
        row = ["E", "/a", "500", "1", cells[0], ts, "0", *cells[1:]]
        buf = io.StringIO()
        quoting = csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL
        csv.writer(buf, lineterminator="\n", quoting=quoting).writerow(row)
        text.append(buf.getvalue() + junk)
    data = "".join(text)
    raw, _ = read_csv_bytes(data.encode("utf-8"), name="gen.csv")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tiktok_gen.csv"
        path.write_bytes(data.encode("utf-8"))
        events, rejects = read_file(path)
    assert events.height + rejects.height == raw.rows_in
    lines = pl.concat([events["source_line"], rejects["source_line"]])
    assert lines.n_unique() == lines.len()
    if all(junk == "" for *_, junk in rows):  # well-formed CSV: the csv module is the oracle
        records = [r for r in csv.reader(io.StringIO(data)) if any(c.strip() for c in r)][1:]
        valid = [r for r in records if len(r) == 7 and r[5] in _GOOD_TS]
        assert raw.rows_in == len(records)
        assert events.height == len(valid)


def test_literal_quote_inside_unquoted_field_is_text(tmp_path: Path) -> None:
    """``12" screen`` is read as Excel reads it, and the rows after it are untouched."""
    path = tmp_path / "tiktok_inch.csv"
    path.write_text(
        f'{HEADER}\nE1,/a,500,1,bad size 12" screen,2026-11-02T02:13:05Z,0\n'
        'E2,/a,500,1,"two\nlines, quoted",2026-11-02T02:13:06Z,0\n'
        "E3,/a,200,0,ok,2026-11-02T02:13:07Z,0\n",
        encoding="utf-8",
    )
    events, rejects = read_file(path)
    assert rejects.height == 0
    assert events["message"].to_list() == ['bad size 12" screen', "two\nlines, quoted", "ok"]
    assert events["source_line"].to_list() == [2, 3, 5]


@pytest.mark.parametrize("ending", ["\n", ""])
def test_one_extra_empty_field_at_the_end_is_ragged(tmp_path: Path, ending: str) -> None:
    """Polars drops a trailing empty field; the row still has one field too many."""
    good = "E1,/a,500,1,msg,2026-11-02T02:13:05Z,0"
    path = tmp_path / "tiktok_trailing.csv"
    path.write_text(
        f"{HEADER}\n{good}\nE2,/a,500,1,msg,2026-11-02T02:13:05Z,0,{ending}", encoding="utf-8"
    )
    events, rejects = read_file(path)
    assert events["event_id"].to_list() == ["E1"]
    assert rejects["source_line"].to_list() == [3]
    assert "expected 7 fields like the header, found 8" in rejects["reason"][0]
