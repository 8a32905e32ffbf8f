"""opsrca: offline root-cause analysis of e-commerce integration errors.

The public API returns Polars DataFrames; the ``opsrca`` CLI is a thin layer over it.
"""

from __future__ import annotations

from opsrca.errors import ConfigError, DatabaseError, InputError, ModelError, OpsrcaError

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DatabaseError",
    "InputError",
    "ModelError",
    "OpsrcaError",
    "__version__",
]
