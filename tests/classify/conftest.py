"""Shared fixtures of the classifier tests: one small model trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsrca.classify.persist import LoadedModel, load_model
from opsrca.classify.training import FEATURE_CONFIGS, train

DATA = Path(__file__).resolve().parents[1] / "data" / "classify"
SMALL = DATA / "labeled_small.csv"


@pytest.fixture(scope="session")
def small_labeled() -> Path:
    return SMALL


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained by the real ``train`` on the small fixture (one feature config: fast)."""
    folder = tmp_path_factory.mktemp("model")
    train(SMALL, model_dir=folder, configs=(FEATURE_CONFIGS[-1],))
    return folder


@pytest.fixture(scope="session")
def small_model(small_model_dir: Path) -> LoadedModel:
    return load_model(small_model_dir)
