"""Incidents benchmark: the sparse query against the old dense one, a month and a year.

For each size it writes ``make_incident_load(rows, shops=1000, days=D)`` (a month, then the
same number of events stretched over 12 months) into a DuckDB file, then runs each query in
a fresh process (so its peak RSS is its own) and prints seconds, peak RSS, the process's RSS
before the query, the incidents found and whether the planted bursts were all found. The
dense query materializes every (shop, root cause) series × every 10-minute bucket: it is
skipped when that grid exceeds ``--dense-limit`` cells (1M events over a month × 1,000
shops is ~34M cells and took 400 s and 8.5 GB on the 2-core machine of 2026-12) or when
the load has more than ``--dense-max-rows`` events (its cost is the grid, not the events:
one run shows it). "peak MB" is the query process's peak RSS, "before MB" its RSS after
opening the database, so their difference is what the query itself took.

Usage: python benchmarks/bench_incidents.py [--rows 1000000 5000000] [--dense-limit 40000000]
       [--dense-max-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from opsrca import store
from opsrca.generate.incident_load import make_incident_load
from opsrca.report import views

MONTH, YEAR = 30, 360


def _rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(which: str, db: str) -> None:
    """Run one query on ``db`` and print its figures as one JSON line."""
    from opsrca.report._incidents_reference import dense_incidents
    from opsrca.report.incidents import incidents

    con = views.prepare(store.connect(db, read_only=True))
    before = _rss_mb()
    start = time.perf_counter()
    frame = (incidents if which == "sparse" else dense_incidents)(con)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    keys = frame.select("shop_id", "root_cause", "start").rows()
    print(
        json.dumps(
            {"seconds": seconds, "peak_mb": peak, "before_mb": before, "keys": keys}, default=str
        )
    )


def _build(path: Path, rows: int, days: int) -> tuple[set[tuple[str, str, str]], int, int]:
    """Write the load; return the planted bursts, the error buckets and the dense grid cells."""
    load = make_incident_load(rows, shops=1000, days=days, bursts=20)
    con = store.connect(path)
    try:
        store.append(con, "events", load.events)
        store.save_decisions(con, load.classifications)
        views.prepare(con)
        [(sparse, grid)] = con.sql(
            """WITH c AS (SELECT platform, shop_id, root_cause,
                                 time_bucket(INTERVAL '10 minutes', occurred_at) AS b
                          FROM ev WHERE is_error GROUP BY ALL)
               SELECT count(*), count(DISTINCT (platform, shop_id, root_cause))
                      * (date_diff('minute', min(b), max(b)) // 10 + 1) FROM c"""
        ).fetchall()
    finally:
        con.close()
    planted = {
        (r["shop_id"], r["root_cause"], str(r["start"])) for r in load.bursts.iter_rows(named=True)
    }
    return planted, int(sparse), int(grid)


def main() -> None:
    """Print one line per (size, time range, query)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--dense-limit",
        type=int,
        default=40_000_000,
        help="skip the dense query above this many series × buckets",
    )
    parser.add_argument(
        "--dense-max-rows",
        type=int,
        default=1_000_000,
        help="skip the dense query above this many events (its cost is the grid)",
    )
    parser.add_argument("--child", choices=["sparse", "dense"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.db)
        return
    print(
        f"{'events':>10} {'range':>6} {'query':>6} {'err.buckets':>11} {'grid cells':>11} "
        f"{'seconds':>8} {'peak MB':>8} {'before MB':>9} {'incidents':>9} {'bursts found':>12}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for days in (MONTH, YEAR):
                db = Path(tmp) / f"inc-{rows}-{days}.duckdb"
                planted, sparse, grid = _build(db, rows, days)
                for which in ("sparse", "dense"):
                    head = (
                        f"{rows:>10,} {('month' if days == MONTH else 'year'):>6} {which:>6} "
                        f"{sparse:>11,} {grid:>11,}"
                    )
                    if which == "dense" and grid > args.dense_limit:
                        print(
                            f"{head}  skipped: grid above --dense-limit {args.dense_limit:,}",
                            flush=True,
                        )
                        continue
                    if which == "dense" and rows > args.dense_max_rows:
                        print(
                            f"{head}  skipped: events above --dense-max-rows {args.dense_max_rows:,}",
                            flush=True,
                        )
                        continue
                    out = subprocess.run(
                        [sys.executable, __file__, "--child", which, "--db", str(db)],
                        check=True,
                        capture_output=True,
                        text=True,
                    ).stdout
                    r = json.loads(out.strip().splitlines()[-1])
                    found = {tuple(k) for k in r["keys"]} & planted
                    print(
                        f"{head} {r['seconds']:>8.2f} {r['peak_mb']:>8,.0f} {r['before_mb']:>9,.0f} "
                        f"{len(r['keys']):>9,} {len(found):>5}/{len(planted):<6}",
                        flush=True,
                    )
                db.unlink()


if __name__ == "__main__":
    main()
