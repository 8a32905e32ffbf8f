"""Classify frames, files and the database. Inference only: nothing here changes a model.

Rows are reduced to unique decision keys (see ``hybrid``), decided once and joined back,
so a million rows with a few thousand templates cost a few thousand model calls.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator
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
    from opsrca.ingest import read_file

    src = _checked_input(path)
    frame = _plain_table(src)
    if frame is not None and "message" in frame.columns:
        return frame
    try:
        return read_file(src)[0]
    except InputError as exc:
        raise _not_classifiable(src, exc, frame) from None


def _checked_input(path: Path | str) -> Path:
    src = Path(path)
    if not src.is_file():
        raise InputError(f"input file {str(src)!r} does not exist")
    if src.suffix.lower() not in (
        ".parquet",
        ".jsonl",
        ".ndjson",
        ".json",
        ".csv",
        ".tsv",
        ".txt",
        ".xlsx",
    ):
        raise InputError(
            f"cannot classify {str(src)!r}: give a .csv, .tsv, .jsonl, .parquet or .xlsx file "
            "(a table with a 'message' column, or an export `opsrca ingest` reads)"
        )
    return src


def _plain_table(src: Path) -> pl.DataFrame | None:
    """The file as a plain table, or None when it is not one (GBK, odd quoting: maybe an
    export ingest knows)."""
    suffix = src.suffix.lower()
    frame: pl.DataFrame | None = None
    try:
        if suffix == ".parquet":
            names = pl.read_parquet_schema(src)
            frame = pl.read_parquet(src) if "message" in names else _empty(names)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            names = pl.scan_ndjson(src, infer_schema_length=10000).collect_schema()
            frame = (
                pl.read_ndjson(src, infer_schema_length=10000)
                if "message" in names
                else _empty(names)
            )
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = _csv_with_message(src, "\t" if suffix == ".tsv" else ",")
        elif suffix == ".xlsx":
            frame = pl.read_excel(src, infer_schema_length=0)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return None
    if frame is not None and frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    return frame


def _csv_with_message(src: Path, separator: str) -> pl.DataFrame:
    """The CSV whole when its header names a ``message`` column; else only its header (an
    export that ingest reads is not loaded twice)."""
    options = {"separator": separator, "infer_schema": False, "encoding": "utf8-lossy"}
    header = pl.read_csv(src, n_rows=0, **options).columns
    if "message" not in [c.lstrip("\ufeff") for c in header]:
        return _empty(header)
    return pl.read_csv(src, truncate_ragged_lines=True, **options)


def _empty(names: Iterable[str]) -> pl.DataFrame:
    """A table's columns without its rows (what is read of an export ingest reads instead)."""
    return pl.DataFrame(schema=dict.fromkeys(names, pl.String))


def _not_classifiable(src: Path, exc: InputError, frame: pl.DataFrame | None) -> InputError:
    columns = f"; columns present: {frame.columns}" if frame is not None else ""
    return InputError(
        f"{str(src)!r} has no 'message' column and is not an export opsrca knows "
        f"({str(exc).splitlines()[0]}){columns}; rename the message column to 'message'"
    )


def _input_pieces(path: Path | str) -> Iterator[pl.DataFrame]:
    """``read_input`` in pieces: a plain table comes whole, an export ingest reads comes
    piece by piece (its memory follows the piece, not the file)."""
    from opsrca.ingest import iter_events
    from opsrca.ingest.stream import NotStreamable

    src = _checked_input(path)
    frame = _plain_table(src)
    if frame is not None and "message" in frame.columns:
        yield frame
        return
    del frame
    try:
        yield from iter_events(src)
    except NotStreamable:
        raise _Restart from None  # a piece needs the whole-file reader: the caller starts over
    except InputError as exc:
        raise _not_classifiable(src, exc, None) from None


class _Restart(Exception):
    """The pieces read so far are void; read the file whole."""


def _spill_templates(
    pieces: Iterable[pl.DataFrame], folder: Path
) -> tuple[list[Path], pl.DataFrame, pl.DataFrame]:
    """Each piece's rows + ``template_id`` written to ``folder`` (with its piece and row
    number), the unique decision keys over all pieces, and events per template."""
    files: list[Path] = []
    keys: list[pl.DataFrame] = []
    counts: list[pl.DataFrame] = []
    for i, piece in enumerate(pieces):
        if "message" not in piece.columns:
            raise InputError(f"input has no 'message' column; columns present: {piece.columns}")
        base = piece.drop([c for c in (*OUTPUT_COLUMNS, "template_id") if c in piece.columns])
        rows, piece_keys = template_keys(base)
        del piece, base
        part = folder / f"{i:06d}.parquet"
        rows.with_columns(
            pl.lit(i, pl.Int32).alias(_PIECE), pl.int_range(pl.len(), dtype=pl.Int64).alias(_ROW)
        ).write_parquet(part)
        files.append(part)
        keys.append(piece_keys)
        counts.append(rows.group_by("template_id").len("events"))
        if len(keys) > 8:  # keep the key list short: unique as we go
            keys = [pl.concat(keys).unique("template_id", keep="first", maintain_order=True)]
            counts = [pl.concat(counts).group_by("template_id").agg(pl.col("events").sum())]
    if not files:
        raise InputError("the input holds no rows to classify")
    unique_keys = pl.concat(keys).unique("template_id", keep="first", maintain_order=True)
    events = pl.concat(counts).group_by("template_id").agg(pl.col("events").sum())
    return files, unique_keys, events


def _content_id_fixes(files: list[Path]) -> pl.DataFrame:
    """``(piece, row, event_id)`` for the rows whose content id must be numbered over the
    whole file (each piece numbered its identical records 1, 2, … alone): the ids a whole-file
    read gives, as ``repeats.renumber_content_ids`` does for the database."""
    from opsrca.ingest.normalize import CONTENT_ID

    if len(files) < 2:
        return pl.DataFrame(schema={_PIECE: pl.Int32, _ROW: pl.Int64, "event_id": pl.String})
    con = duckdb.connect()
    try:
        return con.sql(
            f"""
            WITH c AS (
                SELECT {_PIECE}, {_ROW}, event_id, split_part(event_id, '-', 1) AS base
                FROM read_parquet($files) WHERE regexp_full_match(event_id, $pattern)
            ),
            twice AS (SELECT base FROM c GROUP BY event_id, base HAVING count(*) > 1)
            SELECT {_PIECE}, {_ROW}, new_id AS event_id FROM (
                SELECT {_PIECE}, {_ROW}, event_id,
                       base || '-' || row_number() OVER (PARTITION BY base ORDER BY {_PIECE}, {_ROW})
                           AS new_id
                FROM c SEMI JOIN twice USING (base)
            ) WHERE new_id <> event_id
            """,
            params={"files": [str(f) for f in files], "pattern": CONTENT_ID.strip("^$")},
        ).pl()
    finally:
        con.close()


_PIECE, _ROW = "__piece", "__row"


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
    Returns counts per root cause. An export is read, templated and spilled piece by piece,
    each template decided once, and the rows joined to their decisions while they are
    written, so memory follows a piece and the templates, not the file.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"lang must be 'zh' or 'en', got {lang!r}")
    out_path = Path(output_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx", ".json"):
        raise InputError(f"output {str(out_path)!r} must end in .csv, .xlsx, .json or .parquet")
    loaded, thr = _model_and_threshold(model_dir, threshold, db=db)
    with tempfile.TemporaryDirectory(prefix="opsrca-classify-") as tmp:
        try:
            files, keys, events = _spill_templates(_input_pieces(input_path), Path(tmp))
        except _Restart:
            for stale in Path(tmp).iterdir():
                stale.unlink()
            files, keys, events = _spill_templates([read_input(input_path)], Path(tmp))
        decided = decide_loaded(keys, loaded, threshold=thr).select("template_id", *OUTPUT_COLUMNS)
        counts = (
            events.join(decided, on="template_id", how="left")
            .group_by("root_cause")
            .agg(pl.col("events").sum(), pl.col("fix_zh").first(), pl.col("fix_en").first())
            .sort(["events", "root_cause"], descending=[True, False])
        )
        fixes = _content_id_fixes(files)
        rows = pl.scan_parquet(files)
        columns = [c for c in rows.collect_schema().names() if c not in (_PIECE, _ROW)]
        if fixes.height:
            rows = rows.join(
                fixes.lazy().rename({"event_id": "__fixed"}),
                on=[_PIECE, _ROW],
                how="left",
                maintain_order="left",
            ).with_columns(pl.coalesce("__fixed", "event_id").alias("event_id"))
        other = "en" if lang == "zh" else "zh"
        # `fix` is in the chosen language; the other language is kept beside it (no duplicate
        # column). Rows and decisions are joined while they are written: never held whole.
        result = (
            rows.join(decided.lazy(), on="template_id", how="left", maintain_order="left")
            .select(*[c for c in columns if c != "template_id"], *OUTPUT_COLUMNS)
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
