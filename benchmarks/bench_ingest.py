"""Ingest benchmark: N rows of mixed sources through the real ``ingest_paths`` code path.

Prints rows/s, MB/s and peak RSS of the ingest, beside two ceilings measured in
the same run: a plain ``polars.read_csv`` of the largest CSV (parsing alone) and
DuckDB loading the raw files into a database file by itself (writing alone).
With ``--cli-rows`` it also times the whole ``opsrca ingest`` process on a
TikTok-only export of that many rows (target >= 300k rows/s).

The dump comes from the repo's seeded generator (``opsrca.generate``): a TikTok
CSV, a Qimen CSV, an Ozon and a Taobao JSON Lines file (55/20/15/10 %).
Generation runs in a child process so the peak RSS printed is the ingest's own.

Usage: python benchmarks/bench_ingest.py [--rows 1000000] [--cli-rows 2000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from measured import run_measured


def generate(out: Path, rows: int, tiktok_only: bool = False) -> list[Path]:
    """The bench input from the repo's seeded generator: the mixed dump, or one TikTok export."""
    from opsrca.generate import write_bench_dump, write_tiktok_csv

    out.mkdir(parents=True, exist_ok=True)
    if tiktok_only:
        return [write_tiktok_csv(out / "tiktok_ops_errors_cli.csv", rows=rows, seed=7)]
    return list(write_bench_dump(out, rows=rows, seed=7))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _duckdb_native_load(files: list[Path], db: Path) -> float:
    """Seconds DuckDB alone takes to load the raw files into a database file (the write ceiling).

    Every column stays text and nothing is checked or masked, so this is a
    lower bound for any ingest that ends in a DuckDB file on this machine.
    """
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    for i, path in enumerate(files):
        src = str(path).replace("'", "''")
        reader = (
            f"read_csv('{src}', all_varchar = true)"
            if path.suffix == ".csv"
            else f"read_json('{src}', format = 'newline_delimited', records = false)"
        )
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {reader}")
    con.close()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the numbers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument(
        "--cli-rows", type=int, default=0, help="also time `opsrca ingest` on a TikTok-only export"
    )
    ap.add_argument("--keep", type=Path, default=None, help="write the dump here and keep it")
    ap.add_argument("--generate-only", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--tiktok-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_only:
        print(
            json.dumps([str(p) for p in generate(args.generate_only, args.rows, args.tiktok_only)])
        )
        return 0

    from opsrca import store
    from opsrca.ingest import ingest_paths

    with tempfile.TemporaryDirectory(prefix="opsrca-bench-") as tmp:
        work = args.keep or Path(tmp)
        t0 = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--rows",
                str(args.rows),
                "--generate-only",
                str(work / "dump"),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        files = [Path(p) for p in json.loads(out.stdout.strip().splitlines()[-1])]
        size = sum(p.stat().st_size for p in files)
        print(
            f"generated {len(files)} files, {size / 1e6:,.1f} MB in {time.perf_counter() - t0:.1f} s"
        )

        con = store.connect(Path(tmp) / "bench.duckdb")
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        report = ingest_paths(files, con)
        con.close()  # inside the timing: closing may checkpoint what the commits left
        took = time.perf_counter() - t0
        cpu = _cpu_seconds() - cpu0
        rss = _peak_rss_mb()
        rows = report.rows_in
        print(
            f"ingest: {rows:,} rows in ({report.events:,} events, {report.rejects:,} rejects) in {took:.2f} s"
        )
        for f in report.files:
            print(
                f"  {Path(f.path).name}: {f.source_format} {f.encoding} rows={f.rows_in:,} status={f.status}"
            )
        print(
            f"  {rows / took:,.0f} rows/s   {size / 1e6 / took:,.1f} MB/s   peak RSS {rss:,.0f} MB"
        )
        print(
            f"  CPU time {cpu:.1f} s over {os.cpu_count()} cores ({rows / cpu:,.0f} rows per CPU-second); "
            f"load average {os.getloadavg()[0]:.1f} (other processes inflate wall time)"
        )

        csvs = [p for p in files if p.suffix == ".csv"]
        if csvs:
            biggest = max(csvs, key=lambda p: p.stat().st_size)
            t0 = time.perf_counter()
            plain = pl.read_csv(biggest, infer_schema=False)
            plain_s = time.perf_counter() - t0
            share = next((f.rows_in for f in report.files if f.path == str(biggest)), plain.height)
            ingest_rate, plain_rate = rows / took, plain.height / plain_s
            print(
                f"plain polars.read_csv of {biggest.name}: {plain.height:,} rows in {plain_s:.2f} s "
                f"({plain_rate:,.0f} rows/s); ingest/plain rate ratio {ingest_rate / plain_rate:.2f} "
                f"(plain is {plain_rate / ingest_rate:.1f}x faster; {share:,} rows of it ingested)"
            )
            del plain

        native_s = _duckdb_native_load(files, Path(tmp) / "native.duckdb")
        print(
            f"DuckDB-native load of the same files (read_csv/read_json into tables, all text, "
            f"no normalizing or masking): {native_s:.2f} s ({rows / native_s:,.0f} rows/s); "
            f"ingest reaches {native_s / took:.0%} of it"
        )

        if args.cli_rows:
            gen = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--rows",
                    str(args.cli_rows),
                    "--tiktok-only",
                    "--generate-only",
                    str(work / "cli"),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            tt = Path(json.loads(gen.stdout.strip().splitlines()[-1])[0])
            exe = Path(sys.executable).with_name("opsrca")
            cmd = [str(exe), "ingest", str(tt), "--db", str(Path(tmp) / "cli.duckdb"), "-q"]
            child = run_measured(cmd, stderr=subprocess.DEVNULL, ok=None)  # its own peak RSS
            print(
                f"`opsrca ingest` process on a {args.cli_rows:,}-row TikTok export "
                f"({tt.stat().st_size / 1e6:,.0f} MB): {child.wall:.2f} s wall, "
                f"{args.cli_rows / child.wall:,.0f} rows/s, "
                f"peak RSS {child.peak_mb:,.0f} MB, exit {child.returncode}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
