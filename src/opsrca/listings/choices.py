"""The choices of the listing checks, apart from the checks so the CLI can offer them cheaply."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """Which listings are compared with each other."""

    account = "account"
    shop = "shop"
    all = "all"


class Rule(StrEnum):
    """How region and age overlaps combine into one score."""

    all = "all"
    mean = "mean"
    any = "any"
