"""Where an ingest's time goes, stage by stage, beside a plain read of the same file.

Issue #9 asks ``opsrca ingest`` of a TikTok export for >= 300k rows/s and at most 3x a
plain Polars CSV -> Parquet. This benchmark says which stage sets the ceiling, so a
storage or parser change is judged against the stage that costs, not guessed. Each stage
runs in its own child process (wall seconds, CPU seconds and peak RSS of that child):

1. ``plain``: Polars streams the CSV to Parquet, every column as text (the floor);
2. ``parse``: opsrca's piecewise fast reader splits the file into rows (2 threads);
3. ``normalize, PII kept``: + casts, checks, content ids, templates (no PII masks);
4. ``normalize``: + the PII masks of every text column (what ingest does before storing);
5. ``opsrca ingest``: the whole command (+ the DuckDB write and commit).

Usage: python benchmarks/bench_ingest_stages.py [--rows 1000000] [--file PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measured import run_measured
from realistic import ensure_realistic_dump

PLAIN = """
import sys, tempfile
from pathlib import Path
import polars as pl
with tempfile.TemporaryDirectory() as tmp:
    pl.scan_csv(sys.argv[1], infer_schema=False).sink_parquet(Path(tmp) / "x.parquet")
"""

# the pieces of ingest's own streaming reader, on two threads as ingest runs them
STAGE = """
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from opsrca.ingest import stream
from opsrca.ingest.normalize import FileContext, normalize

path, stage = Path(sys.argv[1]), sys.argv[2]
ctx = FileContext(label=path.name, source_file=str(path), sha256="bench", tz="Asia/Shanghai",
                  keep_pii=stage == "kept")
opened = stream.open_stream(path, ctx=ctx, fmt=None, mappings=None)
spec, read = opened.spec, opened.read

def one(piece_line):
    piece, line = piece_line
    raw = read(piece, line)
    if stage == "parse":
        return raw.rows_in
    events, rejects = normalize(raw, spec, ctx)
    return events.height + rejects.height

def pieces():
    line = opened.first_line
    for piece in stream.pieces(path, opened.start, stream.PIECE_BYTES):
        yield piece, line
        line += piece.count(b"\\n")

with ThreadPoolExecutor(2) as pool:
    print(sum(pool.map(one, pieces())))
"""


def run(args: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """``(wall s, CPU s, peak RSS MB, stdout)`` of one child process."""
    child = run_measured(args, cwd=cwd, stdout=subprocess.PIPE)
    return child.wall, child.cpu, child.peak_mb, child.stdout.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="realistic dump size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file", type=Path, help="a CSV export (default: the dump's TikTok file)")
    args = parser.parse_args()
    src = args.file or ensure_realistic_dump(args.rows, args.seed) / "tiktok_ops_errors.csv"
    src = src.resolve()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        stages = [
            ("plain: Polars CSV -> Parquet", [py, "-c", PLAIN, str(src)]),
            ("parse (fast reader, 2 threads)", [py, "-c", STAGE, str(src), "parse"]),
            ("normalize, PII kept", [py, "-c", STAGE, str(src), "kept"]),
            ("normalize with PII masks", [py, "-c", STAGE, str(src), "masked"]),
            ("opsrca ingest (+ DuckDB store)", [py, "-m", "opsrca", "ingest", str(src),
                                                "--db", str(cwd / "b.duckdb")]),
        ]  # fmt: skip
        results = [(name, *run(cmd, cwd)) for name, cmd in stages]
    rows = int(results[1][4].strip())
    floor = results[0][1]
    print(
        f"{src.name}: {rows:,} rows, {src.stat().st_size / 1e6:,.0f} MB; load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'stage':34s} {'wall s':>7s} {'rows/s':>9s} {'x plain':>8s} {'CPU s':>7s} {'RSS MB':>7s}"
    )
    for name, wall, cpu, rss, _ in results:
        print(
            f"{name:34s} {wall:7.2f} {rows / wall:9,.0f} {wall / floor:8.1f} {cpu:7.2f} {rss:7.0f}"
        )


if __name__ == "__main__":
    main()
