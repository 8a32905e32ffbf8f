"""Large clean dumps for benchmarks: mixed sources, built column-wise in seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from opsrca.errors import InputError
from opsrca.generate import jsonl_sources as jsrc
from opsrca.generate import sources as src
from opsrca.generate.catalog import PLATFORMS, Catalog, load_catalog

BENCH_MIX: dict[str, float] = {"tiktok": 0.55, "qimen": 0.20, "ozon": 0.15, "taobao": 0.10}
SOURCE_INDEX: dict[str, int] = {p: i for i, p in enumerate(PLATFORMS)}


def source_rng(seed: int, source: str) -> np.random.Generator:
    """One independent stream per source, so each file depends only on (seed, source, rows)."""
    return np.random.default_rng([seed, SOURCE_INDEX[source]])


PLANNERS = {
    "tiktok": (src.tiktok_plan, src.tiktok_frame),
    "qimen": (src.qimen_plan, src.qimen_frame),
    "ozon": (jsrc.ozon_plan, jsrc.ozon_frame),
    "taobao": (jsrc.taobao_plan, jsrc.taobao_frame),
}
CHUNK_ROWS = 250_000  # frames are built per chunk: bounded memory for multi-million-row files


def build(
    source: str, rows: int, rng: np.random.Generator, catalog: Catalog, *, incidents: bool = True
) -> pl.DataFrame:
    """The event frame of one source (source columns + meta columns), in one piece."""
    plan_fn, frame_fn = PLANNERS[source]
    plan = plan_fn(rng, rows, catalog, incidents=incidents and rows >= 50)
    return frame_fn(plan, rng, catalog)


def write_source(
    source: str, rows: int, rng: np.random.Generator, catalog: Catalog, path: Path
) -> None:
    """Write one clean source file chunk by chunk (CSV with header, or JSON Lines)."""
    plan_fn, frame_fn = PLANNERS[source]
    plan = plan_fn(rng, rows, catalog, incidents=rows >= 50)
    columns = {"tiktok": src.TIKTOK_COLUMNS, "qimen": src.QIMEN_COLUMNS}.get(source)
    with path.open("wb") as fh:
        for start in range(0, max(rows, 1), CHUNK_ROWS):
            frame = frame_fn(plan.slice(start, start + CHUNK_ROWS), rng, catalog, offset=start)
            if columns is None:
                frame.select("line").write_csv(fh, include_header=False, quote_style="never")
            else:
                frame.select(columns).write_csv(fh, include_header=start == 0)


def _prepare(out_dir: Path) -> Path:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(
            f"output path {str(out)!r} exists and is not a folder; give a folder for the generated files"
        )
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_tiktok_csv(path: Path, *, rows: int, seed: int = 7) -> Path:
    """A clean TikTok ops-error export of ``rows`` rows (the 2M-row ingest benchmark input)."""
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows!r}")
    path = Path(path)
    _prepare(path.parent)
    write_source("tiktok", rows, source_rng(seed, "tiktok"), load_catalog(), path)
    return path


def write_bench_dump(
    out_dir: Path, *, rows: int, seed: int = 7, mix: dict[str, float] | None = None
) -> list[Path]:
    """Clean mixed-source files totalling ``rows`` rows (default mix 55/20/15/10 %).

    Files: ``tiktok_ops_errors_bench.csv``, ``qimen_sync_log_bench.csv`` (UTF-8),
    ``ozon_api_bench.jsonl``, ``taobao_distribute_bench.jsonl``; sources with no rows are skipped.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows!r}")
    mix = mix or BENCH_MIX
    bad = [k for k in mix if k not in PLATFORMS]
    if bad or not mix or sum(mix.values()) <= 0:
        raise ValueError(f"mix must map sources {PLATFORMS} to positive shares, got {mix!r}")
    out = _prepare(out_dir)
    catalog = load_catalog()
    names = [p for p in PLATFORMS if mix.get(p, 0) > 0]
    shares = np.array([mix[p] for p in names], dtype=float)
    counts = np.floor(shares / shares.sum() * rows).astype(int)
    counts[0] += rows - counts.sum()
    written: list[Path] = []
    for source, n in zip(names, counts, strict=True):
        if n <= 0:
            continue
        name = {
            "tiktok": "tiktok_ops_errors_bench.csv",
            "qimen": "qimen_sync_log_bench.csv",
            "ozon": "ozon_api_bench.jsonl",
            "taobao": "taobao_distribute_bench.jsonl",
        }[source]
        path = out / name
        write_source(source, int(n), source_rng(seed, source), catalog, path)
        written.append(path)
    return written
