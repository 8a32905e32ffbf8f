"""The public API of opsrca: what notebooks and scripts import (``import opsrca``).

Every function takes the database path (default ``./opsrca.duckdb``) and returns Polars
DataFrames or small dataclasses; the CLI is a thin layer over these. Read functions open
the database read-only, so a notebook never changes it by looking.

Example::

    import opsrca
    result = opsrca.analyze(db="opsrca.duckdb", out="opsrca-out")
    events = opsrca.load("opsrca.duckdb")
    opsrca.find_errors("opsrca.duckdb", category="auth", min_retries=3)

``errors``, ``classify``, ``ingest`` and ``report`` are also names of opsrca modules, so
the package exports them as ``find_errors``, ``classify_frame``, ``ingest_files`` and
``write_report``; this module has both spellings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from opsrca import paths as P
from opsrca import store
from opsrca.report import filters as _filters
from opsrca.report import health as _health
from opsrca.report import incidents as _incidents
from opsrca.report import novelty as _novelty
from opsrca.report import retry as _retry
from opsrca.report import summary as _summary
from opsrca.report import views
from opsrca.report.analyze import AnalyzeResult
from opsrca.report.filters import ErrorFilter, ErrorPage, EventDetail
from opsrca.report.outputs import OutputFiles, write_outputs
from opsrca.report.summary import Summary
from opsrca.safety import safe_console

if TYPE_CHECKING:
    from opsrca.ingest import IngestReport

__all__ = [
    "DEFAULT_MODEL_DIR",
    "LABELED_SAMPLE",
    "SAMPLE_DUMP_DIR",
    "AnalyzeResult",
    "ErrorFilter",
    "ErrorPage",
    "EventDetail",
    "OutputFiles",
    "Summary",
    "analyze",
    "classify",
    "classify_events",
    "classify_frame",
    "error_page",
    "errors",
    "evaluate",
    "find_errors",
    "health",
    "incidents",
    "ingest",
    "ingest_files",
    "load",
    "model_manifest",
    "new_patterns",
    "report",
    "retry_waste",
    "show",
    "sql",
    "summarize",
    "train",
    "unknown_templates",
    "write_report",
]

#: The bundled sample dump (what ``analyze`` reads by default).
SAMPLE_DUMP_DIR: Path = P.SAMPLE_DUMP_DIR
#: The bundled labeled errors the default model is trained on.
LABELED_SAMPLE: Path = P.SAMPLES_DIR / "labeled_errors.csv"
#: The bundled model folder.
DEFAULT_MODEL_DIR: Path = P.DEFAULT_MODEL_DIR

DbPath = Path | str
Many = str | int | Sequence[str] | Sequence[int] | None


@contextmanager
def reader(db: DbPath = P.DEFAULT_DB) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection with the ``ev`` view (events + latest classification) registered."""
    con = store.connect(db, read_only=True)
    try:
        yield views.prepare(con)
    finally:
        con.close()


def load(db: DbPath = P.DEFAULT_DB, *, errors_only: bool = False) -> pl.DataFrame:
    """Every event joined with its root cause (null for successes and unclassified errors).

    Columns: the ``events`` columns plus template, root_cause, confidence, method,
    rule_id, evidence, retryable, fix_zh, fix_en, root_cause_zh, root_cause_en, owner,
    model_version, classified_at.
    """
    with reader(db) as con:
        where = " WHERE is_error" if errors_only else ""
        return views.fetch(con, f"SELECT * FROM ev{where} ORDER BY occurred_at, event_id")


def sql(query: str, db: DbPath = P.DEFAULT_DB) -> pl.DataFrame:
    """Run read-only SQL; the views ``ev`` (events + root cause) and ``taxonomy`` are available."""
    with reader(db) as con:
        return store.query(con, query)


def ingest(
    paths: Iterable[Path | str], *, db: DbPath = P.DEFAULT_DB, **options: Any
) -> IngestReport:
    """Ingest files/folders into the database; returns the ``IngestReport`` (options as ``ingest_paths``)."""
    from opsrca.ingest import ingest_paths

    con = store.connect(db)
    try:
        return ingest_paths(paths, con, **options)
    finally:
        con.close()


def classify(
    frame: pl.DataFrame, *, model_dir: Path | str | None = None, threshold: float | None = None
) -> pl.DataFrame:
    """Classify a frame with a ``message`` column; adds root_cause, confidence, evidence, fixes.

    Pure: never changes the model or the database.
    """
    from opsrca.classify import classify_frame

    return classify_frame(frame, model_dir=model_dir, threshold=threshold)


def classify_events(
    db: DbPath = P.DEFAULT_DB, *, model_dir: Path | str | None = None
) -> pl.DataFrame:
    """Classify the failed events stored in the database; returns counts per root cause."""
    from opsrca.classify import classify_db

    con = store.connect(db)
    try:
        return classify_db(con, model_dir=model_dir)
    finally:
        con.close()


def train(
    labeled: Path | str,
    *,
    model_dir: Path | str | None = None,
    configs: Sequence[dict[str, Any]] | None = None,
    db: DbPath = P.DEFAULT_DB,
    progress: bool = False,
    realworld: Path | str | None = None,
    add: Sequence[Path | str] = (),
    note: str | None = None,
    learn_realworld: bool = False,
) -> dict[str, Any]:
    """Train on a labeled CSV (message, label, optional platform, http_status, error_code,
    source) plus the knowledge base and analysts' ``add`` files, cross-validate, and write the
    model folder (features and thresholds chosen on ``realworld`` when given).

    Without ``model_dir`` the model goes to a new versioned folder beside ``db``
    (``models/<YYYYmmdd-HHMMSS>-<hash>/``) and becomes the database's model: the next
    ``analyze`` / ``classify`` of ``db`` use it. With ``model_dir`` nothing else changes
    (``opsrca config set model DIR`` adopts it). The bundled model is never written.

    ``configs``: the feature configs to compare (default: all the classifier knows); pass
    ``[model_manifest()["feature_config"]]`` to retrain with the bundled model's settings
    only, which is several times faster. ``learn_realworld``: the model learns the
    ``realworld`` rows too, and is scored on them by source-family folds instead. Returns the
    new manifest (metrics included) with ``model_dir``, the folder written. ``train`` may
    change a model folder; ``classify_frame`` never does.
    """
    from opsrca import settings
    from opsrca.classify import train as _train

    folder = Path(model_dir) if model_dir is not None else settings.new_model_dir(db, labeled)
    extra: dict[str, Any] = {} if configs is None else {"configs": tuple(configs)}
    if model_dir is None:  # the version and changelog continue from the database's model
        extra["previous"] = settings.resolve_model_dir(None, db)
    manifest = _train(
        labeled,
        model_dir=folder,
        progress=progress,
        realworld=realworld,
        add=tuple(add),
        note=note,
        learn_realworld=learn_realworld,
        **extra,
    )
    if model_dir is None:
        settings.set_value(db, "model", str(folder.resolve()))
    return {**manifest, "model_dir": str(folder)}


def model_manifest(
    model_dir: Path | str | None = None, *, db: DbPath | None = None
) -> dict[str, Any]:
    """The manifest of a model folder (labels, threshold, feature config, metrics, hashes):
    ``model_dir``, else the model of ``db``, else the bundled model."""
    from opsrca.classify.persist import read_manifest
    from opsrca.settings import resolve_model_dir

    return read_manifest(resolve_model_dir(model_dir, db))


def evaluate(labeled: Path | str, *, model_dir: Path | str | None = None) -> dict[str, Any]:
    """Grouped cross-validated metrics (rules, model, hybrid side by side) of a model's settings on a
    labeled CSV, plus the fitted model's own score when the file is not its training data."""
    from opsrca.classify import evaluate as _evaluate

    return _evaluate(labeled, model_dir=model_dir)


def analyze(
    paths: Iterable[Path | str] | None = None,
    *,
    db: DbPath = P.DEFAULT_DB,
    out: Path | str = P.DEFAULT_OUT,
    lang: str = "zh",
    model_dir: Path | str | None = None,
    verbose: bool = False,
) -> AnalyzeResult:
    """Ingest, classify, run listing checks, and write events.parquet, summary.csv and report.html.

    ``paths`` default to the bundled sample dump; ``verbose`` prints the terminal summary.
    """
    from opsrca.report.analyze import analyze as _analyze

    return _analyze(
        paths,
        db=db,
        out=out,
        lang=lang,
        model_dir=model_dir,
        console=safe_console() if verbose else None,
    )


def summarize(db: DbPath = P.DEFAULT_DB, *, model_dir: Path | str | None = None) -> Summary:
    """Every section of the analyze summary, computed from what the database holds."""
    with reader(db) as con:
        return _summary.build_summary(con, model_dir=model_dir)


def report(
    db: DbPath = P.DEFAULT_DB,
    out: Path | str = P.DEFAULT_OUT,
    *,
    model_dir: Path | str | None = None,
    lang: str = "zh",
) -> OutputFiles:
    """Write report.html (labels in ``lang``), summary.csv and events.parquet for what the
    database holds."""
    with reader(db) as con:
        s = _summary.build_summary(con, model_dir=model_dir)
        return write_outputs(con, s, out, lang=lang)


def _many(value: Many, kind: type = str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]  # type: ignore[assignment]
    return tuple(kind(v) for v in value)  # type: ignore[union-attr]


def _error_filter(
    *,
    platform: Many = None,
    shop: Many = None,
    endpoint: str | None = None,
    status: Many = None,
    code: Many = None,
    category: Many = None,
    since: str | datetime | date | None = None,
    until: str | datetime | date | None = None,
    min_retries: int | None = None,
    search: str | None = None,
    limit: int | None = 50,
) -> ErrorFilter:
    return ErrorFilter(
        platform=_many(platform),
        shop=_many(shop),
        endpoint=endpoint,
        status=_many(status, int),
        code=_many(code),
        category=_many(category),
        since=_filters.parse_when(since),
        until=_filters.parse_when(until, end=True),
        min_retries=min_retries,
        search=search,
        limit=limit,
    )


def errors(
    db: DbPath = P.DEFAULT_DB,
    *,
    platform: Many = None,
    shop: Many = None,
    endpoint: str | None = None,
    status: Many = None,
    code: Many = None,
    category: Many = None,
    since: str | datetime | date | None = None,
    until: str | datetime | date | None = None,
    min_retries: int | None = None,
    search: str | None = None,
    limit: int | None = 50,
) -> pl.DataFrame:
    """Failed events matching every given filter, newest first (see ``ErrorFilter``).

    Filters: ``platform``, ``shop`` (id or name), ``endpoint``, ``status``, ``code``,
    ``category`` (a root-cause id or a family, ``"auth"``), ``since``/``until`` (UTC ISO
    dates or datetimes; a bare ``until`` date includes that day), ``min_retries``,
    ``search``, ``limit`` (default 50; ``None`` returns all). An unknown platform or
    category, a shop that matches nothing, or ``since`` after ``until`` raise ``InputError``.
    """
    return error_page(
        db,
        platform=platform,
        shop=shop,
        endpoint=endpoint,
        status=status,
        code=code,
        category=category,
        since=since,
        until=until,
        min_retries=min_retries,
        search=search,
        limit=limit,
    ).rows


def error_page(
    db: DbPath = P.DEFAULT_DB,
    *,
    platform: Many = None,
    shop: Many = None,
    endpoint: str | None = None,
    status: Many = None,
    code: Many = None,
    category: Many = None,
    since: str | datetime | date | None = None,
    until: str | datetime | date | None = None,
    min_retries: int | None = None,
    search: str | None = None,
    limit: int | None = 50,
) -> ErrorPage:
    """``errors`` plus ``total``: how many rows matched before the limit."""
    flt = _error_filter(
        platform=platform,
        shop=shop,
        endpoint=endpoint,
        status=status,
        code=code,
        category=category,
        since=since,
        until=until,
        min_retries=min_retries,
        search=search,
        limit=limit,
    )
    with reader(db) as con:
        return _filters.error_page(con, flt)


def show(event_id: str, *, db: DbPath = P.DEFAULT_DB) -> EventDetail:
    """One event in full: columns, raw payload, classification with evidence and the fix."""
    with reader(db) as con:
        return _filters.show_event(con, event_id)


def health(db: DbPath = P.DEFAULT_DB) -> pl.DataFrame:
    """Token health per platform and shop (auth errors, token expiry, success share, quota
    headroom), with ``shop_name`` and ``shop`` ("name (id)") beside ``shop_id``."""
    with reader(db) as con:
        return views.with_shop_labels(con, _health.token_health(con))


def incidents(
    db: DbPath = P.DEFAULT_DB,
    *,
    bucket_minutes: int = 10,
    factor: float = 3.0,
    min_count: int = 5,
) -> pl.DataFrame:
    """Bursts of one root cause in one shop, merged into one row (and one ``line``) each."""
    with reader(db) as con:
        return _incidents.incidents(
            con, bucket_minutes=bucket_minutes, factor=factor, min_count=min_count
        )


def retry_waste(db: DbPath = P.DEFAULT_DB, *, min_retries: int = 3) -> pl.DataFrame:
    """Retries spent on causes no retry can cure, per shop and endpoint."""
    with reader(db) as con:
        return _retry.retry_waste(con, min_retries=min_retries)


def new_patterns(
    db: DbPath = P.DEFAULT_DB, *, batches: Sequence[str] | None = None
) -> pl.DataFrame:
    """Templates first seen in ``batches`` (default: the latest ingest) compared with earlier batches."""
    with reader(db) as con:
        return _novelty.new_templates(con, batches)


def unknown_templates(db: DbPath = P.DEFAULT_DB, *, limit: int = 20) -> pl.DataFrame:
    """The largest ``unknown`` templates with an example each: what to label next."""
    with reader(db) as con:
        return _summary.unknown_templates(con, limit=limit)


# Top-level spellings (see the module docstring).
find_errors = errors
classify_frame = classify
ingest_files = ingest
write_report = report
