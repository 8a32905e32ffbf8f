"""Root-cause classification: rules + a jieba/TF-IDF model, decided once per template.

``classify_frame`` and ``classify_db`` infer (they never change a model); ``train`` writes
a model folder; ``evaluate`` scores rules, model and hybrid side by side on grouped splits.
``train`` and ``evaluate`` are imported on first use: ``opsrca classify`` starts faster
without scikit-learn's metrics and model-selection modules.
"""

from __future__ import annotations

from typing import Any

from opsrca.classify.engine import (
    classify_db,
    classify_file,
    classify_frame,
    decide_templates,
    read_input,
    root_cause_counts,
)
from opsrca.classify.persist import load_model
from opsrca.classify.taxonomy import load_taxonomy

__all__ = [
    "classify_db",
    "classify_file",
    "classify_frame",
    "decide_templates",
    "evaluate",
    "load_model",
    "load_taxonomy",
    "read_input",
    "root_cause_counts",
    "train",
]


def __getattr__(name: str) -> Any:
    if name in ("train", "evaluate"):
        from opsrca.classify import training

        return getattr(training, name)
    raise AttributeError(f"module 'opsrca.classify' has no attribute {name!r}")
