"""Root-cause classification: rules + a jieba/TF-IDF model, decided once per template.

``classify_frame`` and ``classify_db`` infer (they never change a model); ``train`` writes
a model folder; ``evaluate`` scores rules, model and hybrid side by side on grouped splits.
Everything but the taxonomy is imported on first use: reports and listing checks read the
taxonomy (``opsrca.classify.taxonomy``) without loading scikit-learn, and ``opsrca classify``
starts faster without scikit-learn's metrics and model-selection modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from opsrca.classify.taxonomy import load_taxonomy

if TYPE_CHECKING:
    from opsrca.classify.engine import (
        classify_db,
        classify_file,
        classify_frame,
        decide_templates,
        read_input,
        root_cause_counts,
    )
    from opsrca.classify.persist import load_model
    from opsrca.classify.training import evaluate, train

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

_LAZY: dict[str, str] = {
    "classify_db": "engine",
    "classify_file": "engine",
    "classify_frame": "engine",
    "read_input": "engine",
    "decide_templates": "engine",
    "root_cause_counts": "engine",
    "load_model": "persist",
    "train": "training",
    "evaluate": "training",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"opsrca.classify.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'opsrca.classify' has no attribute {name!r}")
