"""Listing risk checks: duplicate copy, visitor-profile overlap, pre-sync product lint.

Each finding carries a taxonomy id (``root_cause``) and the fix in Chinese and English,
so listing risks read like the classifier's root causes.
"""

from __future__ import annotations

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
