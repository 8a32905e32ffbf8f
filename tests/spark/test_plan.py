"""The driver's plan and the executors' parse, without Spark: pieces cover every line once."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from opsrca.ingest import read_file
from opsrca.paths import SAMPLE_DUMP_DIR
from opsrca.spark.batches import parse_task
from opsrca.spark.plan import Options, plan_tasks


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
