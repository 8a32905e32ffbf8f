"""File export benchmark: rows/s of ``write_table`` to .csv and .xlsx beside a plain
``polars.write_csv`` of the same frame.

The frame is shaped like ``opsrca errors -o`` (19-digit event ids, 18-digit shop ids,
Chinese shop names and messages, timestamps, codes, a confidence), seeded, so runs compare.
``write_table`` CSV adds what makes the file safe to hand on (BOM, ids kept as text,
formulas neutralized); XLSX writes text cells, a frozen header, widths, row by row.

Usage: python benchmarks/bench_exports.py [--rows 100000] [--skip-xlsx]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from opsrca.report.tables import write_table

SHOPS = ["Kawa Beauty GB", "Lumi Home US", "杭州云仓旗舰店", "西湖茶韵", "Nusa Outdoor ID"]
MESSAGES = [
    "access token expired",
    "商品类目不存在 category 10023 is invalid",
    '=HYPERLINK("http://x") price must be a number',
    "调用频率超限 (request_id 202611020703254AD1EBC937AB37E9C095)",
    "Недостаточно прав для выполнения операции",
]
CAUSES = [
    "auth.token_expired",
    "catalog.category_invalid",
    "validation.invalid_value",
    "access.rate_limited",
    "auth.insufficient_permission",
]


def errors_frame(rows: int, seed: int = 7) -> pl.DataFrame:
    """A seeded frame with the columns and value shapes of an ``errors`` export."""
    rng = np.random.default_rng(seed)
    shop = rng.integers(0, len(SHOPS), rows)
    kind = rng.integers(0, len(MESSAGES), rows)
    t0 = datetime(2026, 11, 1)
    return pl.DataFrame(
        {
            "event_id": [str(7301234500000000000 + int(i)) for i in rng.integers(0, 10**12, rows)],
            "occurred_at": [
                t0 + timedelta(seconds=int(s)) for s in rng.integers(0, 30 * 86400, rows)
            ],
            "platform": "tiktok",
            "shop_id": [str(749500000000000000 + 1000 * int(s)) for s in shop],
            "shop_name": [SHOPS[int(s)] for s in shop],
            "api_endpoint": "/product/202309/products",
            "http_status": rng.choice([400, 401, 429, 500], rows),
            "error_code": [f"{36009000 + int(k)}" for k in kind],
            "sub_code": None,
            "retry_count": rng.integers(0, 6, rows),
            "root_cause": [CAUSES[int(k)] for k in kind],
            "confidence": rng.random(rows).round(3),
            "method": "rule+model",
            "message": [MESSAGES[int(k)] for k in kind],
        },
        schema_overrides={"sub_code": pl.String},
    )


def timed(label: str, rows: int, write: object) -> float:
    t0 = time.perf_counter()
    write()  # type: ignore[operator]
    seconds = time.perf_counter() - t0
    print(f"  {label:<28} {seconds:7.2f} s  {rows / seconds:>12,.0f} rows/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-xlsx", action="store_true")
    args = parser.parse_args()
    frame = errors_frame(args.rows)
    print(f"{args.rows:,} rows × {frame.width} columns; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        timed("polars.write_csv (plain)", args.rows, lambda: frame.write_csv(out / "plain.csv"))
        timed("write_table .csv", args.rows, lambda: write_table(frame, out / "safe.csv"))
        if not args.skip_xlsx:
            timed("write_table .xlsx", args.rows, lambda: write_table(frame, out / "book.xlsx"))
            size = (out / "book.xlsx").stat().st_size
            print(f"  xlsx size {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
