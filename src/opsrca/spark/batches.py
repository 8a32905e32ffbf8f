"""The executors' part: Arrow batches in, Arrow batches out, the single-machine code inside.

Each function here is what one ``mapInArrow`` runs; none imports Spark, so each can be
tested on plain Arrow batches. Parsing calls the ingest readers and normalizer (casts, PII
masks, empty-is-null, ``templates.with_template_ids``); deciding calls ``templates.add_keys``
and ``classify.hybrid.decide`` with a model rebuilt by ``classify.persist.load_model`` from the
bytes the driver broadcast, once per Python worker.
"""

from __future__ import annotations

import gc
import hashlib
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa

from opsrca import schema
from opsrca.classify.hybrid import decide_loaded
from opsrca.classify.persist import ARRAYS_FILE, MANIFEST_FILE, STATE_FILE, LoadedModel, load_model
from opsrca.errors import InputError
from opsrca.ingest.repeats import raw_json_sql, repeat_reason
from opsrca.ingest.stream import NotStreamable, open_stream
from opsrca.ingest.wholefile import load_file
from opsrca.spark.plan import Options, Task
from opsrca.templates import RAW_COLUMNS, add_keys

__all__ = [
    "EXAMPLE_COLUMNS",
    "PARSED",
    "decide_templates",
    "model_bytes",
    "parse_tasks",
    "repeat_rejects",
]

#: Order and bookkeeping columns beside the event and reject columns of a parsed row.
_INTERNAL: tuple[tuple[str, str], ...] = (
    ("__kind", "VARCHAR"),  # event | reject | file
    ("__file", "INTEGER"),
    ("__piece", "INTEGER"),
    ("__row", "BIGINT"),
    ("__rows_in", "BIGINT"),
    ("__events", "BIGINT"),  # a task's events and rejects, counted where they are made
    ("__rejects", "BIGINT"),
    ("__status", "VARCHAR"),
    ("__error", "VARCHAR"),
    ("__encoding", "VARCHAR"),
)
_REJECT_ONLY = tuple(c for c in schema.REJECTS if c[0] not in schema.columns(schema.EVENTS))
PARSED: tuple[tuple[str, str], ...] = (*schema.EVENTS, *_REJECT_ONLY, *_INTERNAL)
"""One row of parsed output: an event, a reject or a file's accounting (``__kind``)."""

EXAMPLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("template_id", "VARCHAR"),
    ("example_event_id", "VARCHAR"),
    *((c, t) for c, t in schema.EVENTS if c in RAW_COLUMNS),
    ("events", "BIGINT"),
    ("first_seen", "TIMESTAMP"),
    ("last_seen", "TIMESTAMP"),
)
"""Input of ``decide_templates``: one example event per template (the earliest) and counts."""

_ARROW = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}


def arrow_schema(table: tuple[tuple[str, str], ...]) -> pa.Schema:
    """The Arrow schema Spark expects for a declared table (TIMESTAMP is naive: TimestampNTZ)."""
    return pa.schema([(name, _ARROW[kind]) for name, kind in table])


def _batches(frame: pl.DataFrame, table: tuple[tuple[str, str], ...]) -> Iterator[pa.RecordBatch]:
    data = schema.conform(frame, table).to_arrow().cast(arrow_schema(table))
    yield from data.to_batches()


def _tagged(frame: pl.DataFrame, kind: str, task: Task) -> pl.DataFrame:
    return frame.with_columns(
        pl.lit(kind).alias("__kind"),
        pl.lit(task.file).alias("__file"),
        pl.lit(task.piece).alias("__piece"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("__row"),
    )


def _in_lines(frame: pl.DataFrame, task: Task) -> pl.DataFrame:
    line = pl.col("source_line")
    return frame.filter((line >= task.first_line) & (line < task.end_line))


def parse_task(task: Task, opts: Options, batch_id: str) -> pl.DataFrame:
    """One task's events, rejects and accounting row, in ``PARSED`` columns.

    A piece goes through the streaming reader of ``ingest.stream``; a file, or a piece the
    fast readers refuse, through the whole-file reader (for a piece, only its own lines are
    kept, so each line is still read by exactly one task). A file that cannot be read at all
    gives only its accounting row, status ``unreadable`` and the reason.
    """
    path = Path(task.path)
    status, error, fmt_name, encoding = "loaded", None, None, None
    events = schema.empty_frame(schema.EVENTS)
    rejects = schema.empty_frame(schema.REJECTS)
    try:
        chunk = None
        if task.length >= 0:
            try:
                stream = open_stream(
                    path,
                    ctx=opts.context(path, task.sha256),
                    fmt=opts.fmt,
                    mappings=opts.mappings,
                    piece_bytes=opts.piece_bytes,
                )
                with path.open("rb") as f:
                    f.seek(task.offset)
                    data = f.read(task.length)
                chunk = stream.parse(data, task.first_line)
                fmt_name, encoding = stream.source_format, stream.encoding
                events, rejects, rows_in = chunk.events, chunk.rejects, chunk.rows_in
            except NotStreamable:
                chunk = None
        if chunk is None:
            loaded = load_file(
                path,
                fmt=opts.fmt,
                tz=opts.tz,
                mappings=opts.mappings,
                keep_pii=opts.keep_pii,
                sha=task.sha256,
            )
            events, rejects = _in_lines(loaded.events, task), _in_lines(loaded.rejects, task)
            rows_in = events.height + rejects.height
            res = loaded.result
            fmt_name, encoding, status = res.source_format, res.encoding, res.status
            if task.length < 0:
                rows_in = res.rows_in
    except InputError as exc:
        status, error, rows_in = "unreadable", str(exc), 0
    except OSError as exc:
        status, error, rows_in = "unreadable", f"{path}: cannot read file: {exc}", 0
    if status == "empty":
        rows_in = 0
    account = pl.DataFrame(
        {
            "source_file": [task.path],
            "source_format": [fmt_name],
            "__rows_in": [rows_in],
            "__events": [events.height],
            "__rejects": [rejects.height],
            "__status": [status],
            "__error": [error],
            "__encoding": [encoding],
        },
        schema_overrides={
            "source_format": pl.String,
            "__error": pl.String,
            "__encoding": pl.String,
        },
    )
    parts = [
        _tagged(events.with_columns(pl.lit(batch_id).alias("batch_id")), "event", task),
        _tagged(rejects.with_columns(pl.lit(batch_id).alias("batch_id")), "reject", task),
        _tagged(account, "file", task),
    ]
    return pl.concat([schema.conform(p, PARSED) for p in parts])


def _settle() -> None:
    """Move what a worker holds between tasks (modules, the model, jieba's dictionary) out of
    the garbage collector's reach: PySpark's daemon runs a full ``gc.collect()`` after every
    task of a reused worker, which otherwise walks them all each time (seconds per run)."""
    gc.freeze()


def parse_tasks(
    batches: Iterator[pa.RecordBatch], *, tasks: list[Task], opts: Options, batch_id: str
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: task numbers (``id``, positions in ``tasks``) → ``PARSED`` rows."""
    _settle()
    for batch in batches:
        for idx in batch.column("id").to_pylist():
            yield from _batches(parse_task(tasks[idx], opts, batch_id), PARSED)


# --- the model on executors -------------------------------------------------------------

_MODEL_FILES = (MANIFEST_FILE, STATE_FILE, ARRAYS_FILE)
_models: dict[str, LoadedModel] = {}


def model_bytes(model_dir: Path) -> dict[str, bytes]:
    """The model folder as bytes (what the driver broadcasts); its name keeps the version."""
    return {"name": model_dir.resolve().name.encode(), **{
        f: (model_dir / f).read_bytes() for f in _MODEL_FILES
    }}  # fmt: skip


def _model(blob: dict[str, bytes]) -> LoadedModel:
    """The broadcast model, loaded once per Python worker with the one loader (every check)."""
    key = hashlib.sha256(b"".join(blob[f] for f in _MODEL_FILES)).hexdigest()
    if key not in _models:
        with tempfile.TemporaryDirectory(prefix="opsrca-model-") as tmp:
            folder = Path(tmp) / blob["name"].decode()
            folder.mkdir()
            for f in _MODEL_FILES:
                (folder / f).write_bytes(blob[f])
            _models.clear()
            _models[key] = load_model(folder)
    return _models[key]


def decide_frame(
    examples: pl.DataFrame, loaded: LoadedModel, *, threshold: float, stamp: datetime
) -> pl.DataFrame:
    """``templates`` rows from one example per template: keys, decision, counts.

    The keys are recomputed from the example (as ``classify`` does for new templates);
    the decision is ``hybrid.decide``, the one decision function.
    """
    keyed = add_keys(examples)
    result = decide_loaded(keyed, loaded, threshold=threshold)
    oov = loaded.model.oov_shares(result["template"].to_list()) if result.height else []
    return result.with_columns(
        pl.col("message").str.slice(0, 2000).alias("example_message"),
        pl.Series("oov_share", oov, dtype=pl.Float64),
        pl.lit(loaded.version).alias("model_version"),
        pl.lit(threshold).alias("threshold"),
        pl.lit(stamp).cast(pl.Datetime("us")).alias("classified_at"),
    )


def decide_templates(
    batches: Iterator[pa.RecordBatch],
    *,
    model: object,
    threshold: float | None,
    stamp: datetime,
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: ``EXAMPLE_COLUMNS`` rows → ``schema.TEMPLATES`` rows.

    ``model`` is the broadcast of ``model_bytes`` (anything with ``.value``).
    """
    loaded = _model(model.value)  # type: ignore[attr-defined]
    _settle()
    thr = loaded.threshold if threshold is None else threshold
    for batch in batches:
        examples = pl.from_arrow(batch)
        assert isinstance(examples, pl.DataFrame)
        if examples.height:
            yield from _batches(
                decide_frame(examples, loaded, threshold=thr, stamp=stamp), schema.TEMPLATES
            )


def repeat_rejects(
    batches: Iterator[pa.RecordBatch], *, paths: list[str]
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: repeated events (event columns, ``__file``, ``first_file``,
    ``first_line``) → ``rejects`` rows worded by ``ingest.repeats``."""
    import duckdb

    _settle()
    for batch in batches:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        for (idx,), part in frame.group_by("__file"):
            rep = part.with_columns(repeat_reason(Path(paths[int(idx)])))  # type: ignore[arg-type]
            con = duckdb.connect()
            try:
                raw = con.sql(f"SELECT {raw_json_sql('e')} AS raw FROM rep e").pl()["raw"]
            finally:
                con.close()
            out = rep.with_columns(pl.lit("event_id").alias("field"), raw.alias("raw"))
            yield from _batches(out, schema.REJECTS)
