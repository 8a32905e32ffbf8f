"""Whole-process benchmark on the realistic generator: the figures users get.

Runs the real CLI in child processes on ``opsrca generate --profile realistic`` data (a
month, ~1,240 shops, hex/UUID/alphanumeric/base64 ids, names in messages, quoted empty
cells) and prints, beside a plain read of the same files in the same run:

- ``opsrca analyze`` on the whole dump (fresh database): seconds, rows/s, peak RSS,
  distinct templates, accuracy against the generator's truth;
- the same ``analyze`` again with nothing new (target: at most a third of the first);
- ``opsrca classify --all`` (every template decided again, as after a retrain);
- ``opsrca ingest`` of the TikTok export alone, beside Polars CSV -> Parquet of that file;
- ``opsrca classify FILE`` of the TikTok export's messages (hex/UUID/alphanumeric ids).

Peak RSS is each child's own (forked from a small launcher, ``measured.py``). Usage:
    python benchmarks/bench_analyze.py [--rows 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measured import run_measured
from realistic import ensure_realistic_dump

OPSRCA = [sys.executable, "-m", "opsrca"]


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Run a child process; ``(seconds, peak RSS in MB)`` of that child alone."""
    child = run_measured(args, cwd=cwd, ok=(0, 1))  # 1: analyze found errors
    return child.wall, child.peak_mb


PLAIN_READ = """
import sys, tempfile
from pathlib import Path
import polars as pl
with tempfile.TemporaryDirectory() as tmp:
    for i, f in enumerate(map(Path, sys.argv[1:])):
        if f.suffix == ".csv":
            enc = "utf8-lossy" if "gbk" in f.name else "utf8"
            frame = pl.scan_csv(f, infer_schema=False, encoding=enc)
        else:
            frame = pl.scan_ndjson(f, infer_schema_length=1000)
        frame.sink_parquet(Path(tmp) / f"{i}.parquet")
"""
"""Polars parses every file once, every column, nothing checked (the floor for any ingest);
streamed to Parquet so memory stays flat. Run in a child, like everything measured here: a
child forked from a big parent would inherit the parent's peak RSS."""

ACCURACY = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET memory_limit = '1GB'")
con.execute("SET enable_progress_bar = false")
row = con.execute(
    "SELECT avg((t.root_cause = e.root_cause)::INT), count(*) FROM read_parquet(?) t "
    "JOIN events_classified e ON e.source_line = t.line "
    "AND regexp_extract(e.source_file, '[^/]+$') = t.file WHERE t.is_error",
    [sys.argv[2]],
).fetchall()[0]
tpl = con.execute("SELECT count(*) FROM templates").fetchall()[0][0]
print(row[0], row[1], tpl)
"""
"""Accuracy against the generator's truth and the template count, computed in a child."""

COUNT = """
import sys
import polars as pl
print(pl.scan_csv(sys.argv[1], infer_schema=False).select(pl.len()).collect().item())
"""

MESSAGES = """
import sys
import polars as pl
pl.scan_csv(sys.argv[1], infer_schema=False).select(
    pl.col("error_message").alias("message"), "http_status", "error_code"
).sink_csv(sys.argv[2])
"""


def row(name: str, seconds: float, rows: int, rss: float | None, note: str = "") -> str:
    rss_text = f"{rss:,.0f}" if rss is not None else "-"
    return f"| {name} | {seconds:,.1f} | {rows / seconds:,.0f} | {rss_text} | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    dump = ensure_realistic_dump(args.rows, args.seed)
    files = sorted(p for p in dump.iterdir() if p.suffix in (".csv", ".jsonl"))
    tiktok = dump / "tiktok_ops_errors.csv"
    work = Path(tempfile.mkdtemp(prefix="opsrca-bench-"))
    lines: list[str] = []
    try:
        db = work / "opsrca.duckdb"
        read_s, read_rss = run([sys.executable, "-c", PLAIN_READ, *map(str, files)], work)
        lines.append(
            row(
                "plain read: Polars parses every file to Parquet",
                read_s,
                args.rows,
                read_rss,
                "floor",
            )
        )

        first_s, first_rss = run(
            [*OPSRCA, "analyze", str(dump), "--db", str(db), "--out", str(work / "out")], work
        )
        out = subprocess.run(
            [sys.executable, "-c", ACCURACY, str(db), str(dump / "truth.parquet")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        accuracy, failed, templates = float(out[0]), int(out[1]), int(out[2])
        lines.append(
            row(
                "`opsrca analyze` (fresh database)",
                first_s,
                args.rows,
                first_rss,
                f"{first_s / read_s:.1f}x plain read; {templates:,} templates for {failed:,} failed "
                f"events; accuracy vs truth {accuracy:.3f}",
            )
        )
        again_s, again_rss = run(
            [*OPSRCA, "analyze", str(dump), "--db", str(db), "--out", str(work / "out")], work
        )
        lines.append(
            row(
                "`opsrca analyze` again, nothing new",
                again_s,
                args.rows,
                again_rss,
                f"{again_s / first_s:.2f} of the first run",
            )
        )
        all_s, all_rss = run([*OPSRCA, "classify", "--db", str(db), "--all"], work)
        lines.append(
            row(
                "`opsrca classify --all` (as after a retrain)",
                all_s,
                args.rows,
                all_rss,
                f"{templates:,} templates decided",
            )
        )

        tiktok_rows = int(
            subprocess.run(
                [sys.executable, "-c", COUNT, str(tiktok)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        polars_s, polars_rss = run([sys.executable, "-c", PLAIN_READ, str(tiktok)], work)
        lines.append(
            row(
                "Polars CSV -> Parquet of the TikTok export",
                polars_s,
                tiktok_rows,
                polars_rss,
                "plain",
            )
        )
        ingest_s, ingest_rss = run(
            [*OPSRCA, "ingest", str(tiktok), "--db", str(work / "t.duckdb")], work
        )
        lines.append(
            row(
                "`opsrca ingest` of the TikTok export",
                ingest_s,
                tiktok_rows,
                ingest_rss,
                f"{ingest_s / polars_s:.1f}x Polars CSV -> Parquet",
            )
        )
        messages = work / "messages.csv"
        subprocess.run([sys.executable, "-c", MESSAGES, str(tiktok), str(messages)], check=True)
        cls_s, cls_rss = run(
            [*OPSRCA, "classify", str(messages), "-o", str(work / "c.parquet")], work
        )
        lines.append(
            row("`opsrca classify FILE` (TikTok messages)", cls_s, tiktok_rows, cls_rss, "")
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nrealistic dump: {args.rows:,} rows ({dump}), {os.cpu_count()} cores\n")
    print("| run | seconds | rows/s | peak RSS MB | note |")
    print("|---|---|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
