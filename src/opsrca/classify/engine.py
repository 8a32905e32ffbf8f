"""Classify frames, files and the database. Inference only: nothing here changes a model.

Rows are reduced to unique decision keys (see ``hybrid``), decided once and joined back,
so a million rows with a few thousand templates cost a few thousand model calls.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from opsrca import store
from opsrca.classify.hybrid import DECISION_KEYS, OUTPUT_COLUMNS, add_keys, decide
from opsrca.classify.persist import LoadedModel, load_model
from opsrca.errors import InputError
from opsrca.normalize import context_from_columns, prefold
from opsrca.paths import DEFAULT_MODEL_DIR

__all__ = ["classify_db", "classify_file", "classify_frame", "read_input"]

log = logging.getLogger(__name__)
RAW_COLUMNS: tuple[str, ...] = (
    "message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "rate_limit_remaining",
)
_cache: dict[tuple[str, int], LoadedModel] = {}


def get_model(model_dir: Path | str | None = None) -> LoadedModel:
    """Load a model folder once per process (reloaded when its manifest changes)."""
    folder = Path(model_dir) if model_dir else DEFAULT_MODEL_DIR
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
    retryable, fix_zh, fix_en.

    ``frame`` needs a ``message`` column; platform, http_status, error_code, sub_code and
    rate_limit_remaining are used when present.
    """
    if "message" not in frame.columns:
        raise InputError(f"input has no 'message' column; columns present: {frame.columns}")
    loaded = model or get_model(model_dir)
    thr = loaded.threshold if threshold is None else float(threshold)
    if not 0.0 <= thr <= 1.0:
        raise InputError(f"threshold must be within [0, 1], got {thr!r}")
    base = frame.drop([c for c in OUTPUT_COLUMNS if c in frame.columns])
    raw_cols = [c for c in RAW_COLUMNS if c in frame.columns]
    tagged = [f"__r_{c}" for c in raw_cols]
    # Rows -> unique raw combinations (the message prefolded, with the row's own shop and
    # item masked: rows that differ only in ids share a template anyway) -> templates ->
    # unique decision keys; decided once, joined back.
    context = context_from_columns(base.columns)
    rows = (
        base.lazy()
        .with_columns(
            (
                prefold(pl.col(c).cast(pl.String, strict=False), context=context)
                if c == "message"
                else pl.col(c)
                if base.schema[c].is_numeric() or base.schema[c] in (pl.String, pl.Boolean, pl.Null)
                else pl.col(c).cast(pl.String, strict=False)
            ).alias(t)
            for c, t in zip(raw_cols, tagged, strict=True)
        )
        .collect(engine="streaming")
    )
    combos = rows.select(tagged).unique().rename(dict(zip(tagged, raw_cols, strict=True)))
    kcols = [name if name not in raw_cols else f"__k_{name}" for name in DECISION_KEYS]
    keyed = add_keys(combos).rename(dict(zip(DECISION_KEYS, kcols, strict=True)))
    keyed = keyed.with_columns(combos.get_columns())  # raw values again, to join the rows
    keys = keyed.select(kcols).unique().rename(dict(zip(kcols, DECISION_KEYS, strict=True)))
    decided = decide(keys, loaded.model, threshold=thr)
    lookup = decided.select(
        *[pl.col(k).alias(kc) for k, kc in zip(DECISION_KEYS, kcols, strict=True)],
        *[c for c in OUTPUT_COLUMNS if c != "template"],
    )
    combos_out = keyed.join(lookup, on=kcols, how="left", nulls_equal=True).select(
        *[pl.col(c).alias(t) for c, t in zip(raw_cols, tagged, strict=True)],
        pl.col("template"),
        *[c for c in OUTPUT_COLUMNS if c != "template"],
    )
    out = rows.join(combos_out, on=tagged, how="left", nulls_equal=True, maintain_order="left")
    return out.select(*base.columns, *OUTPUT_COLUMNS)


def read_input(path: Path | str) -> pl.DataFrame:
    """Read a CSV / Parquet / JSONL input (by extension), all CSV columns as text."""
    src = Path(path)
    if not src.is_file():
        raise InputError(f"input file {str(src)!r} does not exist")
    suffix = src.suffix.lower()
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
        else:
            raise InputError(
                f"cannot tell the format of {str(src)!r} from {suffix!r}; use .csv, .parquet or .jsonl"
            )
    except InputError:
        raise
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise InputError(f"cannot read {str(src)!r}: {exc}") from exc
    if frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    if "message" not in frame.columns:
        raise InputError(
            f"{str(src)!r} has no 'message' column; columns present: {frame.columns}; "
            "rename the message column to 'message'"
        )
    return frame


def classify_file(
    input_path: Path | str,
    output_path: Path | str,
    *,
    model_dir: Path | str | None = None,
    threshold: float | None = None,
    lang: str = "zh",
) -> pl.DataFrame:
    """Classify a file and write OUT (CSV with UTF-8 BOM, or Parquet by extension).

    Output = every input column + template, root_cause, confidence, method, rule_id, evidence,
    retryable, ``fix`` (in ``lang``) and the fix in the other language (``fix_en`` or ``fix_zh``).
    Returns counts per root cause.
    """
    if lang not in ("zh", "en"):
        raise InputError(f"lang must be 'zh' or 'en', got {lang!r}")
    out_path = Path(output_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"output {str(out_path)!r} must end in .csv or .parquet")
    frame = read_input(input_path)
    result = classify_frame(frame, model_dir=model_dir, threshold=threshold)
    other = "en" if lang == "zh" else "zh"
    counts = summarize(result)
    # `fix` is in the chosen language; the other language is kept beside it (no duplicate column).
    result = result.with_columns(pl.col(f"fix_{lang}").alias("fix")).select(
        pl.exclude("fix_zh", "fix_en"), f"fix_{other}"
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        result.write_parquet(out_path)
    else:
        result.write_csv(out_path, include_bom=True)
    return counts


def summarize(result: pl.DataFrame) -> pl.DataFrame:
    """Counts per root cause with the fix, largest first."""
    return (
        result.group_by("root_cause")
        .agg(pl.len().alias("events"), pl.col("fix_zh").first(), pl.col("fix_en").first())
        .sort(["events", "root_cause"], descending=[True, False])
    )


def classify_db(
    con: duckdb.DuckDBPyConnection,
    *,
    model_dir: Path | str | None = None,
    progress: bool = False,
    threshold: float | None = None,
) -> pl.DataFrame:
    """Classify the failed events of ``events`` into ``classifications`` (replacing earlier
    results of those events) and return counts per root cause with the fix."""
    loaded = get_model(model_dir)
    events = store.query(
        con,
        "SELECT event_id, platform, http_status, error_code, sub_code, message, "
        "rate_limit_remaining, shop_id, item_code FROM events WHERE is_error",
    )
    if events.height == 0:
        return summarize(
            pl.DataFrame(schema={"root_cause": pl.String, "fix_zh": pl.String, "fix_en": pl.String})
        )
    result = classify_frame(events, model=loaded, threshold=threshold)
    stamped = result.with_columns(
        pl.lit(loaded.version).alias("model_version"),
        pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("classified_at"),
    )
    ids = stamped.select("event_id")  # noqa: F841  (read by DuckDB by name)
    with store.transaction(con):
        con.execute("DELETE FROM classifications WHERE event_id IN (SELECT event_id FROM ids)")
        store.append(con, "classifications", stamped)
    if progress:
        log.info(
            "classified %d failed events (%d templates) with %s",
            result.height,
            result["template"].n_unique(),
            loaded.version,
        )
    return summarize(result)
