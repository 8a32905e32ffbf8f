"""Classifier benchmark: generated events through normalize + classify, against the naive path.

1. ``--rows`` (default 1,000,000) events from ``opsrca.generate.generate_messages`` go through
   ``classify_frame`` (templates once per unique message, decisions once per unique key,
   joined back): prints rows/s, unique templates/keys, peak RSS and accuracy vs true_label.
2. The naive path (template, tokenize and predict EVERY row, no dedup) is timed on a sample
   of ``--naive-sample`` rows (default 20,000) and extrapolated; the speed-up is printed.
3. With ``--cli-rows N`` (default 2,000,000; 0 skips) a CSV of N generated rows is written and
   the whole ``opsrca classify IN --output OUT`` process is timed, once writing Parquet and once
   writing CSV (the CSV output is ~600 bytes a row: fix zh + en, evidence; disk-bound).

Usage: python benchmarks/bench_classify.py [--rows N] [--naive-sample N] [--cli-rows N] [--model DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from sklearn.metrics import f1_score

from opsrca.classify import classify_frame
from opsrca.classify.engine import get_model
from opsrca.classify.hybrid import DECISION_KEYS, add_keys, decide
from opsrca.classify.tokenize import _cut
from opsrca.generate import generate_messages

sys.path.insert(0, str(Path(__file__).parent))
from measured import run_measured


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _naive(frame: pl.DataFrame, loaded: object) -> float:
    """Seconds to classify ``frame`` row by row: every row templated, tokenized and predicted."""
    _cut.cache_clear()  # no help from the tokenizer's cache of Chinese runs either
    start = time.perf_counter()
    keys = add_keys(frame).select(DECISION_KEYS)  # no unique(): one decision per row
    decide(keys, loaded.model, threshold=loaded.threshold)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=20_000)
    parser.add_argument("--cli-rows", type=int, default=2_000_000)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per path (median)")
    args = parser.parse_args()

    loaded = get_model(args.model)
    print(
        f"model: {loaded.path} (threshold {loaded.threshold}, {loaded.manifest['feature_config']['name']})"
    )

    start = time.perf_counter()
    frame = generate_messages(args.rows, seed=args.seed)
    print(f"generated {frame.height:,} events in {time.perf_counter() - start:.1f}s")
    classify_frame(frame.head(100), model=loaded)  # warm up jieba and the model

    timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        out = classify_frame(frame, model=loaded)
        timings.append(time.perf_counter() - start)
    elapsed = statistics.median(timings)
    rate = frame.height / elapsed
    print(
        f"\n[dedup path] normalize + classify {frame.height:,} rows in {elapsed:.2f}s "
        f"(median of {args.repeat}: {', '.join(f'{t:.2f}' for t in timings)}) = {rate:,.0f} rows/s"
    )
    print(
        f"  unique messages {frame['message'].n_unique():,}; unique templates {out['template'].n_unique():,}"
    )
    keys = out.select("template", "platform", "http_status", "error_code", "sub_code").n_unique()
    print(f"  unique decision keys (template+fields) ~{keys:,}; peak RSS {_peak_rss_mb():,.0f} MB")

    truth = out["true_label"].to_list()
    pred = out["root_cause"].to_list()
    acc = sum(t == p for t, p in zip(truth, pred, strict=True)) / len(truth)
    macro = f1_score(truth, pred, average="macro", labels=sorted(set(truth)), zero_division=0)
    coverage = (out["root_cause"] != "unknown").mean()
    print(
        f"  accuracy vs true_label {acc:.4f}; macro-F1 {macro:.4f}; decided (not unknown) {coverage:.4f}"
    )
    print("  methods:", dict(out.group_by("method").len().sort("len", descending=True).iter_rows()))

    sample = frame.head(min(args.naive_sample, frame.height))
    naive_s = statistics.median(_naive(sample, loaded) for _ in range(args.repeat))
    naive_rate = sample.height / naive_s
    print(
        f"\n[naive path] every row templated+tokenized+predicted: {sample.height:,} rows in {naive_s:.2f}s (median) "
        f"= {naive_rate:,.0f} rows/s (timed on a sample, extrapolated: "
        f"{frame.height / naive_rate:,.1f}s for {frame.height:,} rows)"
    )
    print(f"  speed-up of the dedup path: {rate / naive_rate:,.1f}x (target >= 30x)")

    if args.cli_rows:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "events.csv"
            generate_messages(args.cli_rows, seed=args.seed + 1).write_csv(src)
            size = src.stat().st_size / 1e6
            for out_name in ("classified.parquet", "classified.csv"):
                dst = Path(tmp) / out_name
                cmd = [
                    str(Path(sys.executable).parent / "opsrca"),
                    "classify",
                    str(src),
                    "--output",
                    str(dst),
                ]
                if args.model:
                    cmd += ["--model", str(args.model)]
                child = run_measured(cmd)  # its own peak RSS, not this process's
                print(
                    f"\n[whole process] `opsrca classify` {args.cli_rows:,}-row CSV ({size:,.0f} MB) -> "
                    f"{out_name} ({dst.stat().st_size / 1e6:,.0f} MB): {child.wall:.2f}s = "
                    f"{args.cli_rows / child.wall:,.0f} rows/s (target >= 300,000); "
                    f"peak RSS {child.peak_mb:,.0f} MB"
                )
                dst.unlink()


if __name__ == "__main__":
    main()
