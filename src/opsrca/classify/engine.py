"""Classify frames, files and the database. Inference only: nothing here changes a model.

Rows are reduced to unique decision keys (see ``hybrid``), decided once and joined back,
so a million rows with a few thousand templates cost a few thousand model calls.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from opsrca import store
from opsrca.classify.hybrid import OUTPUT_COLUMNS, decide_loaded
from opsrca.classify.persist import LoadedModel, load_model
from opsrca.errors import InputError
from opsrca.progress import progress_bar
from opsrca.settings import db_file, resolve_model_dir
from opsrca.templates import DECISION_KEYS, RAW_COLUMNS, add_keys, template_keys

__all__ = [
    "TemplateRun",
    "classify_db",
    "classify_file",
    "classify_frame",
    "decide_templates",
    "read_input",
    "root_cause_counts",
]

log = logging.getLogger(__name__)
_cache: dict[tuple[str, int], LoadedModel] = {}


def get_model(model_dir: Path | str | None = None) -> LoadedModel:
    """Load a model folder once per process (reloaded when its manifest changes); no folder:
    the bundled model."""
    folder = resolve_model_dir(model_dir, None)
    manifest = folder / "manifest.json"
    stamp = manifest.stat().st_mtime_ns if manifest.exists() else -1
    key = (str(folder.resolve()), stamp)
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_model(folder)
    return _cache[key]


def classify_frame(
    frame: pl.DataFrame,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
    model: LoadedModel | None = None,
) -> pl.DataFrame:
    """Every input column plus template, root_cause, confidence, method, rule_id, evidence,
    root_cause_2, confidence_2 (the runner-up), retryable, fix_zh, fix_en.

    ``frame`` needs a ``message`` column; platform, http_status, error_code, sub_code and
    rate_limit_remaining are used when present.
    """
    loaded, thr = _model_and_threshold(model_dir, threshold, model)
    rows, decided = _decided(frame, loaded, thr)
    out = rows.join(decided, on="template_id", how="left", maintain_order="left")
    return out.select(*rows.columns[:-1], *OUTPUT_COLUMNS)


def _model_and_threshold(
    model_dir: Path | str | None,
    threshold: float | None,
    model: LoadedModel | None = None,
    *,
    db: Path | str | None = None,
) -> tuple[LoadedModel, float]:
    """The model to use and its abstain threshold (``threshold`` overrides the model's).

    The model is ``model``, else the ``model_dir`` folder, else the model recorded in the
    settings of ``db`` (what the last ``opsrca train`` made), else the bundled one.
    """
    loaded = model or get_model(resolve_model_dir(model_dir, db))
    thr = loaded.threshold if threshold is None else float(threshold)
    if not 0.0 <= thr <= 1.0:
        raise InputError(f"threshold must be within [0, 1], got {thr!r}")
    return loaded, thr


def _decided(
    frame: pl.DataFrame, loaded: LoadedModel, threshold: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(input columns + template_id, one decision per template_id)``: decided once each."""
    if "message" not in frame.columns:
        raise InputError(f"input has no 'message' column; columns present: {frame.columns}")
    base = frame.drop([c for c in (*OUTPUT_COLUMNS, "template_id") if c in frame.columns])
    rows, keys = template_keys(base)
    decided = decide_loaded(keys, loaded, threshold=threshold).select(
        "template_id", *OUTPUT_COLUMNS
    )
    return rows, decided


def read_input(path: Path | str) -> pl.DataFrame:
    """Read what there is to classify: a table with a ``message`` column (CSV / TSV / JSON
    Lines / Parquet / XLSX, opsrca's own exports included) as it is, or else any export
    ``ingest`` reads (TikTok, Qimen, Ozon, Taobao), as its normalized events."""
    src = Path(path)
    if not src.is_file():
        raise InputError(f"input file {str(src)!r} does not exist")
    suffix = src.suffix.lower()
    if suffix not in (".parquet", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt", ".xlsx"):
        raise InputError(
            f"cannot classify {str(src)!r}: give a .csv, .tsv, .jsonl, .parquet or .xlsx file "
            "(a table with a 'message' column, or an export `opsrca ingest` reads)"
        )
    frame: pl.DataFrame | None = None
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(src)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame = pl.read_ndjson(src, infer_schema_length=10000)
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = pl.read_csv(
                src,
                separator="\t" if suffix == ".tsv" else ",",
                infer_schema=False,
                encoding="utf8-lossy",
                truncate_ragged_lines=True,
            )
        elif suffix == ".xlsx":
            frame = pl.read_excel(src, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        frame = None  # not a plain table: maybe an export ingest knows (GBK, odd quoting)
    if frame is not None and frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    if frame is not None and "message" in frame.columns:
        return frame
    from opsrca.ingest import read_file

    try:
        events, _rejects = read_file(src)
    except InputError as exc:
        columns = f"; columns present: {frame.columns}" if frame is not None else ""
        raise InputError(
            f"{str(src)!r} has no 'message' column and is not an export opsrca knows "
            f"({str(exc).splitlines()[0]}){columns}; rename the message column to 'message'"
        ) from None
    return events


def classify_file(
    input_path: Path | str,
    output_path: Path | str,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
    lang: str = "zh",
    db: Path | str | None = None,
) -> pl.DataFrame:
    """Classify a file and write OUT (CSV with UTF-8 BOM, or Parquet by extension).

    Without ``model_dir`` the model is the one recorded for ``db`` (else the bundled one).

    Output = every input column + template, root_cause, confidence, method, rule_id, evidence,
    retryable, ``fix`` (in ``lang``) and the fix in the other language (``fix_en`` or ``fix_zh``).
    Returns counts per root cause.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"lang must be 'zh' or 'en', got {lang!r}")
    out_path = Path(output_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx", ".json"):
        raise InputError(f"output {str(out_path)!r} must end in .csv, .xlsx, .json or .parquet")
    frame = read_input(input_path)
    loaded, thr = _model_and_threshold(model_dir, threshold, db=db)
    rows, decided = _decided(frame, loaded, thr)
    del frame
    counts = (
        rows.group_by("template_id")
        .len("events")
        .join(decided, on="template_id", how="left")
        .group_by("root_cause")
        .agg(pl.col("events").sum(), pl.col("fix_zh").first(), pl.col("fix_en").first())
        .sort(["events", "root_cause"], descending=[True, False])
    )
    other = "en" if lang == "zh" else "zh"
    # `fix` is in the chosen language; the other language is kept beside it (no duplicate column).
    # Rows and decisions are joined while they are written: the wide result is never held.
    result = (
        rows.lazy()
        .join(decided.lazy(), on="template_id", how="left", maintain_order="left")
        .select(*rows.columns[:-1], *OUTPUT_COLUMNS)
        .with_columns(pl.col(f"fix_{lang}").alias("fix"))
        .select(pl.exclude("fix_zh", "fix_en"), f"fix_{other}")
    )
    from opsrca.report.tables import write_table  # the one writer of user-facing files

    write_table(result, out_path)
    return counts


@dataclass(frozen=True)
class TemplateRun:
    """What one ``decide_templates`` did: the work is counted in templates, not events."""

    model_version: str
    events_templated: int  # failed events given a template_id here (older databases only)
    templates_added: int
    templates_decided: int
    templates_total: int


def decide_templates(
    con: duckdb.DuckDBPyConnection,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
    redecide_all: bool = False,
    progress: bool = False,
    only_new: bool = False,
) -> TemplateRun:
    """Decide the templates of the failed events in ``events``, where something changed.

    Events ingested without a ``template_id`` (databases made by older versions) get one;
    templates seen for the first time are added to ``templates`` with their keys and an
    example; only templates that the current model version and threshold have not decided
    are decided (``redecide_all`` forces every one). A rerun with nothing new decides
    nothing; after a retrain the cost is the number of templates, not of events.
    ``only_new`` decides only templates no model has decided yet (what a read command does
    on its own: it never re-decides what someone classified with another model). Without
    ``model_dir`` the model is the database's (see ``opsrca.settings``).
    """
    loaded, thr = _model_and_threshold(model_dir, threshold, db=db_file(con))
    with store.transaction(con):
        templated = _backfill_template_ids(con)
        added = _add_new_templates(con)
        _refresh_counts(con)
        decided = _decide_stale(
            con, loaded, thr, redecide_all=redecide_all, progress=progress, only_new=only_new
        )
        (total,) = con.execute("SELECT count(*) FROM templates").fetchall()[0]
    run = TemplateRun(loaded.version, templated, added, decided, int(total))
    log.info("templates: %s", run)
    return run


def root_cause_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Failed events per root cause with the fix, largest first (from the templates)."""
    return store.query(
        con,
        """
        SELECT t.root_cause, sum(t.events)::BIGINT AS events, x.fix_zh, x.fix_en
        FROM templates t LEFT JOIN taxonomy x ON x.id = t.root_cause
        WHERE t.events > 0 AND t.root_cause IS NOT NULL
        GROUP BY ALL ORDER BY events DESC, t.root_cause
        """,
    )


def classify_db(
    con: duckdb.DuckDBPyConnection,
    *,
    model_dir: Path | str | None = None,
    progress: bool = False,
    threshold: float | None = None,
    redecide_all: bool = False,
) -> pl.DataFrame:
    """``decide_templates`` then the counts per root cause with the fix."""
    decide_templates(con, model_dir=model_dir, threshold=threshold, redecide_all=redecide_all)
    return root_cause_counts(con)


_BACKFILL_BATCH = 500_000
_DECIDE_CHUNK = 2_000


def _backfill_template_ids(con: duckdb.DuckDBPyConnection) -> int:
    """Give failed events without a ``template_id`` one, batch by batch (bounded memory)."""
    cols = ", ".join(RAW_COLUMNS)
    total = 0
    while True:
        batch = store.query(
            con,
            f"SELECT event_id, {cols} FROM events WHERE is_error AND template_id IS NULL "
            f"LIMIT {_BACKFILL_BATCH}",
        )
        if batch.height == 0:
            return total
        ids = template_keys(batch)[0].select("event_id", "template_id")  # noqa: F841
        con.execute(
            "UPDATE events SET template_id = ids.template_id FROM ids "
            "WHERE events.event_id = ids.event_id AND events.template_id IS NULL"
        )
        total += batch.height


def _add_new_templates(con: duckdb.DuckDBPyConnection) -> int:
    """One row per template not yet in ``templates``: keys recomputed from one example event."""
    cols = ", ".join(f"e.{c}" for c in RAW_COLUMNS)
    examples = store.query(
        con,
        f"""
        SELECT e.template_id AS stored_id, e.event_id AS example_event_id, {cols}
        FROM events e ANTI JOIN templates t ON t.template_id = e.template_id
        WHERE e.is_error AND e.template_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY e.template_id ORDER BY e.occurred_at, e.event_id) = 1
        """,
    )
    if examples.height == 0:
        return 0
    keyed = add_keys(examples)
    new = keyed.select(  # noqa: F841 (DuckDB reads it)
        pl.col("stored_id").alias("template_id"),
        *DECISION_KEYS,
        "example_event_id",
        pl.col("message").str.slice(0, 2000).alias("example_message"),
    )
    con.execute(
        "INSERT INTO templates (template_id, "
        + ", ".join(DECISION_KEYS)
        + ", example_event_id, example_message) SELECT * FROM new"
    )
    return examples.height


def _refresh_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Events, first and last seen per template: one aggregate over the failed events."""
    con.execute(
        """
        UPDATE templates SET events = s.n, first_seen = s.first_seen, last_seen = s.last_seen
        FROM (
            SELECT template_id, count(*) AS n, min(occurred_at) AS first_seen,
                   max(occurred_at) AS last_seen
            FROM events WHERE is_error AND template_id IS NOT NULL GROUP BY template_id
        ) s
        WHERE templates.template_id = s.template_id
          AND (templates.events IS DISTINCT FROM s.n
               OR templates.first_seen IS DISTINCT FROM s.first_seen
               OR templates.last_seen IS DISTINCT FROM s.last_seen)
        """
    )


def _decide_stale(
    con: duckdb.DuckDBPyConnection,
    loaded: LoadedModel,
    threshold: float,
    *,
    redecide_all: bool,
    progress: bool = False,
    only_new: bool = False,
) -> int:
    """Decide the templates this model version and threshold have not decided yet, a chunk
    at a time (a bar shows the progress when ``progress``)."""
    where = (
        ""
        if redecide_all
        else (
            "WHERE root_cause IS NULL OR model_version IS DISTINCT FROM $v "
            "OR threshold IS DISTINCT FROM $thr"
        )
    )
    params = {} if redecide_all else {"v": loaded.version, "thr": threshold}
    if only_new and not redecide_all:
        where, params = "WHERE root_cause IS NULL", {}
    keys = con.sql(
        f"SELECT template_id, {', '.join(DECISION_KEYS)} FROM templates {where}", params=params
    ).pl()
    if keys.height == 0:
        return 0
    stamp = datetime.now(UTC).replace(tzinfo=None)
    with progress_bar(progress, keys.height, "decide templates") as advance:
        for part in keys.iter_slices(_DECIDE_CHUNK):
            result = decide_loaded(part, loaded, threshold=threshold)
            decided = result.select(  # noqa: F841
                "template_id",
                "root_cause",
                "confidence",
                "method",
                "rule_id",
                "evidence",
                "root_cause_2",
                "confidence_2",
                pl.Series(
                    "oov_share",
                    loaded.model.oov_shares(result["template"].to_list()),
                    dtype=pl.Float64,
                ),
            )
            con.execute(
                """
                UPDATE templates SET root_cause = d.root_cause, confidence = d.confidence,
                    method = d.method, rule_id = d.rule_id, evidence = d.evidence,
                    root_cause_2 = d.root_cause_2, confidence_2 = d.confidence_2,
                    oov_share = d.oov_share,
                    model_version = $v, threshold = $thr, classified_at = $at
                FROM decided d WHERE templates.template_id = d.template_id
                """,
                {"v": loaded.version, "thr": threshold, "at": stamp},
            )
            advance(part.height)
    return keys.height
