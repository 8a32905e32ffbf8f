"""`opsrca classify FILE` on an export bigger than a piece: read, templated and spilled piece by
piece (memory follows the piece, not the file), with the answers and ids of a whole-file read."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opsrca.classify import engine
from opsrca.ingest import pipeline

SAMPLE = Path(__file__).parents[2] / "src" / "opsrca" / "samples" / "dump"


@pytest.mark.parametrize("name", ["qimen_sync_log_20261102.csv", "ozon_api_2026-11.jsonl"])
def test_pieces_give_the_whole_file_answers(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / name
    body = (SAMPLE / name).read_bytes()
    if name.endswith(".csv"):  # the same records twice: content ids must be numbered over pieces
        head, rest = body.split(b"\n", 1)
        src.write_bytes(head + b"\n" + rest + (b"" if rest.endswith(b"\n") else b"\n") + rest)
    else:
        src.write_bytes(body + body)
    whole = engine.classify_frame(engine.read_input(src))

    monkeypatch.setattr(pipeline, "PIECE_BYTES", 16 << 10)  # many pieces of 16 KB
    pieces = list(engine._input_pieces(src))
    assert len(pieces) > 4
    out = tmp_path / "out.parquet"
    counts = engine.classify_file(src, out)
    got = pl.read_parquet(out)

    assert got.height == whole.height
    assert got["event_id"].n_unique() == got.height  # repeated records keep distinct ids
    assert got["event_id"].to_list() == whole["event_id"].to_list()
    assert got["root_cause"].to_list() == whole["root_cause"].to_list()
    assert got["template"].to_list() == whole["template"].to_list()
    per_cause = whole.group_by("root_cause").len("events")
    assert dict(counts.select("root_cause", "events").iter_rows()) == dict(per_cause.iter_rows())


def test_a_plain_table_with_a_message_column_is_read_as_it_is(tmp_path: Path) -> None:
    src = tmp_path / "msgs.csv"
    src.write_text("id,message\n1,Invalid access token\n2,库存不足\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    engine.classify_file(src, out, lang="en")
    got = pl.read_csv(out, infer_schema=False)
    assert got["id"].to_list() == ["1", "2"] and got["root_cause"].null_count() == 0


def test_a_file_no_reader_knows_names_its_columns(tmp_path: Path) -> None:
    src = tmp_path / "other.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(Exception, match="no 'message' column"):
        engine.classify_file(src, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").exists()
