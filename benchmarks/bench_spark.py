"""The same realistic dump through the single machine and through Spark at local[1], local[2].

Prints rows/s for each and the local[2]/local[1] speed-up, so scaling with cores is measured,
not claimed. Each run is its own child process.
Spark figures are given twice: the whole command (JVM start included) and the job alone.
On a shared machine wall time follows the others' load, so each run also gives the CPU
seconds of its whole process tree (the JVM and its Python workers included; sampled from
/proc twice a second, Linux only) and rows per CPU second: the per-core throughput.

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
import resource
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
plan = plan_tasks([sys.argv[1]], Options(), parallelism=2)
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


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds so far of ``root`` and its descendants (max per pid)."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in stats.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    for pid in tree & stats.keys():
        seen[pid] = max(seen.get(pid, 0.0), stats[pid][1])


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a child; its JSON line plus wall and CPU seconds (whole process tree)."""
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    seen: dict[int, float] = {}
    sample = Path("/proc").is_dir()
    while sample and proc.poll() is None:
        _tree_cpu(proc.pid, seen)
        time.sleep(0.5)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the child itself exactly (it is waited for); its descendants (the JVM, which
    # PySpark never waits for, and the Python workers) as last sampled
    seen[proc.pid] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"child failed:\n{err.decode(errors='replace')[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    return {**result, "wall": wall, "cpu": sum(seen.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--runs",
        default="plan,single,local[1],local[2]",
        help="comma-separated: plan, single, and Spark masters (default: all four)",
    )
    args = parser.parse_args()
    wanted = args.runs.split(",")
    dump = ensure_realistic_dump(args.rows, args.seed)
    print(
        f"dump: {dump} ({args.rows:,} rows); cores: {os.cpu_count()}; "
        f"load average: {os.getloadavg()[0]:.1f}"
    )
    results: dict[str, dict[str, float]] = {}
    print(
        f"{'run':<16} {'rows':>10} {'templates':>9} {'job s':>8} {'rows/s':>9} {'wall s':>8} "
        f"{'CPU s':>8} {'rows/CPU s':>10} {'load':>5}"
    )

    def show(name: str, r: dict[str, float]) -> None:
        results[name] = r
        print(
            f"{name:<16} {int(r['rows']):>10,} {int(r['templates']):>9,} {r['job']:>8.1f} "
            f"{r['rows'] / r['job']:>9,.0f} {r['wall']:>8.1f} {r['cpu']:>8.1f} "
            f"{r['rows'] / r['cpu']:>10,.0f} {os.getloadavg()[0]:>5.1f}",
            flush=True,
        )

    with tempfile.TemporaryDirectory(prefix="opsrca-bench-spark-") as tmp:
        if "plan" in wanted:
            show("driver plan", run(PLAN, str(dump), str(args.rows)))
        if "single" in wanted:
            show("single machine", run(SINGLE, str(dump), str(Path(tmp) / "one.duckdb")))
        for master in (w for w in wanted if w.startswith("local") or "://" in w):
            show(f"spark {master}", run(SPARK, str(dump), str(Path(tmp) / master), master))
    if "spark local[1]" in results and "spark local[2]" in results:
        one, two = results["spark local[1]"], results["spark local[2]"]
        print(
            f"local[2]/local[1] speed-up: {one['job'] / two['job']:.2f}x (job), "
            f"{one['wall'] / two['wall']:.2f}x (wall); CPU s {one['cpu']:.0f} -> {two['cpu']:.0f}"
        )
    if "single machine" in results and "spark local[1]" in results:
        one, single = results["spark local[1]"], results["single machine"]
        print(
            f"per core, Spark local[1] / single machine: {one['job'] / single['job']:.2f}x the "
            f"time, {one['cpu'] / single['cpu']:.2f}x the CPU seconds"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f} (the machine is shared: expect noise)")


if __name__ == "__main__":
    main()
