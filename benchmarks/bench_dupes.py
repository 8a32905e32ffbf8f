"""Duplicate-copy benchmark: N listings of ONE account through ``find_duplicates``.

For each size it times the exhaustive path (chunked ``process.cdist`` on all cores) and
the blocked path (character-bigram MinHash-LSH candidates, then ``cpdist``), and prints
listings/s, compared pairs/s (n*(n-1)/2 over the wall time) and the blocked path's recall
against the exhaustive result of the same run. Data: ``opsrca.listings.samples.make_listings``
(templated Chinese titles, 5 % planted near-copies); ``--dense`` makes a mass-listed catalogue
whose titles share a small vocabulary (~150k of 1.25 billion pairs above 65 % at 50,000),
where MinHash stops pruning and the character-count bound is chosen. Target: 50,000 listings
<= 60 s, recall >= 0.99, in both profiles. CPU seconds are printed beside wall seconds (on a
shared machine the wall time is noisy; CPU time much less so).

Usage: python benchmarks/bench_dupes.py [--sizes 5000 20000 50000] [--no-blocked] [--dense]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import polars as pl

from opsrca.listings import find_duplicates
from opsrca.listings.dupes import EXHAUSTIVE_LIMIT
from opsrca.listings.samples import make_listings


def _run(frame: pl.DataFrame, *, blocked: bool) -> tuple[pl.DataFrame, float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    pairs = find_duplicates(frame, blocked=blocked).pairs
    return pairs, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    """Print one line per (size, path)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000])
    parser.add_argument("--no-blocked", action="store_true", help="time only the exhaustive path")
    parser.add_argument("--dense", action="store_true", help="a catalogue with a small vocabulary")
    args = parser.parse_args()
    print(
        f"cores: {os.cpu_count()}  auto path: exhaustive up to {EXHAUSTIVE_LIMIT:,} listings per account"
    )
    print(
        f"{'listings':>9} {'path':>10} {'seconds':>8} {'cpu s':>7} {'listings/s':>11} {'pairs/s':>13} {'flagged':>8} {'recall':>7}"
    )
    for n in args.sizes:
        frame = make_listings(n, seed=7, dense=args.dense)
        compared = n * (n - 1) / 2
        exact, t_exact, c_exact = _run(frame, blocked=False)
        print(
            f"{n:>9,} {'exhaustive':>10} {t_exact:>8.2f} {c_exact:>7.1f} {n / t_exact:>11,.0f} {compared / t_exact:>13,.0f} "
            f"{exact.height:>8,} {'1.000':>7}",
            flush=True,
        )
        if args.no_blocked:
            continue
        fast, t_fast, c_fast = _run(frame, blocked=True)
        key = ["item_id_a", "item_id_b"]
        recall = exact.join(fast, on=key, how="semi").height / max(exact.height, 1)
        print(
            f"{n:>9,} {'blocked':>10} {t_fast:>8.2f} {c_fast:>7.1f} {n / t_fast:>11,.0f} {compared / t_fast:>13,.0f} "
            f"{fast.height:>8,} {recall:>7.3f}",
            flush=True,
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
