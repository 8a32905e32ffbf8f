"""The abstain threshold is tuned on the real-world set: unknown on categorized messages within
budget, precision of the answered reported per threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsrca.classify.training import MAX_UNKNOWN, choose_threshold, train
from opsrca.cli import app

runner = CliRunner()
REALWORLD = Path(__file__).resolve().parents[1] / "data" / "classify" / "realworld_small.csv"


def _curve(rates: list[float]) -> list[dict[str, float]]:
    return [
        {"threshold": 0.1 * (i + 1), "unknown_rate": r, "precision": 0.5, "macro_f1": 0.5}
        for i, r in enumerate(rates)
    ]


def test_the_highest_threshold_within_the_unknown_budget_is_kept() -> None:
    assert choose_threshold(_curve([0.0, 0.01, 0.03, 0.2])) == pytest.approx(0.3)
    assert choose_threshold(_curve([0.0, 0.05]), max_unknown=0.0) == pytest.approx(0.1)


def test_no_threshold_within_budget_keeps_the_lowest() -> None:
    assert choose_threshold(_curve([0.1, 0.2])) == pytest.approx(0.1)


@pytest.fixture(scope="module")
def rw_model(tmp_path_factory: pytest.TempPathFactory, small_labeled: Path) -> Path:
    folder = tmp_path_factory.mktemp("rw")
    train(small_labeled, model_dir=folder, realworld=REALWORLD)
    return folder


def test_train_tunes_on_the_realworld_set(rw_model: Path) -> None:
    manifest = json.loads((rw_model / "manifest.json").read_text(encoding="utf-8"))
    curve = manifest["metrics"]["threshold_curve"]
    kept = next(c for c in curve if c["threshold"] == manifest["threshold"])
    assert kept["unknown_rate"] <= MAX_UNKNOWN or kept["threshold"] == curve[0]["threshold"]
    higher = [c for c in curve if c["threshold"] > manifest["threshold"]]
    assert all(c["unknown_rate"] > MAX_UNKNOWN for c in higher)
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
