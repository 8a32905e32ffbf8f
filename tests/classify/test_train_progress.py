"""`opsrca train` and `evaluate` are not silent: a bar counts every fit and reaches its end."""

from __future__ import annotations

from pathlib import Path

import pytest
from bars import Recorder

from opsrca.classify import training
from opsrca.classify.training import FEATURE_CONFIGS


@pytest.mark.parametrize("n_configs", [1, 2])
def test_train_bar_counts_every_fit(
    small_labeled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n_configs: int
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(training, "progress_bar", recorder)
    training.train(
        small_labeled, model_dir=tmp_path / "m", configs=FEATURE_CONFIGS[:n_configs], progress=True
    )
    (bar,) = recorder.bars
    assert bar["enabled"] is True and bar["label"] == "train"
    assert bar["done"] == bar["total"] and int(bar["total"]) > n_configs  # type: ignore[call-overload]
    notes = bar["notes"]
    assert isinstance(notes, list)
    assert f"{FEATURE_CONFIGS[0]['name']}, group folds" in notes and "fit on all rows" in notes


def test_evaluate_bar_reaches_its_end(
    small_labeled: Path, small_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(training, "progress_bar", recorder)
    training.evaluate(small_labeled, model_dir=small_model_dir, progress=True)
    (bar,) = recorder.bars
    assert bar["label"] == "evaluate" and bar["done"] == bar["total"]


def test_train_without_realworld_cross_validates_the_kept_config_once(
    small_labeled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config comparison's grouped CV is the kept config's grouped CV: `train --add` in the
    labeling loop must not refit those folds a second time (it doubled the wait)."""
    calls: list[tuple[str, str]] = []
    real = training._out_of_fold

    def counting(data, config, how, advance=training._no_progress):  # type: ignore[no-untyped-def]
        calls.append((config["name"], how))
        return real(data, config, how, advance)

    monkeypatch.setattr(training, "_out_of_fold", counting)
    manifest = training.train(small_labeled, model_dir=tmp_path / "m", configs=FEATURE_CONFIGS[:2])
    expected = [(c["name"], "group") for c in FEATURE_CONFIGS[:2]]
    expected.append((manifest["feature_config"]["name"], "source"))
    assert sorted(calls) == sorted(expected)
    assert manifest["metrics"]["grouped_cv"]["hybrid"]["macro_f1"] > 0
