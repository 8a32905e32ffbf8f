"""Masking of buyer personal data (phones, ID cards, e-mails, addresses) at ingest.

The patterns are data (``opsrca/data/pii.toml``), applied in order as vectorized
Polars ``str.replace_all`` expressions, so masking costs one regex pass per
pattern over a column and never a Python loop over rows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file


@dataclass(frozen=True)
class PiiPattern:
    """One masking rule of ``pii.toml``."""

    name: str
    prefilter: str
    regex: str
    mask: str
    example: str
    expected: str
    keep: tuple[str, ...]


@lru_cache(maxsize=4)
def load_patterns(path: Path | None = None) -> tuple[PiiPattern, ...]:
    """Read the ordered masking patterns (the shipped ``pii.toml`` by default)."""
    source = path or data_file("pii.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read PII patterns {str(source)!r}: {exc}") from exc
    patterns = []
    for i, entry in enumerate(raw.get("pattern", []), start=1):
        try:
            patterns.append(
                PiiPattern(
                    name=entry["name"],
                    prefilter=entry["prefilter"],
                    regex=entry["regex"],
                    mask=entry["mask"],
                    example=entry["example"],
                    expected=entry["expected"],
                    keep=tuple(entry.get("keep", [])),
                )
            )
        except KeyError as exc:
            raise ConfigError(f"{source}: pattern #{i} lacks key {exc}") from exc
    return tuple(patterns)


def mask_expr(expr: pl.Expr, patterns: tuple[PiiPattern, ...] | None = None) -> pl.Expr:
    """``expr`` (a String expression) with every PII pattern replaced by its mask, in order."""
    pats = patterns if patterns is not None else load_patterns()
    masked = expr
    for pat in pats:
        masked = masked.str.replace_all(pat.regex, pat.mask)
    return masked


def mask_text(text: str, patterns: tuple[PiiPattern, ...] | None = None) -> str:
    """Mask one string (for tests and small values); same rules as the columns."""
    return pl.select(mask_expr(pl.lit(text, dtype=pl.String), patterns)).item()


def mask_series(
    values: pl.Series, patterns: tuple[PiiPattern, ...] | None = None, *, unique: bool = False
) -> pl.Series:
    """Masked copy of a String Series, pattern by pattern in order.

    Each pattern runs only on the rows its cheap ``prefilter`` matches (a
    literal or ASCII-class scan), so the Unicode-heavy patterns never touch
    most of the text. With ``unique`` the work is done once per distinct
    value (messages repeat a lot).
    """
    pats = patterns if patterns is not None else load_patterns()
    if values.len() == 0 or values.null_count() == values.len() or not pats:
        return values
    if unique:
        distinct = values.unique().drop_nulls()
        masked = mask_series(distinct, pats)
        changed = distinct != masked
        if not changed.any():
            return values
        return values.replace(distinct.filter(changed), masked.filter(changed))
    out = values
    for pat in pats:
        idx = out.str.contains(pat.prefilter).fill_null(False).arg_true()
        if idx.len() == 0:
            continue
        fixed = out.gather(idx).str.replace_all(pat.regex, pat.mask)
        out = out.clone().scatter(idx, fixed) if out is values else out.scatter(idx, fixed)
    return out
