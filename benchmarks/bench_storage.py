"""Storage benchmark: where should ingested events live, a DuckDB table or Parquet files?

Same machine, same run, same rows. For each size (default 2M and 10M event rows)
and each variant, a child process writes the rows and reports its own wall time
(the storage step only: making the rows is timed separately and subtracted) and
peak RSS; a second child opens the database afresh and times three typical
queries through DuckDB. Variants:

* ``native``   DuckDB table append via Arrow, one transaction per file, as
               ``opsrca.ingest.pipeline`` does today (zstd on payload/message),
               then ``CHECKPOINT`` and close.
* ``pl_parts`` Polars ``write_parquet`` (zstd) of each chunk into a folder per
               ingested file (``<db>.store/events/<sha>/part-N.parquet``, written
               under a temporary name, renamed, then the view swapped).
* ``pl_sink``  Polars ``sink_parquet`` (zstd) streaming a file's chunks (an IO
               plugin source) into one Parquet file per ingested file.
* ``duck_copy`` DuckDB ``COPY (SELECT * FROM reader) TO '<sha>.parquet'`` from
               an Arrow record-batch stream over the file's chunks.
* ``gen_only`` makes the rows and stores nothing: the floor of time and RSS.

The Parquet variants keep ``ingested_files`` in the database and replace the
view ``events`` over the committed files inside the transaction that records
the file. Rows are shaped like real events (EVENTS columns plus a
``template_id``): hex and UUID ids in messages, a month of timestamps, 1,200
shops with a skewed share, a JSON payload of 1-3 KB on half the rows. Files
hold 2M rows each and arrive in chunks of 100k rows, as the streaming reader
hands them over.

``--checks`` answers two design questions on the installed DuckDB: are
relative file paths inside a view resolved against the database file or the
working directory, and is a ``CREATE OR REPLACE VIEW`` rolled back with its
transaction?

Wall time on a shared machine follows other people's load; the table's fair
comparison is CPU seconds (all threads) above the ``gen_only`` floor.

Usage: python benchmarks/bench_storage.py [--sizes 2000000 10000000] [--variants ...]
       [--input DIR (keep the ~1.4 GB/M-row input for reruns)] [--results FILE.jsonl]
       python benchmarks/bench_storage.py --checks
       python benchmarks/bench_storage.py --table FILE.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from opsrca import schema

FILE_ROWS = 2_000_000
CHUNK_ROWS = 100_000
SHOPS = 1_200
TEMPLATES = 2_000
MONTH_START = 1_793_491_200  # 2026-11-01 00:00 UTC
MONTH_SECONDS = 30 * 24 * 3600
VARIANTS = ("gen_only", "native", "pl_parts", "pl_sink", "duck_copy")
COLUMNS: tuple[tuple[str, str], ...] = (*schema.EVENTS, ("template_id", "INTEGER"))
ROOT_CAUSES = ("auth", "rate_limit", "stock", "price", "address", "network", "mapping", "unknown")


# --- rows -----------------------------------------------------------------
def _hex(rng: np.random.Generator, n: int, chars: int) -> pl.Series:
    """Random lowercase hex strings (from raw bytes: every value distinct in practice)."""
    raw = rng.bytes(n * chars // 2)
    blob = pl.Series([raw], dtype=pl.Binary).bin.encode("hex")[0]
    return pl.Series([blob]).str.extract_all(f".{{{chars}}}").explode()


def _uuid(rng: np.random.Generator, n: int) -> pl.Series:
    h = pl.DataFrame({"h": _hex(rng, n, 32)})
    return h.select(
        pl.concat_str(
            [
                pl.col("h").str.slice(0, 8),
                pl.col("h").str.slice(8, 4),
                pl.col("h").str.slice(12, 4),
                pl.col("h").str.slice(16, 4),
                pl.col("h").str.slice(20, 12),
            ],
            separator="-",
        )
    ).to_series()


def templates_frame() -> pl.DataFrame:
    """2,000 message shapes with a root cause each (the join target of query 3)."""
    rng = np.random.default_rng(11)
    words = [
        "order",
        "sku",
        "item",
        "token",
        "shop",
        "warehouse",
        "stock",
        "price",
        "address",
        "invalid",
        "expired",
        "missing",
        "not",
        "found",
        "denied",
        "limit",
        "exceeded",
        "timeout",
        "订单",
        "商品",
        "库存",
        "仓库",
        "授权",
        "失败",
        "参数",
        "错误",
    ]
    texts = [
        " ".join(rng.choice(words, size=int(rng.integers(4, 10)))) + f" (E{i:04d})"
        for i in range(TEMPLATES)
    ]
    return pl.DataFrame(
        {
            "template_id": np.arange(TEMPLATES, dtype=np.int32),
            "template": texts,
            "root_cause": rng.choice(ROOT_CAUSES, size=TEMPLATES),
        }
    )


def _shops() -> tuple[list[str], list[str], np.ndarray]:
    rng = np.random.default_rng(5)
    ids = [f"{v:012d}" for v in rng.integers(10**11, 10**12, SHOPS)]
    platform = list(rng.choice(schema.PLATFORMS[:5], size=SHOPS, p=[0.2, 0.55, 0.15, 0.05, 0.05]))
    share = 1.0 / np.arange(1, SHOPS + 1) ** 0.9  # a few big shops, a long tail
    return ids, platform, share / share.sum()


_SHOPS = _shops()
_TEMPLATES = templates_frame()


def make_chunk(seed: int, n: int, file_no: int, first_line: int) -> pl.DataFrame:
    """One chunk of events with the EVENTS columns plus ``template_id`` (seeded)."""
    rng = np.random.default_rng(seed)
    shop_ids, shop_platform, shop_p = _SHOPS
    shop = rng.choice(SHOPS, size=n, p=shop_p)
    tmpl = np.minimum(rng.zipf(1.3, n) - 1, TEMPLATES - 1).astype(np.int32)
    order = _hex(rng, n, 16)
    request = _uuid(rng, n)
    item_pool = pl.Series(
        [
            f'{{"sku_id":"{int(a)}","seller_sku":"SK-{b:08x}","quantity":{int(q)},'
            f'"price":"{p:.2f}","warehouse_id":"WH{int(w):05d}","title":"商品 {b % 9973} 规格 {q}"}}'
            for a, b, q, p, w in zip(
                rng.integers(10**18, 9 * 10**18, 20_000),
                rng.integers(0, 2**32, 20_000),
                rng.integers(1, 50, 20_000),
                rng.uniform(1, 999, 20_000),
                rng.integers(0, 99_999, 20_000),
                strict=True,
            )
        ]
    )  # ~150 bytes each
    n_items = rng.integers(7, 21, n)  # 7-20 items: 1-3 KB payloads
    has_payload = rng.random(n) < 0.5
    items = {
        f"i{k}": item_pool.gather(rng.integers(0, len(item_pool), n)).set(
            pl.Series(n_items <= k), None
        )
        for k in range(20)
    }
    status = rng.choice(
        np.array([200, 400, 401, 403, 429, 500, 502]),
        size=n,
        p=[0.3, 0.2, 0.1, 0.1, 0.15, 0.1, 0.05],
    )
    frame = pl.DataFrame(
        {
            "shop_idx": shop,
            "template_id": tmpl,
            "order": order,
            "request": request,
            "status": status.astype(np.int32),
            "has_payload": has_payload,
            "t": MONTH_START + rng.integers(0, MONTH_SECONDS, n),
            "retry": rng.integers(0, 4, n).astype(np.int32),
            "line": np.arange(first_line, first_line + n, dtype=np.int64),
            **items,
        }
    )
    shops = pl.DataFrame(
        {"shop_idx": np.arange(SHOPS), "shop_id": shop_ids, "platform": shop_platform}
    )
    message = pl.concat_str(
        [
            pl.col("template"),
            pl.lit(" order_id="),
            pl.col("order"),
            pl.lit(" request_id="),
            pl.col("request"),
        ]
    )
    payload = pl.concat_str(
        [
            pl.lit('{"request":{"order_id":"'),
            pl.col("order"),
            pl.lit('","items":['),
            pl.concat_str([pl.col(f"i{k}") for k in range(20)], separator=",", ignore_nulls=True),
            pl.lit(']},"response":{"code":'),
            pl.col("status").cast(pl.String),
            pl.lit(',"request_id":"'),
            pl.col("request"),
            pl.lit('"}}'),
        ]
    )
    out = (
        frame.join(shops, on="shop_idx", how="left", maintain_order="left")
        .join(
            _TEMPLATES.select("template_id", "template"),
            on="template_id",
            how="left",
            maintain_order="left",
        )
        .select(
            (pl.lit(f"f{file_no:03d}:") + pl.col("line").cast(pl.String)).alias("event_id"),
            pl.col("platform"),
            pl.lit("tiktok_csv").alias("source_format"),
            pl.col("shop_id"),
            pl.lit("SEA").alias("region"),
            pl.lit("/api/orders/202309/orders").alias("api_endpoint"),
            pl.lit("POST").alias("http_method"),
            pl.col("status").alias("http_status"),
            pl.col("status").cast(pl.String).alias("error_code"),
            pl.lit(None, dtype=pl.String).alias("sub_code"),
            message.alias("message"),
            (pl.col("status") != 200).alias("is_error"),
            pl.from_epoch("t", time_unit="s").cast(pl.Datetime("us")).alias("occurred_at"),
            pl.col("retry").alias("retry_count"),
            pl.lit(None, dtype=pl.String).alias("item_code"),
            pl.lit(None, dtype=pl.String).alias("warehouse_code"),
            pl.lit(None, dtype=pl.String).alias("token_type"),
            pl.lit(None, dtype=pl.Int32).alias("rate_limit_remaining"),
            pl.when(pl.col("has_payload")).then(payload).alias("payload"),
            pl.lit(f"/exports/tiktok_{file_no:03d}.csv").alias("source_file"),
            pl.col("line").alias("source_line"),
            pl.lit("batch-1").alias("batch_id"),
            pl.col("template_id"),
        )
    )
    return out.cast(dict(schema.polars_schema(COLUMNS)))


def make_input(rows: int, out: Path) -> None:
    """Write the run's chunks once as uncompressed Arrow IPC (cheap to read back in every child)."""
    done, file_no = 0, 0
    while done < rows:
        n = min(FILE_ROWS, rows - done)
        folder = out / f"file-{file_no:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i, start in enumerate(range(0, n, CHUNK_ROWS)):
            chunk = make_chunk(file_no * 1000 + i, min(CHUNK_ROWS, n - start), file_no, start + 2)
            chunk.write_ipc(folder / f"chunk-{i:05d}.arrow", compression="uncompressed")
        done += n
        file_no += 1


class Source:
    """The first ``rows`` rows of the input as files of chunks, timing the reading apart."""

    def __init__(self, rows: int, folder: Path) -> None:
        self.rows = rows
        self.folder = folder
        self.gen_seconds = 0.0

    def files(self) -> Iterator[tuple[str, Iterator[pl.DataFrame]]]:
        """(sha, chunks) per ingested file."""
        left = self.rows
        for sub in sorted(self.folder.iterdir()):
            if left <= 0:
                return
            n = min(FILE_ROWS, left)
            yield hashlib.sha256(sub.name.encode()).hexdigest(), self._chunks(sub, n)
            left -= n

    def _chunks(self, sub: Path, n: int) -> Iterator[pl.DataFrame]:
        for path in sorted(sub.glob("chunk-*.arrow"))[: -(-n // CHUNK_ROWS)]:
            t0 = time.perf_counter()
            chunk = pl.read_ipc(path)
            self.gen_seconds += time.perf_counter() - t0
            yield chunk


# --- variants -------------------------------------------------------------
def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _metadata(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(schema.create_sql("ingested_files", schema.INGESTED_FILES))
    con.execute("CREATE TABLE IF NOT EXISTS templates AS SELECT * FROM _TEMPLATES")


def _record(con: duckdb.DuckDBPyConnection, sha: str, rows: int, path: str) -> None:
    con.execute(
        "INSERT INTO ingested_files VALUES (?, ?, 'tiktok_csv', 'utf-8', ?, 0, now()::TIMESTAMP, 'batch-1')",
        [path, sha, rows],
    )


def _swap_view(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Point ``events`` at exactly the committed files (call inside the file's transaction)."""
    con.execute(f"CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet({_sql_list(files)})")


def write_native(src: Source, db: Path) -> None:
    """Today's path: INSERT from Arrow slices, one transaction per file, checkpoint at the end."""
    con = duckdb.connect(str(db))
    _metadata(con)
    con.execute(schema.create_sql("events", COLUMNS))
    cols = ", ".join(f'"{c}"' for c in schema.columns(COLUMNS))
    for sha, chunks in src.files():
        con.execute("BEGIN TRANSACTION")
        rows = 0
        for chunk in chunks:
            data = chunk.to_arrow(compat_level=pl.CompatLevel.newest())  # noqa: F841
            con.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM data")
            rows += chunk.height
        _record(con, sha, rows, sha)
        con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()


def _store_dir(db: Path) -> Path:
    out = db.with_suffix(".store") / "events"
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_pl_parts(src: Source, db: Path) -> None:
    """Polars write_parquet per chunk into a folder per file; folder renamed when complete."""
    con = duckdb.connect(str(db))
    _metadata(con)
    store, committed = _store_dir(db), []
    for sha, chunks in src.files():
        tmp = store / f".{sha}.tmp"
        tmp.mkdir()
        rows = 0
        for i, chunk in enumerate(chunks):
            chunk.write_parquet(tmp / f"part-{i:05d}.parquet", compression="zstd")
            rows += chunk.height
        tmp.rename(store / sha)
        con.execute("BEGIN TRANSACTION")
        _record(con, sha, rows, sha)
        committed.append(str(store / sha / "*.parquet"))
        _swap_view(con, committed)
        con.execute("COMMIT")
    con.close()


def write_pl_sink(src: Source, db: Path) -> None:
    """Polars sink_parquet streaming the file's chunks into one Parquet file."""
    from polars.io.plugins import register_io_source

    con = duckdb.connect(str(db))
    _metadata(con)
    store, committed = _store_dir(db), []
    pschema = schema.polars_schema(COLUMNS)
    for sha, chunks in src.files():
        counted = [0]

        def source(
            with_columns: list[str] | None,
            predicate: pl.Expr | None,
            n_rows: int | None,
            batch_size: int | None,
            chunks: Iterator[pl.DataFrame] = chunks,
            counted: list[int] = counted,
        ) -> Iterator[pl.DataFrame]:
            for chunk in chunks:
                counted[0] += chunk.height
                yield chunk

        tmp = store / f".{sha}.parquet.tmp"
        register_io_source(source, schema=pschema).sink_parquet(tmp, compression="zstd")
        tmp.rename(store / f"{sha}.parquet")
        con.execute("BEGIN TRANSACTION")
        _record(con, sha, counted[0], sha)
        committed.append(str(store / f"{sha}.parquet"))
        _swap_view(con, committed)
        con.execute("COMMIT")
    con.close()


def write_duck_copy(src: Source, db: Path) -> None:
    """DuckDB COPY ... TO parquet from an Arrow record-batch stream over the file's chunks."""
    import pyarrow as pa

    con = duckdb.connect(str(db))
    _metadata(con)
    store, committed = _store_dir(db), []
    arrow_schema = make_chunk(0, 1, 0, 0).to_arrow(compat_level=pl.CompatLevel.newest()).schema
    for sha, chunks in src.files():
        counted = [0]

        def batches(
            chunks: Iterator[pl.DataFrame] = chunks, counted: list[int] = counted
        ) -> Iterator[pa.RecordBatch]:
            for chunk in chunks:
                counted[0] += chunk.height
                yield from chunk.to_arrow(compat_level=pl.CompatLevel.newest()).to_batches()

        reader = pa.RecordBatchReader.from_batches(arrow_schema, batches())  # noqa: F841
        tmp = store / f".{sha}.parquet.tmp"
        con.execute(f"COPY (SELECT * FROM reader) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
        tmp.rename(store / f"{sha}.parquet")
        con.execute("BEGIN TRANSACTION")
        _record(con, sha, counted[0], sha)
        committed.append(str(store / f"{sha}.parquet"))
        _swap_view(con, committed)
        con.execute("COMMIT")
    con.close()


def write_gen_only(src: Source, db: Path) -> None:
    """Make the rows, store nothing: the floor every variant pays."""
    for _sha, chunks in src.files():
        for _chunk in chunks:
            pass


WRITERS = {
    "gen_only": write_gen_only,
    "native": write_native,
    "pl_parts": write_pl_parts,
    "pl_sink": write_pl_sink,
    "duck_copy": write_duck_copy,
}

QUERIES = {
    "q1_counts": """
        SELECT platform, shop_id, date_trunc('day', occurred_at) AS day, count(*) AS n
        FROM events WHERE is_error GROUP BY ALL""",
    "q2_one_shop": """
        SELECT platform, shop_id, date_trunc('day', occurred_at) AS day, count(*) AS n
        FROM events WHERE is_error AND shop_id = ? GROUP BY ALL""",
    "q3_join": """
        SELECT t.root_cause, count(*) AS n
        FROM events e JOIN templates t ON e.template_id = t.template_id
        WHERE e.is_error GROUP BY ALL""",
}


def run_queries(db: Path) -> dict[str, object]:
    """Open the database read-only, as a report would, and time each query (best of 2)."""
    con = duckdb.connect(str(db), read_only=True)
    out: dict[str, object] = {"rows": con.execute("SELECT count(*) FROM events").fetchall()[0][0]}
    shop = _SHOPS[0][10]  # a mid-sized shop
    for name, sql in QUERIES.items():
        best, n = float("inf"), 0
        for _ in range(2):
            t0 = time.perf_counter()
            n = len(con.execute(sql, [shop] if "?" in sql else []).fetchall())
            best = min(best, time.perf_counter() - t0)
        out[name] = best
        out[name + "_groups"] = n
    con.close()
    return out


def _disk_bytes(db: Path) -> int:
    paths = [db, Path(str(db) + ".wal")]
    store = db.with_suffix(".store")
    if store.exists():
        paths += [p for p in store.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in paths if p.exists())


def child(variant: str, rows: int, db: Path, phase: str, data: Path) -> dict[str, object]:
    """Run one phase of one variant in this (child) process."""
    if phase == "query":
        result = run_queries(db)
    elif phase == "input":
        make_input(rows, data)
        result = {}
    else:
        src = Source(rows, data)
        t0 = time.perf_counter()
        WRITERS[variant](src, db)
        wall = time.perf_counter() - t0
        result = {"wall": wall, "gen": src.gen_seconds, "write": wall - src.gen_seconds}
        result["bytes"] = _disk_bytes(db)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu"] = usage.ru_utime + usage.ru_stime  # all threads: fairer than wall when shared
    result["rss_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def _spawn(variant: str, rows: int, db: Path, phase: str, data: Path) -> dict[str, object]:
    cmd = [sys.executable, __file__, "--child", variant, phase, str(rows), str(db), str(data)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- design checks --------------------------------------------------------
def _probe(db: Path, cwd: Path, sql: str, setup: str = "") -> str:
    """Open ``db`` by absolute path in a fresh process started in ``cwd`` and run ``sql``."""
    code = (
        "import duckdb\n"
        f"con = duckdb.connect({str(db)!r})\n"
        + (f"con.execute({setup!r})\n" if setup else "")
        + "try:\n"
        f"    print('ok', con.execute({sql!r}).fetchall()[0][0])\n"
        "except duckdb.Error as e:\n"
        "    print('error:', str(e).splitlines()[0])\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    return (res.stdout + res.stderr).strip()


def checks() -> None:
    """Relative paths in a view, and whether a view swap is undone with its transaction."""
    with tempfile.TemporaryDirectory(prefix="opsrca-viewcheck-") as tmp:
        home = Path(tmp) / "proj"
        store = home / "opsrca.store"
        store.mkdir(parents=True)
        pl.DataFrame({"x": [1, 2, 3]}).write_parquet(store / "a.parquet")
        pl.DataFrame({"x": [4]}).write_parquet(store / "b.parquet")
        db = home / "opsrca.duckdb"
        con = duckdb.connect(str(db))
        default = con.execute("SELECT current_setting('file_search_path')").fetchall()[0][0]
        view = "CREATE VIEW rel AS SELECT * FROM read_parquet('opsrca.store/a.parquet')"
        try:  # binding the view already needs the file: relative to what?
            con.execute(view)
            made = "created"
        except duckdb.Error as exc:
            made = f"failed ({str(exc).splitlines()[0]})"
            con.execute(f"SET file_search_path = '{home}'")
            con.execute(view)
            made += ", created after SET file_search_path to the database folder"
        con.close()
        print(f"duckdb {duckdb.__version__}; file_search_path default {default!r}")
        print(f"  CREATE VIEW with a relative path from cwd {Path.cwd()}: {made}")
        print(f"view rel over read_parquet('opsrca.store/a.parquet'), database {db}")
        q = "SELECT sum(x) FROM rel"
        print(f"  opened from the database's folder: {_probe(db, home, q)}")
        print(f"  opened from /tmp by absolute path: {_probe(db, Path('/tmp'), q)}")
        setting = f"SET file_search_path = '{home}'"
        print(f"  from /tmp after {setting}: {_probe(db, Path('/tmp'), q, setting)}")
        glob = "SELECT sum(x) FROM read_parquet('opsrca.store/*.parquet')"
        print(f"  from /tmp, a glob, after the same SET: {_probe(db, Path('/tmp'), glob, setting)}")

        # the swap: replace the view and roll back, in this process and after a crash
        con = duckdb.connect(str(db))
        _swap_view(con, [str(store / "a.parquet")])
        con.execute("BEGIN TRANSACTION")
        _swap_view(con, [str(store / "a.parquet"), str(store / "b.parquet")])
        inside = con.execute("SELECT sum(x) FROM events").fetchall()[0][0]
        reader = con.cursor()  # a second connection to the same database sees the old view
        seen = reader.execute("SELECT sum(x) FROM events").fetchall()[0][0]
        con.execute("ROLLBACK")
        after = con.execute("SELECT sum(x) FROM events").fetchall()[0][0]
        con.execute("BEGIN TRANSACTION")
        con.execute("CREATE VIEW fresh AS SELECT 1 AS x")
        con.execute("ROLLBACK")
        fresh = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'fresh'")
        print(
            f"  view swap: sum inside the transaction {inside}, seen meanwhile by another "
            f"connection {seen}, after ROLLBACK {after} (old = 6); a view created in a "
            f"rolled-back transaction exists afterwards: {bool(fresh.fetchall()[0][0])}"
        )
        con.close()
        files = _sql_list([str(store / "a.parquet"), str(store / "b.parquet")])
        crash = (
            "import duckdb, os\n"
            f"con = duckdb.connect({str(db)!r})\n"
            "con.execute('BEGIN TRANSACTION')\n"
            f'con.execute("CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet({files})")\n'
            "os._exit(9)\n"
        )
        subprocess.run([sys.executable, "-c", crash], check=False)
        print(
            f"  process killed mid-swap, reopened: {_probe(db, home, 'SELECT sum(x) FROM events')}"
        )


# --- main -----------------------------------------------------------------
def print_table(table: list[dict[str, object]]) -> None:
    """One markdown table.

    Wall time includes reading the input chunks (the same for every variant) and,
    on a shared machine, other people's load; CPU seconds (all threads) minus the
    ``gen_only`` floor at that size is the storage step's own cost and the fairer
    comparison.
    """
    floor = {r["rows"]: r for r in table if r["variant"] == "gen_only"}
    print(
        "| rows | variant | wall s | rows/s (wall) | storage CPU s | rows/CPU-s | write RSS MB "
        "| disk MB | q1 s | q2 s | q3 s | query RSS MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table:
        cpu = r["cpu"] - floor.get(r["rows"], {"cpu": 0.0})["cpu"]
        stored = r["variant"] != "gen_only"
        q = (
            f"{r['q_q1_counts']:.2f} | {r['q_q2_one_shop']:.2f} | {r['q_q3_join']:.2f} | "
            f"{r['q_rss_mb']:,.0f}"
            if stored
            else "- | - | - | -"
        )
        rates = (
            f"{r['rows'] / r['wall']:,.0f} | {cpu:.1f} | {r['rows'] / cpu:,.0f}"
            if stored
            else f"- | ({r['cpu']:.1f}) | -"
        )
        print(
            f"| {r['rows']:,} | {r['variant']} | {r['wall']:.1f} | {rates} "
            f"| {r['rss_mb']:,.0f} | {r['bytes'] / 1e6:,.0f} | {q} |"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 10_000_000])
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--dir", type=Path, default=None, help="work folder (deleted afterwards)")
    ap.add_argument(
        "--input", type=Path, default=None, help="reuse (or make and keep) the input rows here"
    )
    ap.add_argument(
        "--results", type=Path, default=None, help="append rows here; table of all rows"
    )
    ap.add_argument("--checks", action="store_true", help="only run the design checks")
    ap.add_argument("--table", type=Path, default=None, help="print the table of a results file")
    ap.add_argument("--child", nargs=5, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        variant, phase, rows, db, data = args.child
        print(json.dumps(child(variant, int(rows), Path(db), phase, Path(data))))
        return 0
    if args.checks:
        checks()
        return 0
    if args.table:
        print_table([json.loads(line) for line in args.table.read_text().splitlines()])
        return 0

    work = Path(tempfile.mkdtemp(prefix="opsrca-storage-", dir=args.dir))
    table: list[dict[str, object]] = []
    data = args.input or work / "input"
    try:
        if not data.exists():
            t0 = time.perf_counter()
            _spawn("gen_only", max(args.sizes), work / "none", "input", data)
            print(
                f"made {max(args.sizes):,} input rows in {time.perf_counter() - t0:.0f} s",
                flush=True,
            )
        for rows in args.sizes:
            for variant in args.variants:
                case = work / f"{variant}-{rows}"
                case.mkdir()
                db = case / "opsrca.duckdb"
                w = _spawn(variant, rows, db, "write", data)
                q = _spawn(variant, rows, db, "query", data) if variant != "gen_only" else {}
                row = {"rows": rows, "variant": variant, **w, **{f"q_{k}": v for k, v in q.items()}}
                table.append(row)
                print(json.dumps(row), flush=True)
                if args.results:  # row by row: a long run stopped early keeps what it measured
                    with args.results.open("a") as fh:
                        fh.write(json.dumps(row) + "\n")
                shutil.rmtree(case)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if args.results:
        table = [json.loads(line) for line in args.results.read_text().splitlines()]
    print_table(table)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
