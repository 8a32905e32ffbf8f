"""The realistic profile: a dump shaped like the world, at any size, with its truth.

``write_realistic_dump(out, rows=N, seed=S)`` writes ``out/realistic/``: a TikTok ops
error export (UTF-8 with BOM), two Qimen 同步日志 exports (UTF-8, and GBK with CRLF
newest first, as Chinese Excel saves it), an Ozon Seller API log and a Taobao
distribution-publish gateway log (JSON Lines), plus ``truth.parquet`` (not an ingest
input: its suffix is skipped when the folder is ingested). Every file is built chunk
by chunk from its own random stream ``(seed, file, chunk)``: memory does not grow
with ``rows`` and the same seed writes the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from opsrca.generate import realistic_sources as rs
from opsrca.generate.dump import _prepare
from opsrca.generate.mess import BOM
from opsrca.generate.sources import QIMEN_COLUMNS, TIKTOK_COLUMNS
from opsrca.generate.world import World, draw_rows, make_world

CHUNK_ROWS = 100_000
TRUTH_FILE = "truth.parquet"
TRUTH_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("line", pa.int64()),
        ("event_key", pa.string()),
        ("is_error", pa.bool_()),
        ("root_cause", pa.string()),
        ("template_id", pa.int32()),
    ]
)


@dataclass(frozen=True)
class OutFile:
    """One output file of the profile and how it is written."""

    key: str  # the profile's [mix] key
    name: str
    platform: str
    build: Callable[..., pl.DataFrame]
    columns: tuple[str, ...] | None = None  # CSV columns; None: JSON Lines (a ``line`` column)
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    descending: bool = False  # newest first, as console exports list rows
    key_from_source: bool = (
        False  # the ingest's event_id is the source's own id (else a content id)
    )

    @property
    def first_line(self) -> int:
        return 2 if self.columns else 1


OUT_FILES: tuple[OutFile, ...] = (
    OutFile("tiktok", "tiktok_ops_errors.csv", "tiktok", rs.tiktok, TIKTOK_COLUMNS, "utf-8", bom=True, key_from_source=True),
    OutFile("qimen", "qimen_sync_log.csv", "qimen", rs.qimen, QIMEN_COLUMNS),
    OutFile("qimen_gbk", "qimen_sync_log_gbk.csv", "qimen", rs.qimen, QIMEN_COLUMNS, "gbk", newline="\r\n", descending=True),
    OutFile("ozon", "ozon_seller_api.jsonl", "ozon", rs.ozon),
    OutFile("taobao", "taobao_distribute.jsonl", "taobao", rs.taobao, key_from_source=True),
)  # fmt: skip


def split_rows(rows: int, mix: dict[str, float]) -> dict[str, int]:
    """Rows per output file: floor of each share, the remainder to the first file."""
    keys = [f.key for f in OUT_FILES]
    shares = np.array([mix.get(k, 0.0) for k in keys])
    counts = np.floor(shares / shares.sum() * rows).astype(int)
    counts[0] += rows - counts.sum()
    return dict(zip(keys, (int(c) for c in counts), strict=True))


def _chunks(world: World, spec: OutFile, n: int, seed: int) -> Iterator[tuple[int, pl.DataFrame]]:
    for index, start in enumerate(range(0, n, CHUNK_ROWS)):
        stop = min(n, start + CHUNK_ROWS)
        rng = np.random.default_rng([seed, OUT_FILES.index(spec), index])
        rows = draw_rows(world, spec.platform, rng, start, stop, n, descending=spec.descending)
        extra = {"offset": start} if spec.platform == "taobao" else {}
        yield start, spec.build(world, rows, rng, **extra)


def _encode(spec: OutFile, frame: pl.DataFrame, *, header: bool) -> bytes:
    buf = io.BytesIO()
    if spec.columns is None:
        frame.select("line").write_csv(buf, include_header=False, quote_style="never")
    else:
        frame.select(spec.columns).write_csv(
            buf, include_header=header, line_terminator=spec.newline
        )
    data = buf.getvalue()  # Polars writes UTF-8
    return data if spec.encoding == "utf-8" else data.decode("utf-8").encode(spec.encoding)


def _truth(spec: OutFile, start: int, frame: pl.DataFrame) -> pl.DataFrame:
    key = (
        frame["_key"] if spec.key_from_source else pl.Series([None] * frame.height, dtype=pl.String)
    )
    return pl.DataFrame(
        {
            "file": pl.Series([spec.name] * frame.height, dtype=pl.String),
            "line": pl.int_range(
                start + spec.first_line, start + spec.first_line + frame.height, eager=True
            ),
            "event_key": key.replace("", None),
            "is_error": frame["_tid"] >= 0,
            "root_cause": frame["_label"],
            "template_id": frame["_tid"],
        }
    )


def realistic_frames(rows: int, seed: int = 7) -> dict[str, pl.DataFrame]:
    """The rows of every output file as frames, in memory (for tests and small ``rows``).

    CSV files have their columns, JSON Lines files one ``line`` column; all carry
    ``_label`` (root cause, null on success), ``_tid`` (template, -1 on success) and ``_key``.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows!r}")
    world = make_world(seed)
    counts = split_rows(rows, world.profile.mix)
    out = {}
    for spec in OUT_FILES:
        parts = [frame for _, frame in _chunks(world, spec, counts[spec.key], seed)]
        if parts:
            out[spec.name] = pl.concat(parts)
    return out


def _write_file(world: World, spec: OutFile, n: int, seed: int, path: Path, tmp: Path) -> str:
    """Write one file and its truth rows (to ``tmp``); returns the file's sha256."""
    digest = hashlib.sha256()
    with path.open("wb") as fh, pq.ParquetWriter(tmp, TRUTH_SCHEMA) as truth:
        if spec.bom:
            fh.write(BOM)
            digest.update(BOM)
        for start, frame in _chunks(world, spec, n, seed):
            data = _encode(spec, frame, header=start == 0)
            fh.write(data)
            digest.update(data)
            truth.write_table(_truth(spec, start, frame).to_arrow().cast(TRUTH_SCHEMA))
    return digest.hexdigest()


def write_realistic_dump(out_dir: Path, *, rows: int, seed: int = 7) -> list[Path]:
    """Write ``out_dir/realistic/``: ``rows`` rows over five source files, and ``truth.parquet``.

    The truth has one row per data row: ``file``, ``line`` (physical, 1-based, CSV
    header = line 1), ``event_key`` (the source's own id, which ingest keeps as ``event_id``:
    TikTok ``error_id``, Taobao ``trace_id``; null where the source has none and ingest
    makes a content id: join those on file and line), ``is_error``,
    ``root_cause`` (the catalog entry's label, null on success) and ``template_id``.
    Returns the written paths, truth last.
    """
    if rows < 0:
        raise ValueError(f"rows must be >= 0, got {rows!r}")
    out = _prepare(Path(out_dir) / "realistic")
    world = make_world(seed)
    counts = split_rows(rows, world.profile.mix)
    tmp_dir = out / ".truth-parts"
    tmp_dir.mkdir(exist_ok=True)
    written: list[Path] = []
    parts: list[tuple[Path, str]] = []
    try:
        for spec in OUT_FILES:
            path = out / spec.name
            if counts[spec.key] == 0:
                path.unlink(missing_ok=True)
                continue
            tmp = tmp_dir / f"{spec.key}.parquet"
            sha = _write_file(world, spec, counts[spec.key], seed, path, tmp)
            written.append(path)
            parts.append((tmp, sha))
        truth_path = out / TRUTH_FILE
        with pq.ParquetWriter(truth_path, TRUTH_SCHEMA) as writer:
            for tmp, _sha in parts:
                for batch in pq.ParquetFile(tmp).iter_batches(batch_size=CHUNK_ROWS):
                    writer.write_batch(batch.cast(TRUTH_SCHEMA))
        written.append(truth_path)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return written
