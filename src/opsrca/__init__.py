"""opsrca: offline root-cause analysis of e-commerce integration errors.

The public API returns Polars DataFrames; the ``opsrca`` CLI is a thin layer over it.
The API functions (``opsrca.load``, ``opsrca.analyze``, ``opsrca.errors`` ...) live in
``opsrca.api`` and are loaded on first use, so ``import opsrca`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from opsrca.errors import ConfigError, DatabaseError, InputError, ModelError, OpsrcaError

__version__ = "0.1.0"

# The public API of opsrca.api, re-exported lazily (PEP 562). ``errors``, ``classify``,
# ``ingest`` and ``report`` are also names of subpackages/modules of opsrca, so at the top
# level they are exported as ``find_errors``, ``classify_frame``, ``ingest_files`` and
# ``write_report`` (``opsrca.api`` has both spellings).
_API: tuple[str, ...] = (
    "DEFAULT_MODEL_DIR",
    "LABELED_SAMPLE",
    "SAMPLE_DUMP_DIR",
    "AnalyzeResult",
    "ErrorFilter",
    "EventDetail",
    "OutputFiles",
    "Summary",
    "analyze",
    "classify_events",
    "classify_frame",
    "evaluate",
    "find_errors",
    "health",
    "incidents",
    "ingest_files",
    "load",
    "model_manifest",
    "new_patterns",
    "retry_waste",
    "show",
    "sql",
    "summarize",
    "train",
    "unknown_templates",
    "write_report",
)

__all__ = [
    "ConfigError",
    "DatabaseError",
    "InputError",
    "ModelError",
    "OpsrcaError",
    "__version__",
    *_API,
]


def __getattr__(name: str) -> Any:
    if name in _API:
        from opsrca import api

        return getattr(api, name)
    raise AttributeError(f"module 'opsrca' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
