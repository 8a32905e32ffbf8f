"""Spark glue: DataFrames in, DataFrames out; the work itself is in ``batches``.

``read_events`` turns input files into the event and reject DataFrames (one task per file
piece, the single-machine reader and normalizer inside ``mapInArrow``); ``classify_events``
decides each template once (an example per template, ``hybrid.decide`` inside
``mapInArrow``) and gives every failed event its template's decision; ``write_store`` writes
the Parquet store; ``analyze`` does all three.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from opsrca import schema
from opsrca.errors import InputError
from opsrca.ingest.repeats import _HASH_ID
from opsrca.ingest.results import FileResult
from opsrca.paths import DEFAULT_MODEL_DIR
from opsrca.spark import batches
from opsrca.spark.plan import Options, Plan, plan_tasks

__all__ = [
    "EVENT_DECISION",
    "Ingested",
    "SparkRun",
    "analyze",
    "classify_events",
    "read_events",
    "session",
    "spark_schema",
    "write_store",
]

_SPARK = {
    "VARCHAR": T.StringType(),
    "INTEGER": T.IntegerType(),
    "BIGINT": T.LongType(),
    "DOUBLE": T.DoubleType(),
    "BOOLEAN": T.BooleanType(),
    "TIMESTAMP": T.TimestampNTZType(),  # naive UTC, as in DuckDB
}
EVENT_DECISION: tuple[str, ...] = ("root_cause", "confidence", "method")
"""Decision columns written beside the event columns in ``STORE/events``."""
_ORDER = ("__file", "__piece", "__row")


def spark_schema(table: tuple[tuple[str, str], ...]) -> T.StructType:
    """A declared table (``opsrca.schema``) as a Spark schema."""
    return T.StructType([T.StructField(name, _SPARK[kind], True) for name, kind in table])


def session(master: str | None = None, *, app_name: str = "opsrca") -> SparkSession:
    """The active Spark session, or a new one; ``master`` None means spark-submit's master
    when there is one, else ``local[*]``."""
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    builder = SparkSession.builder.appName(app_name)
    if master is None and not _submitted():
        master = "local[*]"
    if master is not None:
        builder = builder.master(master)
    if master is not None and master.startswith("local"):
        # Local workers run this interpreter (its venv has opsrca); on a cluster the
        # executors' Python is spark.pyspark.python / PYSPARK_PYTHON (see the README).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            builder.config("spark.driver.memory", "2g")  # local: the driver is the executor
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
    spark = builder.getOrCreate()
    _tune(spark)
    return spark


def _tune(spark: SparkSession) -> None:
    """SQL settings the user did not give (``--conf`` always wins).

    The decided templates are cached, and Spark keeps a cached plan's shuffle partitions
    (200 by default) unless told it may coalesce them: on a cluster adaptive execution
    sizes them; locally 2 per core (not 200 tiny tasks).
    """
    conf = spark.sparkContext.getConf()
    if not conf.contains("spark.sql.optimizer.canChangeCachedPlanOutputPartitioning"):
        spark.conf.set("spark.sql.optimizer.canChangeCachedPlanOutputPartitioning", "true")
    if spark.sparkContext.master.startswith("local") and not conf.contains(
        "spark.sql.shuffle.partitions"
    ):
        cores = spark.sparkContext.defaultParallelism
        spark.conf.set("spark.sql.shuffle.partitions", str(2 * cores))


def _submitted() -> bool:
    """True under ``spark-submit`` (it launched the JVM and set the master)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


@dataclass
class Ingested:
    """What ``read_events`` read: DataFrames plus each file's accounting (on the driver)."""

    events: DataFrame  # schema.EVENTS columns + __file, __piece, __row (load order)
    rejects: DataFrame  # schema.REJECTS columns
    files: list[FileResult] = field(default_factory=list)
    batch_id: str = ""

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)


def read_events(
    spark: SparkSession,
    paths: list[Path | str],
    *,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
    piece_bytes: int | None = None,
) -> Ingested:
    """Read exports into events and rejects, with ``opsrca ingest``'s rules and accounting.

    Paths must be readable at the same path by the driver and every executor (a shared
    mount, or local mode). Repeated source ids (TikTok ``error_id``, Taobao ``trace_id``)
    become rejects naming the first copy, as on one machine; per file
    ``rows_in = events + rejects``.
    """
    opts = Options(fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii)
    if piece_bytes is not None:
        opts = replace(opts, piece_bytes=piece_bytes)
        plan = plan_tasks(paths, opts)
    else:  # cut to keep every core busy (plan.piece_size)
        plan = plan_tasks(paths, opts, parallelism=spark.sparkContext.defaultParallelism)
    batch_id = uuid.uuid4().hex
    parsed_schema = spark_schema(batches.PARSED)
    if plan.tasks:
        # One partition per task, in the plan's order (biggest first); the tasks travel
        # with the function, so no Python job is needed to build a DataFrame of them.
        n = len(plan.tasks)
        parse = partial(batches.parse_tasks, tasks=plan.tasks, opts=opts, batch_id=batch_id)
        parsed = (
            spark.range(0, n, 1, numPartitions=n)
            .mapInArrow(parse, parsed_schema)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
    else:
        parsed = spark.createDataFrame([], parsed_schema)
    kind = F.col("__kind")
    accounts = parsed.filter(kind == "file").select(
        "__file",
        "__rows_in",
        "__events",
        "__rejects",
        "__status",
        "__error",
        "source_format",
        "__encoding",
    )
    events = parsed.filter(kind == "event").select(*schema.columns(schema.EVENTS), *_ORDER)
    rejects = parsed.filter(kind == "reject").select(*schema.columns(schema.REJECTS))
    events, rejects, moved = _drop_repeats(events, rejects, plan)
    files = _accounting(plan, accounts.collect(), moved)
    return Ingested(events, rejects, files, batch_id)


def _drop_repeats(
    events: DataFrame, rejects: DataFrame, plan: Plan
) -> tuple[DataFrame, DataFrame, dict[int, int]]:
    """Later copies of a source id become rejects (the copy loaded first wins)."""
    sourced = events.filter(~F.col("event_id").rlike(_HASH_ID))
    ids = sourced.groupBy("event_id").count().filter(F.col("count") > 1).select("event_id")
    w = Window.partitionBy("event_id").orderBy(*_ORDER)
    copies = sourced.join(F.broadcast(ids), "event_id", "left_semi").select(
        "*",
        F.row_number().over(w).alias("__k"),
        F.first("source_file").over(w).alias("first_file"),
        F.first("source_line").over(w).alias("first_line"),
    )
    # kept: the rejects and the events written later read it again (no second shuffle)
    later = copies.filter(F.col("__k") > 1).drop("__k").persist(StorageLevel.MEMORY_AND_DISK)
    moved = {int(r["__file"]): int(r["count"]) for r in later.groupBy("__file").count().collect()}
    if not moved:
        later.unpersist()
        return events, rejects, {}
    extra = later.mapInArrow(
        partial(batches.repeat_rejects, paths=plan.paths), spark_schema(schema.REJECTS)
    )
    kept = events.join(later.select(*_ORDER), list(_ORDER), "left_anti")
    return kept, rejects.unionByName(extra), moved


def _accounting(plan: Plan, accounts: list[Row], moved: dict[int, int]) -> list[FileResult]:
    """Each file's result, in input order: rows in, events, rejects, status, format."""
    results: dict[str, FileResult] = {f.path: f for f in plan.skipped}
    by_file: dict[int, FileResult] = {}
    for r in accounts:
        idx = int(r["__file"])
        res = by_file.setdefault(idx, FileResult(path=plan.paths[idx], status="empty"))
        res.rows_in += int(r["__rows_in"] or 0)
        res.events += int(r["__events"] or 0)
        res.rejects += int(r["__rejects"] or 0)
        res.source_format = res.source_format or r["source_format"]
        res.encoding = res.encoding or r["__encoding"]
        if r["__status"] == "unreadable":
            res.status, res.error = "unreadable", r["__error"]
    for idx, res in by_file.items():
        n = moved.get(idx, 0)
        res.events, res.rejects = res.events - n, res.rejects + n
        if res.status != "unreadable" and res.rows_in:
            res.status = "loaded"
        results[res.path] = res
    return [results[p] for p in plan.paths if p in results]


def classify_events(
    events: DataFrame,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
) -> tuple[DataFrame, DataFrame]:
    """``(events + root_cause, confidence, method; templates with their decisions)``.

    Each template is decided once: its earliest failed event is the example (as in
    ``opsrca classify``), examples are decided per Arrow batch on the executors with the
    model folder broadcast as bytes, and the decisions are joined back to the events.
    """
    spark = events.sparkSession
    folder = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
    if not (folder / "manifest.json").is_file():
        raise InputError(f"model folder {str(folder)!r} has no manifest.json; give --model DIR")
    from opsrca.classify.persist import load_model

    load_model(folder)  # fail on the driver, in one line, before any executor starts
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be within [0, 1], got {threshold!r}")
    model = spark.sparkContext.broadcast(batches.model_bytes(folder))
    raw = [c for c, _ in batches.EXAMPLE_COLUMNS if c in schema.columns(schema.EVENTS)]
    example = F.min_by(F.struct("event_id", *raw), F.struct("occurred_at", "event_id"))
    failed = events.filter(F.col("is_error") & F.col("template_id").isNotNull())
    examples = (
        failed.groupBy("template_id")
        .agg(
            example.alias("__ex"),
            F.count(F.lit(1)).alias("events"),
            F.min("occurred_at").alias("first_seen"),
            F.max("occurred_at").alias("last_seen"),
        )
        .select(
            "template_id",
            F.col("__ex.event_id").alias("example_event_id"),
            *[F.col(f"__ex.{c}").alias(c) for c in raw if c != "template_id"],
            "events",
            "first_seen",
            "last_seen",
        )
    )
    stamp = datetime.now(UTC).replace(tzinfo=None)
    templates = examples.mapInArrow(
        partial(batches.decide_templates, model=model, threshold=threshold, stamp=stamp),
        spark_schema(schema.TEMPLATES),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    decisions = templates.select("template_id", *EVENT_DECISION)
    classified = events.join(F.broadcast(decisions), "template_id", "left").select(
        *schema.columns(schema.EVENTS), *EVENT_DECISION, *[c for c in _ORDER if c in events.columns]
    )
    return classified, templates


def write_store(
    store: str,
    *,
    events: DataFrame,
    templates: DataFrame,
    rejects: DataFrame,
    files: list[FileResult],
    batch_id: str,
) -> None:
    """Write ``STORE/events``, ``templates``, ``rejects`` and ``ingested_files`` as Parquet.

    ``store`` is any path Spark writes to (a folder, ``hdfs://``, ``s3a://``); an existing
    store is replaced. Column names and types are those of the single-machine tables.
    """
    spark = events.sparkSession
    base = store.rstrip("/")
    events.select(*schema.columns(schema.EVENTS), *EVENT_DECISION).write.mode("overwrite").parquet(
        f"{base}/events"
    )
    templates.write.mode("overwrite").parquet(f"{base}/templates")
    rejects.write.mode("overwrite").parquet(f"{base}/rejects")
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (f.path, f.sha256, f.source_format, f.encoding, f.events, f.rejects, now, batch_id)
        for f in files
        if f.status not in ("duplicate", "unreadable")
    ]
    spark.createDataFrame(rows, spark_schema(schema.INGESTED_FILES)).coalesce(1).write.mode(
        "overwrite"
    ).parquet(f"{base}/ingested_files")


@dataclass(frozen=True)
class SparkRun:
    """What ``analyze`` did: per-file accounting and counts (``rows in = events + rejects``)."""

    store: str
    batch_id: str
    files: list[FileResult]
    events: int
    rejects: int
    templates: int
    root_causes: dict[str, int]

    @property
    def rows_in(self) -> int:
        return sum(f.rows_in for f in self.files)


def analyze(
    spark: SparkSession,
    paths: list[Path | str],
    store: str,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
    piece_bytes: int | None = None,
) -> SparkRun:
    """Read, template, classify and write a Parquet store; the counts come back to the driver."""
    got = read_events(
        spark, paths, fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii, piece_bytes=piece_bytes
    )
    classified, templates = classify_events(got.events, model_dir=model_dir, threshold=threshold)
    write_store(
        store,
        events=classified,
        templates=templates,
        rejects=got.rejects,
        files=got.files,
        batch_id=got.batch_id,
    )
    causes: dict[str, int] = {}
    decided = templates.select("root_cause", "events").collect()
    for r in decided:
        causes[str(r["root_cause"])] = causes.get(str(r["root_cause"]), 0) + int(r["events"])
    return SparkRun(
        store=store,
        batch_id=got.batch_id,
        files=got.files,
        events=sum(f.events for f in got.files),
        rejects=sum(f.rejects for f in got.files),
        templates=len(decided),
        root_causes=dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
