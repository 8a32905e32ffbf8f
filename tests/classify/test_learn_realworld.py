"""`train --learn-realworld`: the model learns the real-world rows too, and the real-world score
stays honest: every row is scored by a model fitted without its source family."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bars import Recorder
from typer.testing import CliRunner

from opsrca import classify
from opsrca.classify import training
from opsrca.classify.datasets import read_realworld
from opsrca.classify.persist import load_model
from opsrca.classify.training import FEATURE_CONFIGS, predict_labeled
from opsrca.cli import app

runner = CliRunner()
BARS = Recorder()
# Five vendors, four rows each; each vendor's invented error token stands for one cause and
# appears nowhere else, so only a model that saw that vendor can read it.
LEARN = Path(__file__).resolve().parents[1] / "data" / "classify" / "realworld_learn.csv"


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory, small_labeled: Path) -> Path:
    """`opsrca train --learn-realworld`, with one feature config to keep the fits few."""
    folder = tmp_path_factory.mktemp("learned")
    real = classify.train

    def one_config(*args: Any, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["learn_realworld"] is True  # the flag reaches the trainer
        return real(*args, **{**kwargs, "configs": (FEATURE_CONFIGS[0],), "progress": True})

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(classify, "train", one_config)
        mp.setattr(training, "progress_bar", BARS)
        result = runner.invoke(
            app,
            [
                "train", str(small_labeled), "--model", str(folder), "--realworld", str(LEARN),
                "--learn-realworld", "--db", str(folder / "x.duckdb"),
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    return folder


def test_the_train_bar_counts_the_real_world_folds(learned: Path) -> None:
    (bar,) = BARS.bars
    assert bar["label"] == "train" and bar["done"] == bar["total"]
    assert "words C=30, real-world folds" in bar["notes"]  # type: ignore[operator]


def _hits(model_dir: Path) -> int:
    loaded = load_model(model_dir)
    rw = read_realworld(LEARN)
    pred = predict_labeled(
        rw, loaded.model, threshold=loaded.threshold, unknown_threshold=loaded.unknown_threshold
    )["model"]
    return sum(p == y for p, y in zip(pred, rw["label"].to_list(), strict=True))


def test_a_model_that_learns_the_realworld_set_reads_its_vendors(
    learned: Path, small_model_dir: Path
) -> None:
    assert _hits(learned) == 20  # every invented vendor token is known
    assert _hits(small_model_dir) < 10  # a model without the set: those tokens mean nothing
    manifest = json.loads((learned / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["realworld_learned"] is True
    assert manifest["realworld_scoring"].startswith("cross-fitted, 5 source-family folds")
    card = (learned / "model_card.md").read_text(encoding="utf-8")
    assert "the model learns it too, so it is scored cross-fitted, 5 source-family folds" in card
    assert "learns the real-world set (20 rows), cross-fitted" in card


def test_a_learned_set_is_scored_by_folds_that_never_saw_its_source(
    learned: Path, small_labeled: Path
) -> None:
    """The fitted model reads all 20 rows; an honest score cannot: no vendor's token is in any
    other vendor's rows, so the folds that hold a vendor out must miss most of its rows."""
    manifest = json.loads((learned / "manifest.json").read_text(encoding="utf-8"))
    trained = manifest["metrics"]["realworld"]["model"]["accuracy"]
    assert trained <= 0.5
    result = runner.invoke(
        app,
        [
            "evaluate", str(small_labeled), "--model", str(learned), "--realworld", str(LEARN),
            "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["realworld_scoring"].startswith("cross-fitted, 5 source-family folds")
    assert report["realworld"]["model"]["accuracy"] == trained
