"""The driver's plan and the executors' parse, without Spark: pieces cover every line once."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opsrca.ingest import read_file
from opsrca.ingest.stream import PIECE_BYTES
from opsrca.paths import SAMPLE_DUMP_DIR
from opsrca.spark.batches import parse_task
from opsrca.spark.plan import MIN_PIECE_BYTES, TASKS_PER_CORE, Options, piece_size, plan_tasks


def _parsed(path: Path, piece_bytes: int) -> tuple[pl.DataFrame, int]:
    opts = Options(piece_bytes=piece_bytes)
    plan = plan_tasks([path], opts)
    frames = [parse_task(t, opts, "b") for t in plan.tasks]
    return pl.concat(frames), len(plan.tasks)


def test_pieces_give_the_events_and_rejects_of_the_whole_file(realistic_dump: Path) -> None:
    for name in ("tiktok_ops_errors.csv", "ozon_seller_api.jsonl", "qimen_sync_log_gbk.csv"):
        path = realistic_dump / name
        events, rejects = read_file(path)
        parsed, tasks = _parsed(path, 64 << 10)
        assert tasks > 3, name  # really cut into pieces
        got = parsed.filter(pl.col("__kind") == "event").select("event_id", "template_id")
        assert got.sort("event_id").equals(
            events.select("event_id", "template_id").sort("event_id")
        )
        assert parsed.filter(pl.col("__kind") == "reject").height == rejects.height
        rows_in = parsed.filter(pl.col("__kind") == "file")["__rows_in"].sum()
        assert rows_in == events.height + rejects.height


def test_a_repeated_file_is_planned_once(tmp_path: Path) -> None:
    sample = SAMPLE_DUMP_DIR / "ozon_api_2026-11.jsonl"
    for name in ("a.jsonl", "b.jsonl"):
        (tmp_path / name).write_bytes(sample.read_bytes())
    plan = plan_tasks([tmp_path], Options())
    assert [t.path for t in plan.tasks] == [str(tmp_path / "a.jsonl")]
    assert [(Path(f.path).name, f.status) for f in plan.skipped] == [("b.jsonl", "duplicate")]


def test_pieces_follow_the_cores_within_bounds() -> None:
    mb = 1 << 20
    assert piece_size(400 * mb, 2) == PIECE_BYTES  # big inputs: the streaming reader's piece
    assert piece_size(400 * mb, 2, most=100 * mb) == -(-400 * mb // (TASKS_PER_CORE * 2))
    assert piece_size(60 * mb, 2) == 10 * mb  # 6 tasks for 2 cores
    assert piece_size(60 * mb, 8) == MIN_PIECE_BYTES  # never tiny pieces
    with pytest.raises(ValueError, match="parallelism"):
        piece_size(mb, 0)


def test_the_biggest_tasks_come_first(realistic_dump: Path) -> None:
    plan = plan_tasks([realistic_dump], Options(), parallelism=2)
    sizes = [t.size for t in plan.tasks]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == (realistic_dump / "tiktok_ops_errors.csv").stat().st_size
