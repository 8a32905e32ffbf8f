"""The labeled data a model learns from and is judged on, read and checked in one place.

Training rows = the shipped labeled CSV + the knowledge base's documented messages
(``kb.kb_training_rows``) + analysts' labeled exports (``opsrca train --add FILE``). The
real-world set (``data/realworld/realworld.csv``) is never trained on: it only chooses the
features and the abstain threshold, and is reported beside cross-validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from opsrca.classify.kb import kb_training_rows
from opsrca.classify.taxonomy import label_ids
from opsrca.classify.tokenize import feature_docs
from opsrca.errors import InputError
from opsrca.templates import add_keys, key_ids

__all__ = [
    "ANALYST_COLUMNS",
    "REALWORLD_COLUMNS",
    "TrainingData",
    "prepare",
    "read_analyst_file",
    "read_labeled",
    "read_realworld",
    "read_table",
    "training_data",
]

REALWORLD_COLUMNS: tuple[str, ...] = ("message", "platform", "category", "source", "source_group")
ANALYST_COLUMNS: tuple[str, ...] = ("label",)
"""An analyst's file needs ``label`` and ``message`` (or ``example_message``); ``template_id``,
platform, http_status, error_code and sub_code are used when present."""
_LABELED_SHAPE: tuple[str, ...] = (
    "message",
    "label",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "source",
    "group",
)


def read_table(path: Path | str, what: str) -> pl.DataFrame:
    """A CSV (any columns as text) or an XLSX sheet (by extension); BOM and blanks tolerated."""
    src = Path(path)
    if not src.is_file():
        raise InputError(f"{what} {str(src)!r} does not exist")
    try:
        if src.suffix.lower() == ".xlsx":
            frame = pl.read_excel(src, infer_schema_length=0)
        else:
            frame = pl.read_csv(src, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputError(f"cannot read {what} {str(src)!r}: {exc}") from exc
    if frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    return frame.with_columns(pl.all().cast(pl.String))


def prepare(frame: pl.DataFrame, where: str) -> pl.DataFrame:
    """Labeled rows checked against the taxonomy, with decision keys and feature docs added."""
    missing = {"message", "label"} - set(frame.columns)
    if missing:
        raise InputError(
            f"{where} lacks columns {sorted(missing)}; columns present: {frame.columns}"
        )
    known = set(label_ids())
    numbered = frame.with_row_index("__line", offset=2)
    bad = numbered.filter(~pl.col("label").is_in(sorted(known)))
    if bad.height:
        raise InputError(
            f"{where}: label {bad['label'][0]!r} (line {bad['__line'][0]}) is not a taxonomy id; "
            'see `opsrca query "SELECT id FROM taxonomy"`'
        )
    frame = frame.with_columns(
        *(pl.lit(None, pl.String).alias(c) for c in ("source", "group") if c not in frame.columns)
    )
    keyed = add_keys(frame)
    keyed = keyed.with_columns(
        pl.col("source").fill_null("unknown"),
        pl.coalesce("group", "template").alias("group"),
    )
    return keyed.with_columns(feature_docs(keyed))


def read_labeled(path: Path | str) -> pl.DataFrame:
    """The labeled CSV (message, label, optional platform, http_status, error_code, sub_code,
    source, group), checked against the taxonomy, with decision keys and feature docs added."""
    return prepare(read_table(path, "labeled file"), repr(str(path)))


def read_realworld(path: Path | str) -> pl.DataFrame:
    """The real-world evaluation set (``REALWORLD_COLUMNS``) as labeled rows: ``category`` is
    the label, ``source_group`` the source family (one SDK, doc page or thread each)."""
    frame = read_table(path, "real-world set")
    missing = set(REALWORLD_COLUMNS) - set(frame.columns)
    if missing:
        raise InputError(
            f"real-world set {str(path)!r} lacks columns {sorted(missing)}; "
            f"expected {list(REALWORLD_COLUMNS)}"
        )
    frame = frame.select(
        "message",
        "platform",
        pl.col("category").alias("label"),
        pl.coalesce("source_group", "source").alias("source"),
        pl.col("source").alias("url"),
    )
    return prepare(frame.with_columns(pl.lit(None, pl.String).alias("group")), repr(str(path)))


def read_analyst_file(path: Path | str) -> tuple[pl.DataFrame, dict[str, str]]:
    """An analyst's filled-in ``opsrca label`` export: ``(labeled rows, template_id -> label)``.

    Rows whose ``label`` is empty are skipped. The message is ``message`` or
    ``example_message``; the template id is the file's own (from the database) or, without
    one, computed from the message and its fields.
    """
    frame = read_table(path, "labeled export")
    if "message" not in frame.columns and "example_message" in frame.columns:
        frame = frame.rename({"example_message": "message"})
    if "label" not in frame.columns or "message" not in frame.columns:
        raise InputError(
            f"labeled export {str(path)!r} needs columns 'label' and 'message' (or "
            f"'example_message'); columns present: {frame.columns}; make one with `opsrca label`"
        )
    frame = frame.with_columns(pl.col("label").str.strip_chars().replace("", None)).filter(
        pl.col("label").is_not_null() & pl.col("message").is_not_null()
    )
    rows = prepare(
        frame.with_columns(
            pl.lit(f"analyst:{Path(path).name}").alias("source"),
            pl.lit(None, pl.String).alias("group"),
        ).drop("source_file", strict=False),
        repr(str(path)),
    )
    computed = key_ids(rows)
    ids = rows["template_id"].fill_null(computed) if "template_id" in rows.columns else computed
    return rows, dict(zip(ids.to_list(), rows["label"].to_list(), strict=True))


@dataclass
class TrainingData:
    """The rows a model is trained on, where they came from, and the analysts' labels."""

    rows: pl.DataFrame
    counts: dict[str, int]
    analyst_labels: dict[str, str] = field(default_factory=dict)


def _labeled_shape(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col(c).cast(pl.String) if c in frame.columns else pl.lit(None, pl.String).alias(c)
        for c in _LABELED_SHAPE
    )


def training_data(
    labeled: Path | str,
    *,
    add: Sequence[Path | str] = (),
    kb: bool = True,
) -> TrainingData:
    """The shipped labeled CSV, the knowledge base's documented messages and analysts' files,
    as one frame of prepared rows (analysts' labels of one template: the last file wins)."""
    parts = [_labeled_shape(read_table(labeled, "labeled file"))]
    counts = {"labeled": parts[0].height}
    prepared = [prepare(parts[0], repr(str(labeled)))]
    if kb:
        rows = kb_training_rows()
        counts["kb"] = rows.height
        if rows.height:
            prepared.append(prepare(_labeled_shape(rows), "knowledge base"))
    labels: dict[str, str] = {}
    for path in add:
        rows, mapping = read_analyst_file(path)
        counts[f"analyst:{Path(path).name}"] = rows.height
        prepared.append(rows.select(prepared[0].columns))
        labels.update(mapping)
    common = prepared[0].columns
    return TrainingData(
        pl.concat([p.select(common) for p in prepared], how="vertical_relaxed"), counts, labels
    )
