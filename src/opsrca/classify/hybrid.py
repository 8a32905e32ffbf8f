"""The hybrid decision over unique keys: a decisive rule wins, otherwise the model.

Input rows are reduced to their decision keys (``keys.DECISION_KEYS``, re-exported here);
rules and model run once per unique key and the result is joined back. Empty, binary-ish
or text-free messages are ``unknown`` with confidence 0. ``root_cause_expr`` is the decision
itself, shared with training and evaluation.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from opsrca.classify.keys import DECISION_KEYS
from opsrca.classify.model import RootCauseModel
from opsrca.classify.rules import Rule, apply_rules
from opsrca.classify.taxonomy import UNKNOWN, load_taxonomy
from opsrca.classify.tokenize import feature_docs
from opsrca.templates import add_keys

__all__ = ["DECISION_KEYS", "OUTPUT_COLUMNS", "add_keys", "decide", "root_cause_expr"]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "template",
    "root_cause",
    "confidence",
    "method",
    "rule_id",
    "evidence",
    "retryable",
    "fix_zh",
    "fix_en",
)


def _fmt(value: pl.Expr) -> pl.Expr:
    return value.round(2).cast(pl.String)


def root_cause_expr(*, threshold: float) -> pl.Expr:
    """The decision: garbage is ``unknown``; a rule wins; else the model when sure enough.

    Reads ``garbage``, ``rule_label``, ``model_label`` and ``model_confidence``. ``decide``
    (classify) and ``training`` (train's CV, evaluate) both call it, so the scores measure the
    rule production applies; nulling one side's columns scores the other side alone.
    """
    return (
        pl.when(pl.col("garbage").fill_null(False))
        .then(pl.lit(UNKNOWN))
        .when(pl.col("rule_label").is_not_null())
        .then(pl.col("rule_label"))
        .when((pl.col("model_confidence") >= threshold).fill_null(False))
        .then(pl.col("model_label"))
        .otherwise(pl.lit(UNKNOWN))
        .alias("root_cause")
    )


def decide(
    keys: pl.DataFrame,
    model: RootCauseModel | None,
    *,
    threshold: float = 0.5,
    rules: tuple[Rule, ...] | None = None,
) -> pl.DataFrame:
    """Decide each unique key: adds the output columns plus model/rule detail columns.

    ``model=None`` gives rules alone (abstentions are ``unknown``).
    """
    frame = apply_rules(keys, rules)
    n = frame.height
    if model is not None and n:
        docs = feature_docs(frame).to_list()
        proba = model.predict_proba(docs)
        best = proba.argmax(axis=1)
        labels = model.classes_[best].astype(str)
        conf = proba[np.arange(n), best]
        terms = model.top_terms(docs, labels.tolist())
        frame = frame.with_columns(
            pl.Series("model_label", labels, dtype=pl.String),
            pl.Series("model_confidence", conf, dtype=pl.Float64),
            pl.Series("model_terms", terms, dtype=pl.String),
        )
    else:
        frame = frame.with_columns(
            pl.lit(None, pl.String).alias("model_label"),
            pl.lit(None, pl.Float64).alias("model_confidence"),
            pl.lit(None, pl.String).alias("model_terms"),
        )
    garbage = pl.col("garbage").fill_null(False)
    has_rule = pl.col("rule_label").is_not_null()
    agree = has_rule & (pl.col("model_label") == pl.col("rule_label")).fill_null(False)
    confident = (pl.col("model_confidence") >= threshold).fill_null(False)
    known = pl.col("model_terms").fill_null("")
    terms = pl.lit("terms: ") + pl.when(known == "").then(pl.lit("(no known term)")).otherwise(
        known
    )
    frame = frame.with_columns(
        root_cause_expr(threshold=threshold),
        pl.when(garbage)
        .then(pl.lit(0.0))
        .when(agree)
        .then(pl.max_horizontal("rule_confidence", "model_confidence"))
        .when(has_rule)
        .then(pl.col("rule_confidence"))
        .otherwise(pl.col("model_confidence").fill_null(0.0))
        .round(4)
        .alias("confidence"),
        pl.when(garbage)
        .then(pl.lit("none"))
        .when(agree)
        .then(pl.lit("rule+model"))
        .when(has_rule)
        .then(pl.lit("rule"))
        .when(pl.col("model_label").is_not_null())
        .then(pl.lit("model"))
        .otherwise(pl.lit("none"))
        .alias("method"),
        pl.when(garbage)
        .then(pl.lit("empty, binary or text-free message"))
        .when(agree)
        .then(pl.col("rule_reason"))
        .when(has_rule & pl.col("model_label").is_not_null())
        .then(
            pl.col("rule_reason")
            + pl.lit(" | model disagrees: ")
            + pl.col("model_label")
            + pl.lit(" (")
            + _fmt(pl.col("model_confidence"))
            + pl.lit(")")
        )
        .when(has_rule)
        .then(pl.col("rule_reason"))
        .when(confident)
        .then(terms)
        .when(pl.col("model_label").is_not_null())
        .then(
            pl.lit(f"below threshold {threshold:.2f}: best guess ")
            + pl.col("model_label")
            + pl.lit(" (")
            + _fmt(pl.col("model_confidence"))
            + pl.lit("); ")
            + terms
        )
        .otherwise(pl.lit("no rule matched and no model loaded"))
        .alias("evidence"),
        pl.when(garbage).then(None).otherwise(pl.col("rule_id")).alias("rule_id"),
    )
    tax = load_taxonomy().select(pl.col("id").alias("root_cause"), "retryable", "fix_zh", "fix_en")
    return frame.join(tax, on="root_cause", how="left", maintain_order="left")
