"""New patterns: templates this dump brought that the database or the model never saw.

Two questions: which templates appear for the first time in the current batch (against
everything ingested before), and which templates the model was not trained on (from the
training-template list the model folder ships, when it does).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from opsrca.report.labels import Note
from opsrca.report.views import fetch

# Where a model folder may list its training templates (plain or as hex digests).
_MANIFEST_KEYS: tuple[str, ...] = (
    "training_templates",
    "training_template_hashes",
    "template_hashes",
    "templates",
)
_TEMPLATE_FILES: tuple[str, ...] = ("training_templates.txt", "templates.txt")


def latest_batches(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The batch ids of the most recent ingest (the latest ``ingested_at`` second)."""
    frame = fetch(
        con,
        """
        SELECT DISTINCT batch_id FROM ingested_files
        WHERE batch_id IS NOT NULL AND date_trunc('second', ingested_at) =
              (SELECT max(date_trunc('second', ingested_at)) FROM ingested_files)
        ORDER BY batch_id
        """,
    )
    return frame["batch_id"].to_list()


def new_templates(
    con: duckdb.DuckDBPyConnection, batches: Iterable[str] | None = None, *, limit: int = 20
) -> pl.DataFrame:
    """Templates of failed events whose first sighting is in ``batches`` (default: the latest ingest).

    Returns template, root_cause, events, shops, example, first_at; empty when the
    database held nothing before those batches (then everything would be "new", which
    says nothing) or when no batch is given and none was ingested.
    """
    current = list(batches) if batches is not None else latest_batches(con)
    if not current:
        return _empty()
    older = fetch(
        con,
        f"SELECT count(*) AS n FROM ev WHERE batch_id NOT IN ({', '.join('?' for _ in current)})",
        current,
    ).item()
    if not older:
        return _empty()
    marks = ", ".join("?" for _ in current)
    return fetch(
        con,
        f"""
        WITH t AS (
            SELECT template,
                   bool_or(batch_id NOT IN ({marks})) AS seen_before,
                   count(*) FILTER (WHERE batch_id IN ({marks})) AS events,
                   count(DISTINCT shop_id) FILTER (WHERE batch_id IN ({marks})) AS shops,
                   mode(root_cause) AS root_cause,
                   min(message) AS example,
                   min(occurred_at) AS first_at
            FROM ev WHERE is_error AND template IS NOT NULL GROUP BY template
        )
        SELECT template, root_cause, events, shops, example, first_at
        FROM t WHERE NOT seen_before AND events > 0
        ORDER BY events DESC, template LIMIT {int(limit)}
        """,
        [*current, *current, *current],
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "template": pl.String,
            "root_cause": pl.String,
            "events": pl.Int64,
            "shops": pl.Int64,
            "example": pl.String,
            "first_at": pl.Datetime("us"),
        }
    )


def training_templates(model_dir: Path | str | None) -> set[str] | None:
    """Templates (or their hex digests) the model was trained on, or None when the folder does not say."""
    if model_dir is None:
        return None
    folder = Path(model_dir)
    found: set[str] = set()
    manifest = folder / "manifest.json"
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        for key in _MANIFEST_KEYS:
            value = data.get(key) if isinstance(data, dict) else None
            if isinstance(value, list):
                found.update(str(v) for v in value)
    for name in _TEMPLATE_FILES:
        path = folder / name
        if path.is_file():
            found.update(
                line.strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            )
    return found or None


def _digests(template: str) -> tuple[str, ...]:
    raw = template.encode("utf-8")
    return (
        template,
        hashlib.sha256(raw).hexdigest(),
        hashlib.sha1(raw).hexdigest(),
        hashlib.md5(raw).hexdigest(),
    )


def unseen_templates(
    con: duckdb.DuckDBPyConnection,
    model_dir: Path | str | None,
    *,
    limit: int = 20,
    min_oov: float = 0.5,
) -> tuple[pl.DataFrame, str]:
    """Templates of failed events the model never saw in training, with a note on how it was decided.

    When the model folder lists its training templates (plain or hashed), a template is
    unseen when it is not in that list. Otherwise a template counts as unseen when at
    least ``min_oov`` of its words are outside the model's training vocabulary: that share
    (``oov_share``) is stored per template when it is decided, so no model is loaded here.
    """
    per_template = fetch(
        con,
        """
        SELECT t.template, t.root_cause, t.events, s.shops, t.example_message AS example,
               t.confidence AS mean_confidence, t.oov_share
        FROM templates t
        JOIN (SELECT template_id, count(DISTINCT shop_id) AS shops FROM events
              WHERE is_error GROUP BY template_id) s USING (template_id)
        WHERE t.root_cause IS NOT NULL AND t.events > 0
        """,
    )
    total = per_template["template"].n_unique()
    known = training_templates(model_dir)
    if known is not None:
        seen = pl.Series([any(d in known for d in _digests(t)) for t in per_template["template"]])
        how = "note_unseen_listed"
        per_template = per_template.with_columns(
            pl.when(seen).then(None).otherwise(1.0).alias("oov_share")
        )
    elif per_template["oov_share"].null_count() == per_template.height:
        return _empty_unseen(), Note("note_unseen_skipped")
    else:
        seen = per_template["oov_share"].is_null() | (per_template["oov_share"] < min_oov)
        how = "note_unseen_vocab"
    unseen = (
        per_template.filter(~seen)
        .group_by("template")
        .agg(
            pl.col("root_cause").sort_by("events").last(),
            pl.col("events").sum(),
            pl.col("shops").max(),
            pl.col("example").first(),
            ((pl.col("mean_confidence") * pl.col("events")).sum() / pl.col("events").sum()).alias(
                "mean_confidence"
            ),
            pl.col("oov_share").max(),
        )
        .sort(["events", "template"], descending=[True, False])
    )
    note = Note(how, n=unseen.height, total=total, share=f"{min_oov:.0%}")
    return unseen.head(limit), note


def _empty_unseen() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "template": pl.String,
            "root_cause": pl.String,
            "events": pl.Int64,
            "shops": pl.Int64,
            "example": pl.String,
            "mean_confidence": pl.Float64,
            "oov_share": pl.Float64,
        }
    )
