"""The abstain threshold is tuned on the real-world set: unknown on categorized messages within
budget, precision of the answered reported per threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from opsrca.classify.datasets import read_realworld
from opsrca.classify.training import (
    MAX_UNKNOWN,
    MIN_UNKNOWN_RECALL,
    _ModelOutputs,
    choose,
    pick_config,
    tradeoff,
    train,
)
from opsrca.cli import app

runner = CliRunner()
REALWORLD = Path(__file__).resolve().parents[1] / "data" / "classify" / "realworld_small.csv"


def _curve(rates: list[float], precisions: list[float]) -> list[dict[str, object]]:
    return [
        {
            "threshold": 0.1 * (i + 1),
            "unknown_threshold": None,
            "unknown_rate": r,
            "precision": p,
            "macro_f1": 0.5,
        }
        for i, (r, p) in enumerate(zip(rates, precisions, strict=True))
    ]


def test_the_most_precise_point_within_the_unknown_budget_is_kept() -> None:
    curve = _curve([0.0, 0.01, 0.03, 0.2], [0.7, 0.8, 0.85, 0.95])
    assert choose(curve)["threshold"] == pytest.approx(0.3)
    assert choose(curve, max_unknown=0.0)["threshold"] == pytest.approx(0.1)
    # equal precision: the higher threshold
    assert choose(_curve([0.0, 0.0], [0.8, 0.8]))["threshold"] == pytest.approx(0.2)


def test_no_point_within_budget_keeps_the_fewest_unknowns() -> None:
    assert choose(_curve([0.1, 0.2], [0.9, 0.99]))["threshold"] == pytest.approx(0.1)


def test_a_point_that_names_non_errors_is_not_eligible() -> None:
    """Within the unknown budget but calling success lines a root cause: the next point that
    keeps them `unknown` wins, even with more unknowns."""
    curve = _curve([0.01, 0.05, 0.2], [0.7, 0.75, 0.9])
    for c, recall in zip(curve, [0.2, 0.8, 0.9], strict=True):
        c["unknown_recall"] = recall
    assert choose(curve)["threshold"] == pytest.approx(0.2)
    assert choose(curve, min_unknown_recall=0.0)["threshold"] == pytest.approx(0.1)


def test_the_unknown_share_is_exact_so_a_budget_is_not_met_by_rounding(tmp_path: Path) -> None:
    """Three categorized messages the rules do not know, one answered below the threshold:
    1 in 3 unknown, not 0.3333 (66 of 2,199 is 3.001 %, over a 3 % budget)."""
    csv = tmp_path / "rw.csv"
    csv.write_text(
        "message,platform,category,source,source_group\n"
        "qzx alpha vrt,other,validation.invalid_value,s1,g1\n"
        "qzx bravo vrt,other,validation.invalid_value,s2,g2\n"
        "qzx charlie vrt,other,validation.invalid_value,s3,g3\n",
        encoding="utf-8",
    )
    data = read_realworld(csv)
    outputs = _ModelOutputs(
        model_label=np.array(["validation.invalid_value"] * 3, dtype=object),
        model_conf=np.array([0.9, 0.9, 0.1]),
    )
    curve = tradeoff(data, outputs, thresholds=np.array([0.2]))
    assert curve[0]["unknown_rate"] == 1 / 3
    assert curve[0]["precision"] == 1.0
    # a budget just under a third is not met, however the share would print: the point without
    # unknowns wins though it is less precise
    assert choose(curve + _curve([0.0], [0.5]), max_unknown=0.3333)["unknown_rate"] == 0.0


@pytest.fixture(scope="module")
def rw_model(tmp_path_factory: pytest.TempPathFactory, small_labeled: Path) -> Path:
    folder = tmp_path_factory.mktemp("rw")
    train(small_labeled, model_dir=folder, realworld=REALWORLD)
    return folder


def test_train_tunes_on_the_realworld_set(rw_model: Path) -> None:
    manifest = json.loads((rw_model / "manifest.json").read_text(encoding="utf-8"))
    curve = manifest["metrics"]["threshold_curve"]
    kept = next(c for c in curve if c["threshold"] == manifest["threshold"])
    assert kept["unknown_threshold"] == manifest["unknown_threshold"]
    eligible = [c for c in curve if c["unknown_recall"] >= MIN_UNKNOWN_RECALL] or curve
    assert kept in eligible
    assert kept["unknown_rate"] <= MAX_UNKNOWN or all(
        c["unknown_rate"] > MAX_UNKNOWN for c in eligible
    )
    better = [
        c
        for c in eligible
        if c["unknown_rate"] <= MAX_UNKNOWN and c["precision"] > kept["precision"]
    ]
    assert better == []
    rates = [c["unknown_rate"] for c in curve]
    assert rates == sorted(rates)  # abstaining more never answers more
    assert manifest["realworld_rows"] == 16
    assert {c["config"] for c in manifest["metrics"]["feature_comparison"]} >= {
        "words C=30",
        "words+chars C=30",
    }
    card = (rw_model / "model_card.md").read_text(encoding="utf-8")
    assert "real-world set" in card and "leave-one-source-out" in card and "(kept)" in card


def test_evaluate_shows_cv_holdout_and_realworld_side_by_side(
    rw_model: Path, small_labeled: Path
) -> None:
    result = runner.invoke(
        app,
        ["evaluate", str(small_labeled), "--model", str(rw_model), "--realworld", str(REALWORLD)],
    )
    assert result.exit_code == 0, result.output
    for text in ("grouped CV", "held-out sources", "real world", "trade-off", "confusion"):
        assert text in result.output


def test_a_larger_feature_config_must_win_by_more_than_noise() -> None:
    # words C=30, words C=100, words+chars C=30 on the real-world set, as at model v21
    assert pick_config([0.8673, 0.8654, 0.8686]) == 0
    assert pick_config([0.80, 0.86, 0.862]) == 1
    assert pick_config([0.80, 0.81, 0.87]) == 2
    assert pick_config([0.85], margin=0.0) == 0
    assert pick_config([0.85, 0.851], margin=0.0) == 1
