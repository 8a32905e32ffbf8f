"""Listing risk checks: duplicate copy, visitor-profile overlap, pre-sync product lint.

Each finding carries a taxonomy id (``root_cause``) and the fix in Chinese and English,
so listing risks read like the classifier's root causes. The checks load on first use
(``import opsrca.listings.choices`` for the CLI's choices costs nothing).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opsrca.listings.checks import ChecksResult, detect_kind, run_checks
    from opsrca.listings.dupes import DupesResult, find_duplicates
    from opsrca.listings.lint import LintResult, lint_products
    from opsrca.listings.overlap import OverlapResult, find_overlaps

__all__ = [
    "ChecksResult",
    "DupesResult",
    "LintResult",
    "OverlapResult",
    "detect_kind",
    "find_duplicates",
    "find_overlaps",
    "lint_products",
    "run_checks",
]

_LAZY: dict[str, str] = {
    "ChecksResult": "checks",
    "detect_kind": "checks",
    "run_checks": "checks",
    "DupesResult": "dupes",
    "find_duplicates": "dupes",
    "LintResult": "lint",
    "lint_products": "lint",
    "OverlapResult": "overlap",
    "find_overlaps": "overlap",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"opsrca.listings.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'opsrca.listings' has no attribute {name!r}")
