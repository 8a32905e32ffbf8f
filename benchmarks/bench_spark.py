"""The same realistic dump through the single machine and through Spark at local[1], local[2].

Prints rows/s for each and the local[2]/local[1] speed-up, so scaling with cores is measured,
not claimed. Each run is its own child process.
Spark figures are given twice: the whole command (JVM start included) and the job alone.

- single machine: ``ingest_paths`` + ``decide_templates`` (what ``opsrca analyze`` does
  before its report), into a fresh DuckDB file;
- Spark: ``opsrca.spark.analyze`` (read, template, decide, write the Parquet store);
- the driver's plan alone (route, hash, cut into pieces): the part that does not scale
  with executors.

Usage: python benchmarks/bench_spark.py [--rows 1000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from realistic import ensure_realistic_dump

SINGLE = """
import json, sys, time
from opsrca import store
from opsrca.classify.engine import decide_templates
from opsrca.ingest import ingest_paths
t0 = time.perf_counter()
con = store.connect(sys.argv[2])
report = ingest_paths([sys.argv[1]], con)
run = decide_templates(con)
con.close()
print(json.dumps({"job": time.perf_counter() - t0, "rows": report.rows_in,
                  "templates": run.templates_total}))
"""

PLAN = """
import json, sys, time
from opsrca.spark.plan import Options, plan_tasks
t0 = time.perf_counter()
plan = plan_tasks([sys.argv[1]], Options())
print(json.dumps({"job": time.perf_counter() - t0, "rows": float(sys.argv[2]),
                  "templates": 0, "tasks": len(plan.tasks)}))
"""
"""The driver's own share of a Spark run: route, hash and cut every file (no Spark)."""

SPARK = """
import json, sys, time
from opsrca.spark import analyze, session
spark = session(sys.argv[3])
t0 = time.perf_counter()
run = analyze(spark, [sys.argv[1]], sys.argv[2])
job = time.perf_counter() - t0
spark.stop()
print(json.dumps({"job": job, "rows": run.rows_in, "templates": run.templates}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a child; its JSON line plus wall seconds and peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{err.decode(errors='replace')[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return {**result, "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    dump = ensure_realistic_dump(args.rows, args.seed)
    print(
        f"dump: {dump} ({args.rows:,} rows); cores: {os.cpu_count()}; "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    results: dict[str, dict[str, float]] = {}
    print(f"{'run':<16} {'rows':>10} {'templates':>9} {'job s':>8} {'rows/s':>9} {'wall s':>8}")

    def show(name: str, r: dict[str, float]) -> None:
        results[name] = r
        print(
            f"{name:<16} {int(r['rows']):>10,} {int(r['templates']):>9,} {r['job']:>8.1f} "
            f"{r['rows'] / r['job']:>9,.0f} {r['wall']:>8.1f}",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="opsrca-bench-spark-") as tmp:
        show("driver plan", run(PLAN, str(dump), str(args.rows)))
        show("single machine", run(SINGLE, str(dump), str(Path(tmp) / "one.duckdb")))
        for master in ("local[1]", "local[2]"):
            show(f"spark {master}", run(SPARK, str(dump), str(Path(tmp) / master), master))
    one, two = results["spark local[1]"], results["spark local[2]"]
    print(
        f"local[2]/local[1] speed-up: {one['job'] / two['job']:.2f}x (job), "
        f"{one['wall'] / two['wall']:.2f}x (wall)"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f} (the machine is shared: expect noise)")


if __name__ == "__main__":
    main()
