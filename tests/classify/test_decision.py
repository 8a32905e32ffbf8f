"""Evaluation scores the decision classify makes: the same labels row by row, one decision rule."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca.classify import classify_frame
from opsrca.classify.hybrid import add_keys, decide, root_cause_expr
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


@pytest.mark.parametrize(
    ("row", "threshold", "expected"),
    [
        # garbage beats a matching rule and a sure model
        (
            {
                "garbage": True,
                "rule_label": "auth.token_expired",
                "model_label": "b",
                "model_confidence": 0.99,
            },
            0.5,
            "unknown",
        ),
        # a rule beats a sure model that disagrees
        (
            {"garbage": False, "rule_label": "a", "model_label": "b", "model_confidence": 0.99},
            0.5,
            "a",
        ),
        # no rule: the model when at or above the threshold, else unknown
        (
            {"garbage": False, "rule_label": None, "model_label": "b", "model_confidence": 0.5},
            0.5,
            "b",
        ),
        (
            {"garbage": False, "rule_label": None, "model_label": "b", "model_confidence": 0.49},
            0.5,
            "unknown",
        ),
        # no rule and no model
        (
            {"garbage": None, "rule_label": None, "model_label": None, "model_confidence": None},
            0.0,
            "unknown",
        ),
    ],
)
def test_root_cause_expr(row: dict[str, object], threshold: float, expected: str) -> None:
    frame = pl.DataFrame(
        [row],
        schema={
            "garbage": pl.Boolean,
            "rule_label": pl.String,
            "model_label": pl.String,
            "model_confidence": pl.Float64,
        },
    )
    assert frame.select(root_cause_expr(threshold=threshold)).item() == expected
