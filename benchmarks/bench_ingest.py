"""Ingest benchmark: N rows of mixed sources through the real ``ingest_paths`` code path.

Prints rows/s, MB/s and peak RSS of the ingest, beside two ceilings measured in
the same run: a plain ``polars.read_csv`` of the largest CSV (parsing alone) and
DuckDB loading the raw files into a database file by itself (writing alone).
With ``--cli-rows`` it also times the whole ``opsrca ingest`` process on a
TikTok-only export of that many rows (target >= 300k rows/s).

The dump comes from ``opsrca.generate.write_bench_dump`` (engineer A2's
generator) when present; otherwise a built-in vectorized generator writes a
TikTok CSV, a Qimen CSV, an Ozon and a Taobao JSON Lines file. Generation runs
in a child process so the peak RSS printed is the ingest's own.

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

import numpy as np
import polars as pl

_MESSAGES = [
    "category_id 600001 not found in current region",
    "access_token expired, please refresh the token",
    "Too many requests: rate limit exceeded, retry after 1s",
    "missing required field: shipping_address.postal_code",
    "仓库代码OTHER不存在",
    "qimen route error: 路由失败，请检查ERP与奇门服务地址",
    "Invalid arguments: itemCode 含非法字符",
    "商品标题超过60个字符",
    "收货人手机13812345678无法接通，地址浙江省杭州市西湖区文三路259号",
    'quantity must be integer, got "100"',
    "success",
]


def _tiktok(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """A TikTok ops-error export of ``n`` rows (contract 1 columns), vectorized."""
    msg = pl.Series(_MESSAGES)[rng.integers(0, len(_MESSAGES), n)]
    ok = (msg == "success").to_frame("ok")
    status = ok.select(
        pl.when(pl.col("ok")).then(pl.lit("200")).otherwise(pl.lit("400"))
    ).to_series()
    code = ok.select(
        pl.when(pl.col("ok")).then(pl.lit("0")).otherwise(pl.lit("12052048"))
    ).to_series()
    secs = pl.Series(rng.integers(1_790_000_000, 1_795_000_000, n) * 1_000_000).cast(
        pl.Datetime("us")
    )
    product = pl.Series(rng.integers(10**11, 10**12, n)).cast(pl.String)
    return pl.DataFrame(
        {
            "error_id": "E" + pl.int_range(n, eager=True).cast(pl.String),
            "shop_id": pl.Series(rng.integers(1000, 1100, n)).cast(pl.String),
            "shop_name": pl.Series(["Shop A", "Shop B", "店铺C"])[rng.integers(0, 3, n)],
            "region_code": pl.Series(["GB", "US", "MY", "TH"])[rng.integers(0, 4, n)],
            "api_endpoint": pl.Series(["/product/202309/products", "/order/202309/orders/search"])[
                rng.integers(0, 2, n)
            ],
            "http_status": status,
            "error_code": code,
            "error_message": msg,
            "first_occurred_at": secs.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "retry_count": pl.Series(rng.integers(0, 5, n)).cast(pl.String),
            "x_ratelimit_remaining": pl.Series(rng.integers(0, 300, n)).cast(pl.String),
            "request_payload": '{"product_id":"' + product + '","quantity":"100"}',
            "response_payload": '{"code":'
            + code
            + ',"message":"'
            + msg.str.replace_all('"', "'")
            + '"}',
        }
    )


def builtin_dump(out: Path, rows: int, seed: int = 7) -> list[Path]:
    """Vectorized fallback generator: 55% TikTok CSV, 15% Qimen CSV, 15% Ozon, 15% Taobao."""
    rng = np.random.default_rng(seed)
    n_tt, n_qm, n_oz = int(rows * 0.55), int(rows * 0.15), int(rows * 0.15)
    n_tb = rows - n_tt - n_qm - n_oz
    paths = []
    tt = _tiktok(rng, n_tt)
    p = out / "tiktok_ops_errors_bench.csv"
    tt.write_csv(p)
    paths.append(p)
    secs = pl.Series(
        rng.integers(1_790_000_000, 1_795_000_000, max(n_qm, n_oz, n_tb)) * 1_000_000
    ).cast(pl.Datetime("us"))
    qm_msg = pl.Series(_MESSAGES)[rng.integers(0, len(_MESSAGES), n_qm)]
    qm = pl.DataFrame(
        {
            "同步时间": secs[:n_qm].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "接口名称": pl.Series(
                ["taobao.qimen.singleitem.synchronize", "taobao.qimen.inventory.query"]
            )[rng.integers(0, 2, n_qm)],
            "店铺": pl.Series(["旗舰店", "专营店"])[rng.integers(0, 2, n_qm)],
            "商品编码": "SKU" + pl.Series(rng.integers(10000, 99999, n_qm)).cast(pl.String),
            "仓库编码": pl.Series(["WH01", "OTHER"])[rng.integers(0, 2, n_qm)],
            "同步状态": pl.select(
                pl.when(qm_msg == "success").then(pl.lit("成功")).otherwise(pl.lit("失败"))
            ).to_series(),
            "错误码": pl.Series(["", "isv.invalid-parameter"])[rng.integers(0, 2, n_qm)],
            "错误信息": qm_msg,
        }
    )
    p = out / "qimen_sync_log_bench.csv"
    qm.write_csv(p)
    paths.append(p)
    oz_status = pl.Series([200, 403, 429, 400])[rng.integers(0, 4, n_oz)]
    oz = pl.DataFrame(
        {
            "ts": secs[:n_oz].dt.strftime("%Y-%m-%dT%H:%M:%S.123Z"),
            "client_id": pl.Series(rng.integers(200000, 200100, n_oz)).cast(pl.String),
            "method": "POST",
            "path": pl.Series(["/v3/product/import", "/v2/posting/fbs/list"])[
                rng.integers(0, 2, n_oz)
            ],
            "status": oz_status,
            "token_type": pl.Series(["bearer", "client_credentials"])[rng.integers(0, 2, n_oz)],
        }
    ).with_columns(
        pl.struct(pl.lit("0").alias("X-RateLimit-Remaining")).alias("headers"),
        pl.struct(pl.lit("SKU-1").alias("offer_id"), pl.lit("100").alias("price")).alias("request"),
        pl.struct(pl.lit(7).alias("code"), pl.lit("Insufficient scope").alias("message")).alias(
            "response"
        ),
    )
    p = out / "ozon_api_bench.jsonl"
    oz.write_ndjson(p)
    paths.append(p)
    tb = pl.DataFrame(
        {
            "time": secs[:n_tb].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "tb_seller_nick": pl.Series(["kingdo", "小店"])[rng.integers(0, 2, n_tb)],
            "api": "alibaba.item.publish.distribute.submit",
        }
    ).with_columns(
        pl.struct(pl.lit("taobao").alias("market"), pl.lit(50021288).alias("cat_id")).alias(
            "request"
        ),
        pl.struct(
            pl.lit(491).alias("code"),
            pl.lit("需要店铺主账号人脸核验后才能发布").alias("message"),
            pl.lit("").alias("trace_id"),
        ).alias("response"),
    )
    p = out / "taobao_distribute_bench.jsonl"
    tb.write_ndjson(p)
    paths.append(p)
    return paths


def generate(out: Path, rows: int, tiktok_only: bool = False) -> list[Path]:
    """The bench dump: A2's generator when available, else the built-in one."""
    out.mkdir(parents=True, exist_ok=True)
    if tiktok_only:
        p = out / "tiktok_ops_errors_cli.csv"
        _tiktok(np.random.default_rng(7), rows).write_csv(p)
        return [p]
    try:
        from opsrca.generate import write_bench_dump  # type: ignore[attr-defined]
    except ImportError:
        return builtin_dump(out, rows)
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
            t0 = time.perf_counter()
            proc = subprocess.run(
                [str(exe), "ingest", str(tt), "--db", str(Path(tmp) / "cli.duckdb"), "-q"],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - t0
            print(
                f"`opsrca ingest` process on a {args.cli_rows:,}-row TikTok export "
                f"({tt.stat().st_size / 1e6:,.0f} MB): {wall:.2f} s wall, {args.cli_rows / wall:,.0f} rows/s, "
                f"exit {proc.returncode}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
