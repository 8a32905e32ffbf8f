"""Large clean dumps: mixed sources that parse with the stated formats, reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from opsrca.generate import write_bench_dump, write_tiktok_csv
from opsrca.generate.sources import QIMEN_COLUMNS, TIKTOK_COLUMNS


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_mixed_dump_totals_and_formats(tmp_path: Path) -> None:
    paths = write_bench_dump(tmp_path, rows=4_000, seed=11)
    names = [p.name for p in paths]
    assert names == [
        "tiktok_ops_errors_bench.csv",
        "qimen_sync_log_bench.csv",
        "ozon_api_bench.jsonl",
        "taobao_distribute_bench.jsonl",
    ]
    tiktok = pl.read_csv(paths[0], infer_schema=False)
    qimen = pl.read_csv(paths[1], infer_schema=False)
    ozon, taobao = _lines(paths[2]), _lines(paths[3])
    assert tiktok.columns == list(TIKTOK_COLUMNS)
    assert qimen.columns == list(QIMEN_COLUMNS)
    assert [tiktok.height, qimen.height, len(ozon), len(taobao)] == [2_200, 800, 600, 400]
    assert tiktok["error_id"].is_unique().all()
    assert 0.3 < (tiktok["error_code"] == "0").mean() < 0.6  # type: ignore[operator]
    assert all(isinstance(o["status"], int) for o in ozon)
    trace = [o["response"]["trace_id"] for o in taobao if o["response"]["trace_id"]]  # type: ignore[index]
    assert trace and len(set(trace)) == len(trace)  # trace_id doubles as event_id: unique


def test_mix_is_a_parameter(tmp_path: Path) -> None:
    paths = write_bench_dump(tmp_path, rows=300, mix={"ozon": 1.0})
    assert [p.name for p in paths] == ["ozon_api_bench.jsonl"]
    assert len(_lines(paths[0])) == 300
    with pytest.raises(ValueError, match="mix"):
        write_bench_dump(tmp_path, rows=10, mix={"amazon": 1.0})
    with pytest.raises(ValueError, match="rows"):
        write_bench_dump(tmp_path, rows=-1)


def test_deterministic(tmp_path: Path) -> None:
    a = write_bench_dump(tmp_path / "a", rows=1_000, seed=5)
    b = write_bench_dump(tmp_path / "b", rows=1_000, seed=5)
    c = write_bench_dump(tmp_path / "c", rows=1_000, seed=6)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()


def test_tiktok_csv(tmp_path: Path) -> None:
    path = write_tiktok_csv(tmp_path / "sub" / "tt.csv", rows=3_000, seed=2)
    frame = pl.read_csv(path, infer_schema=False)
    assert frame.height == 3_000 and frame.columns == list(TIKTOK_COLUMNS)
    assert (
        frame["first_occurred_at"]
        .str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+08:00)$")
        .all()
    )
    assert frame["retry_count"].cast(pl.Int32).is_between(0, 8).all()


def test_output_path_must_be_a_folder(tmp_path: Path) -> None:
    from opsrca.errors import InputError

    file = tmp_path / "f.txt"
    file.write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        write_bench_dump(file, rows=10)
