"""Evaluation scores the decision classify makes: the same labels row by row, one decision rule."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca.classify import classify_frame
from opsrca.classify.hybrid import MODEL_COLUMNS, add_keys, combine, decide
from opsrca.classify.keys import DECISION_KEYS
from opsrca.classify.persist import LoadedModel, load_model
from opsrca.classify.training import predict_labeled, read_labeled
from opsrca.paths import DEFAULT_MODEL_DIR, SAMPLES_DIR

LABELED = SAMPLES_DIR / "labeled_errors.csv"


@pytest.fixture(scope="module")
def bundled() -> LoadedModel:
    return load_model(DEFAULT_MODEL_DIR)


@pytest.fixture(scope="module")
def raw() -> pl.DataFrame:
    """The labeled CSV as a user would hand it to ``classify``: every column text."""
    return pl.read_csv(LABELED, infer_schema=False, encoding="utf8-lossy")


@pytest.fixture(scope="module")
def labeled() -> pl.DataFrame:
    return read_labeled(LABELED)


@pytest.mark.parametrize("threshold", [None, 0.9], ids=["model-threshold", "abstaining"])
def test_evaluation_predicts_what_classify_decides(
    bundled: LoadedModel, raw: pl.DataFrame, labeled: pl.DataFrame, threshold: float | None
) -> None:
    thr = bundled.threshold if threshold is None else threshold
    evaluated = predict_labeled(labeled, bundled.model, threshold=thr)["hybrid"]
    classified = classify_frame(raw, model=bundled, threshold=thr)["root_cause"].to_list()
    assert len(evaluated) == len(classified) == raw.height
    differ = [
        (raw["message"][i], evaluated[i], classified[i])
        for i in range(raw.height)
        if evaluated[i] != classified[i]
    ]
    assert differ == []
    assert len(set(evaluated)) > 10  # not a vacuous match: many causes decided


def test_rules_only_score_is_decide_without_a_model(
    bundled: LoadedModel, raw: pl.DataFrame, labeled: pl.DataFrame
) -> None:
    """Evaluate's rules-only labels are what ``decide`` gives with no model, whatever the model says."""
    production = decide(add_keys(raw).select(DECISION_KEYS), None)["root_cause"].to_list()
    assert predict_labeled(labeled, bundled.model, threshold=0.0)["rules"] == production


_COLUMNS: dict[str, pl.DataType] = {
    "platform": pl.String(),
    "garbage": pl.Boolean(),
    "label_label": pl.String(),
    "rule_id": pl.String(),
    "rule_label": pl.String(),
    "rule_confidence": pl.Float64(),
    "rule_reason": pl.String(),
    "rule_priority": pl.Int64(),
    "kb_id": pl.String(),
    "kb_label": pl.String(),
    "kb_reason": pl.String(),
    "kb_text_agrees": pl.Boolean(),
    **MODEL_COLUMNS,
}


def _row(**values: object) -> pl.DataFrame:
    base: dict[str, object] = dict.fromkeys(_COLUMNS)
    base.update(garbage=False, rule_confidence=0.97, rule_reason="r", kb_reason="k")
    if values.get("rule_label") and "rule_priority" not in values:
        base["rule_priority"] = 60
    base.update(values)
    return pl.DataFrame([base], schema=_COLUMNS)


@pytest.mark.parametrize(
    ("values", "threshold", "expected", "method"),
    [
        # garbage beats a matching rule, a documented code and a sure model
        (
            dict(
                garbage=True, rule_label="a", kb_label="k", model_label="b", model_confidence=0.99
            ),
            0.5,
            "unknown",
            "none",
        ),
        # an analyst's label of the template beats everything else
        (dict(label_label="l", rule_label="a", rule_priority=100, kb_label="k"), 0.5, "l", "label"),
        # a precedence rule (face verification, 429) beats a documented code
        (dict(rule_label="a", rule_priority=100, kb_label="k"), 0.5, "a", "rule"),
        # a documented code beats a text rule and a sure model
        (
            dict(rule_label="a", kb_label="k", model_label="b", model_confidence=0.99),
            0.5,
            "k",
            "kb",
        ),
        # ... on a platform of many vendors too, while the model is unsure or the code's
        # category is its runner-up
        (
            dict(platform="other", kb_label="k", model_label="b", model_confidence=0.49),
            0.2,
            "k",
            "kb",
        ),
        (
            dict(
                platform="qimen",
                kb_label="k",
                model_label="b",
                model_confidence=0.9,
                model_label_2="k",
                model_confidence_2=0.05,
            ),
            0.2,
            "k",
            "kb",
        ),
        # there a code one vendor documents may be another's: a sure model reading of the
        # message that the code's category is not even the runner-up of decides ...
        (
            dict(
                platform="other",
                kb_label="k",
                model_label="b",
                model_confidence=0.5,
                model_label_2="c",
                model_confidence_2=0.2,
            ),
            0.2,
            "b",
            "model",
        ),
        # ... unless the event carries the message documented for the code
        (
            dict(
                platform="other",
                kb_label="k",
                kb_text_agrees=True,
                model_label="b",
                model_confidence=0.9,
            ),
            0.2,
            "k",
            "kb",
        ),
        # ... or a text rule does, when one matches
        (
            dict(
                platform="other",
                rule_label="a",
                kb_label="k",
                model_label="b",
                model_confidence=0.8,
            ),
            0.2,
            "a",
            "rule",
        ),
        # a platform's own code keeps deciding against a sure model
        (
            dict(platform="tiktok", kb_label="k", model_label="b", model_confidence=0.99),
            0.2,
            "k",
            "kb",
        ),
        # a rule beats a sure model that disagrees
        (dict(rule_label="a", model_label="b", model_confidence=0.99), 0.5, "a", "rule"),
        (dict(rule_label="a", model_label="a", model_confidence=0.99), 0.5, "a", "rule+model"),
        # no rule: the model when at or above the threshold, else unknown
        (dict(model_label="b", model_confidence=0.5), 0.5, "b", "model"),
        (dict(model_label="b", model_confidence=0.49), 0.5, "unknown", "model"),
        # nothing at all
        (dict(garbage=None), 0.0, "unknown", "none"),
    ],
)
def test_combine_precedence(
    values: dict[str, object], threshold: float, expected: str, method: str
) -> None:
    out = combine(_row(**values), threshold=threshold)
    assert out["root_cause"].item() == expected
    assert out["method"].item() == method


def test_runner_up_is_the_best_other_category() -> None:
    """Below the threshold the runner-up is the model's guess; when the model agrees with the
    answer it is the model's second choice; when a rule overrides it, the model's first."""
    model = dict(model_label="b", model_confidence=0.4, model_label_2="c", model_confidence_2=0.3)
    abstained = combine(_row(**model), threshold=0.5)
    assert abstained.select("root_cause", "root_cause_2", "confidence_2").row(0) == (
        "unknown",
        "b",
        0.4,
    )
    agreed = combine(_row(**model), threshold=0.3)
    assert agreed.select("root_cause", "root_cause_2", "confidence_2").row(0) == ("b", "c", 0.3)
    ruled = combine(_row(rule_label="a", **model), threshold=0.3)
    assert ruled.select("root_cause", "root_cause_2").row(0) == ("a", "b")


def test_the_models_own_unknown_needs_its_threshold() -> None:
    """A model that says ``unknown`` below the unknown threshold answers its runner-up
    category instead (the tuned real-world abstention); ``unknown`` stays the runner-up."""
    row = _row(
        model_label="unknown", model_confidence=0.5, model_label_2="b", model_confidence_2=0.3
    )
    plain = combine(row, threshold=0.2)
    assert plain.select("root_cause", "root_cause_2").row(0) == ("unknown", "b")
    tuned = combine(row, threshold=0.2, unknown_threshold=0.6)
    assert tuned.select("root_cause", "method", "root_cause_2").row(0) == ("b", "model", "unknown")
    sure = combine(row, threshold=0.2, unknown_threshold=0.5)
    assert sure["root_cause"].item() == "unknown"
    shy = combine(row, threshold=0.35, unknown_threshold=0.6)  # runner-up below the threshold
    assert shy["root_cause"].item() == "unknown"
