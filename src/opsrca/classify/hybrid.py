"""The one decision: analyst labels, rules, documented codes and the model, combined once.

Input rows are reduced to their decision keys (``keys.DECISION_KEYS``, re-exported here);
rules, knowledge-base lookups and the model run once per unique key and the result is joined
back. ``combine`` is the decision itself: ``decide`` (classify) and ``training`` (train's CV,
evaluate) both call it, so the scores measure what production applies.

Precedence (``../shared/spec/labeling-guide.md``):

1. empty, binary or text-free messages are ``unknown`` with confidence 0;
2. an analyst's label of this very template (``opsrca train --add``) decides (method ``label``);
3. rules above ``kb.KB_PRIORITY`` (face verification, the 429 precedence) decide;
4. a documented (platform, code[, sub code]) decides (method ``kb``, the source as evidence),
   except that on a platform of many vendors (``other``, ``qimen``) a confident model reading
   of the message that the code's category is not even the runner-up of outranks it
   (``kb.shared_code_yields``);
5. the remaining rules decide (``rule``, or ``rule+model`` when the model agrees);
6. the model decides when its probability reaches the threshold, else ``unknown``.

Every decision carries the runner-up: ``root_cause_2`` is the model's most probable category
other than ``root_cause``, with its probability ``confidence_2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from opsrca.classify.kb import KB_CONFIDENCE, KB_PRIORITY, apply_kb, shared_code_yields
from opsrca.classify.keys import DECISION_KEYS
from opsrca.classify.model import RootCauseModel
from opsrca.classify.rules import Rule, apply_rules
from opsrca.classify.taxonomy import UNKNOWN, load_taxonomy
from opsrca.classify.tokenize import feature_docs
from opsrca.templates import add_keys, key_ids

if TYPE_CHECKING:
    from opsrca.classify.persist import LoadedModel

__all__ = [
    "DECISION_KEYS",
    "MODEL_COLUMNS",
    "OUTPUT_COLUMNS",
    "add_keys",
    "combine",
    "decide",
    "model_columns",
    "verdicts",
]

OUTPUT_COLUMNS: tuple[str, ...] = (
    "template",
    "root_cause",
    "confidence",
    "method",
    "rule_id",
    "evidence",
    "root_cause_2",
    "confidence_2",
    "retryable",
    "fix_zh",
    "fix_en",
)
MODEL_COLUMNS: dict[str, pl.DataType] = {
    "model_label": pl.String(),
    "model_confidence": pl.Float64(),
    "model_label_2": pl.String(),
    "model_confidence_2": pl.Float64(),
    "model_terms": pl.String(),
}


def _fmt(value: pl.Expr) -> pl.Expr:
    return value.round(2).cast(pl.String)


def verdicts(
    keys: pl.DataFrame,
    *,
    rules: tuple[Rule, ...] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """``keys`` plus the rule, knowledge-base and analyst-label columns (no model needed).

    ``labels`` maps ``template_id`` to an analyst's category; ids are computed from the keys
    when ``keys`` has no ``template_id``.
    """
    frame = apply_kb(apply_rules(keys, rules))
    if labels:
        ids = frame["template_id"] if "template_id" in frame.columns else key_ids(frame)
        mapped = ids.replace_strict(dict(labels), default=None, return_dtype=pl.String)
        return frame.with_columns(mapped.alias("label_label"))
    return frame.with_columns(pl.lit(None, pl.String).alias("label_label"))


def model_columns(
    model: RootCauseModel | None, docs: list[str], *, terms: bool = True
) -> dict[str, pl.Series]:
    """The model's best and runner-up category with their probabilities, and the terms that
    weigh most for the best (evidence). All null without a model."""
    n = len(docs)
    if model is None or n == 0:
        return {name: pl.Series(name, [None] * n, dtype=dt) for name, dt in MODEL_COLUMNS.items()}
    proba, known = model.scores(docs)
    order = np.argsort(-proba, axis=1, kind="stable")
    rows = np.arange(n)
    best, second = order[:, 0], order[:, 1] if proba.shape[1] > 1 else order[:, 0]
    labels = model.classes_[best].astype(str)
    found = model.top_terms(docs, labels.tolist()) if terms else [None] * n
    answers = pl.DataFrame(
        {
            "model_label": labels,
            "model_confidence": proba[rows, best],
            "model_label_2": model.classes_[second].astype(str),
            "model_confidence_2": proba[rows, second],
            "model_terms": found,
        },
        schema=MODEL_COLUMNS,
    )
    seen = pl.Series(known)
    answers = answers.with_columns(
        # No known word: no answer, since the priors are not evidence; "" (not null) terms
        # mark "a model was asked and knew no word", which the evidence says.
        pl.when(seen).then(pl.exclude("model_terms")),
        pl.when(seen).then(pl.col("model_terms")).otherwise(pl.lit("")),
    )
    return {name: answers[name] for name in MODEL_COLUMNS}


def _model_answer(frame: pl.DataFrame, unknown_threshold: float | None) -> pl.DataFrame:
    """The model's answer: its best category, except that its own ``unknown`` class must
    reach ``unknown_threshold`` to be answered; below it the runner-up category stands in
    (the two swap places, so the runner-up stays the best other category)."""
    if unknown_threshold is None:
        return frame
    swap = (
        (pl.col("model_label") == UNKNOWN)
        & (pl.col("model_confidence") < unknown_threshold)
        & pl.col("model_label_2").is_not_null()
    ).fill_null(False)
    pairs = (
        ("model_label", "model_label_2"),
        ("model_confidence", "model_confidence_2"),
    )
    return frame.with_columns(
        *(pl.when(swap).then(pl.col(b)).otherwise(pl.col(a)).alias(a) for a, b in pairs),
        *(pl.when(swap).then(pl.col(a)).otherwise(pl.col(b)).alias(b) for a, b in pairs),
        pl.when(swap).then(None).otherwise(pl.col("model_terms")).alias("model_terms"),
    )


def combine(
    frame: pl.DataFrame, *, threshold: float, unknown_threshold: float | None = None
) -> pl.DataFrame:
    """The decision over a frame of verdicts (``verdicts``) and model columns
    (``MODEL_COLUMNS``): adds ``root_cause, confidence, method, rule_id, evidence,
    root_cause_2, confidence_2``. Nulling one side's columns scores the other side alone.

    ``threshold``: the model answers when its probability reaches it, else ``unknown``;
    ``unknown_threshold``: the probability the model's own ``unknown`` class needs (None:
    ``threshold``), see ``_model_answer``."""
    frame = _model_answer(frame, unknown_threshold)
    garbage = pl.col("garbage").fill_null(False)
    has_label = pl.col("label_label").is_not_null()
    has_rule = pl.col("rule_label").is_not_null()
    overruled_kb = pl.col("kb_label").is_not_null() & shared_code_yields()
    has_kb = pl.col("kb_label").is_not_null() & ~overruled_kb
    strong_rule = has_rule & (pl.col("rule_priority").fill_null(0) > KB_PRIORITY)
    confident = (pl.col("model_confidence") >= threshold).fill_null(False)
    winner = (
        pl.when(garbage)
        .then(pl.lit("garbage"))
        .when(has_label)
        .then(pl.lit("label"))
        .when(strong_rule)
        .then(pl.lit("rule"))
        .when(has_kb)
        .then(pl.lit("kb"))
        .when(has_rule)
        .then(pl.lit("rule"))
        .when(confident)
        .then(pl.lit("model"))
        .otherwise(pl.lit("none"))
    )
    frame = frame.with_columns(winner.alias("_winner"))
    w = pl.col("_winner")
    root = (
        pl.when(w == "label")
        .then(pl.col("label_label"))
        .when(w == "rule")
        .then(pl.col("rule_label"))
        .when(w == "kb")
        .then(pl.col("kb_label"))
        .when(w == "model")
        .then(pl.col("model_label"))
        .otherwise(pl.lit(UNKNOWN))
    )
    frame = frame.with_columns(root.alias("root_cause"))
    agree = (pl.col("model_label") == pl.col("root_cause")).fill_null(False)
    disagree = pl.col("model_label").is_not_null() & ~agree
    known = pl.col("model_terms").fill_null("")
    terms = pl.lit("terms: ") + pl.when(known == "").then(pl.lit("(no known term)")).otherwise(
        known
    )
    dissent = (
        pl.lit(" | model disagrees: ")
        + pl.col("model_label")
        + pl.lit(" (")
        + _fmt(pl.col("model_confidence"))
        + pl.lit(")")
    )
    # the analyst sees a documented code that was read as another vendor's
    overruled_note = (
        pl.when(overruled_kb & ~w.is_in(["garbage", "label"]))
        .then(pl.lit(" | read as another vendor's code: ") + pl.col("kb_reason").fill_null(""))
        .otherwise(pl.lit(""))
    )
    return frame.with_columns(
        pl.when(w == "garbage")
        .then(pl.lit(0.0))
        .when(w == "label")
        .then(pl.lit(1.0))
        .when((w == "rule") & agree)
        .then(pl.max_horizontal("rule_confidence", "model_confidence"))
        .when(w == "rule")
        .then(pl.col("rule_confidence"))
        .when(w == "kb")
        .then(pl.lit(KB_CONFIDENCE))
        .otherwise(pl.col("model_confidence").fill_null(0.0))
        .round(4)
        .alias("confidence"),
        pl.when(w == "garbage")
        .then(pl.lit("none"))
        .when(w == "label")
        .then(pl.lit("label"))
        .when((w == "rule") & agree)
        .then(pl.lit("rule+model"))
        .when(w == "rule")
        .then(pl.lit("rule"))
        .when(w == "kb")
        .then(pl.lit("kb"))
        .when(pl.col("model_label").is_not_null())
        .then(pl.lit("model"))
        .otherwise(pl.lit("none"))
        .alias("method"),
        pl.when(w == "garbage")
        .then(pl.lit("empty, binary or text-free message"))
        .when(w == "label")
        .then(pl.lit("an analyst labeled this template (opsrca train --add)"))
        .when((w == "rule") & disagree)
        .then(pl.col("rule_reason") + dissent)
        .when(w == "rule")
        .then(pl.col("rule_reason"))
        .when((w == "kb") & disagree)
        .then(pl.col("kb_reason") + dissent)
        .when(w == "kb")
        .then(pl.col("kb_reason"))
        .when(w == "model")
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
        .when(pl.col("model_terms").is_not_null())
        .then(pl.lit("no rule or documented code matched, and the model knows none of its words"))
        .otherwise(pl.lit("no rule or documented code matched and no model loaded"))
        .add(overruled_note)
        .alias("evidence"),
        pl.when(w == "rule")
        .then(pl.col("rule_id"))
        .when(w == "kb")
        .then(pl.col("kb_id"))
        .otherwise(None)
        .alias("rule_id"),
        pl.when(w == "garbage")
        .then(None)
        .when(agree)
        .then(pl.col("model_label_2"))
        .otherwise(pl.col("model_label"))
        .alias("root_cause_2"),
        pl.when(w == "garbage")
        .then(None)
        .when(agree)
        .then(pl.col("model_confidence_2"))
        .otherwise(pl.col("model_confidence"))
        .round(4)
        .alias("confidence_2"),
    ).drop("_winner")


def decide(
    keys: pl.DataFrame,
    model: RootCauseModel | None,
    *,
    threshold: float = 0.5,
    unknown_threshold: float | None = None,
    rules: tuple[Rule, ...] | None = None,
    labels: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Decide each unique key: adds the output columns plus rule/kb/model detail columns.

    ``model=None`` gives rules and documented codes alone (abstentions are ``unknown``).
    """
    frame = verdicts(keys, rules=rules, labels=labels)
    docs = feature_docs(frame).to_list() if model is not None else [""] * frame.height
    frame = frame.with_columns(**model_columns(model, docs))
    frame = combine(frame, threshold=threshold, unknown_threshold=unknown_threshold)
    tax = load_taxonomy().select(pl.col("id").alias("root_cause"), "retryable", "fix_zh", "fix_en")
    return frame.join(tax, on="root_cause", how="left", maintain_order="left")


def decide_loaded(keys: pl.DataFrame, loaded: LoadedModel, *, threshold: float) -> pl.DataFrame:
    """``decide`` with everything a model folder carries besides its threshold: the gate on
    its own ``unknown`` class and the analysts' labels (classify, classify FILE and the Spark
    path all decide through here, so they cannot drift apart)."""
    return decide(
        keys,
        loaded.model,
        threshold=threshold,
        unknown_threshold=loaded.unknown_threshold,
        labels=loaded.analyst_labels,
    )
