"""Text normalization for the similarity checks, as Polars expressions.

Copy that differs only by full-width digits, case, punctuation, spacing or emoji is the
same copy to a platform's duplicate filter, so it must be the same string to ours.
The scalar ``normalize`` runs the very same expression so both can never drift apart.
"""

from __future__ import annotations

import logging
from functools import cache

import polars as pl

from opsrca.paths import data_file

# Emoji and their glue: pictographs, variation selector-16, ZWJ, skin tones, flags, keycap.
_EMOJI = r"[\p{Extended_Pictographic}\x{FE0E}\x{FE0F}\x{200D}\x{20E3}\x{1F3FB}-\x{1F3FF}\x{1F1E6}-\x{1F1FF}]"
# Punctuation, symbols, whitespace and control characters all fold to one space.
_SEPARATORS = r"[\p{P}\p{S}\p{Z}\p{C}\s]+"


def normalize_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC (full-width -> half-width), lower case, emoji dropped, punctuation/space folded."""
    return (
        expr.cast(pl.String)
        .fill_null("")
        .str.normalize("NFKC")
        .str.to_lowercase()
        .str.replace_all(_EMOJI, "")
        .str.replace_all(_SEPARATORS, " ")
        .str.strip_chars()
    )


def normalize(text: str | None) -> str:
    """Normalize one string (same expression as :func:`normalize_expr`)."""
    return pl.select(normalize_expr(pl.lit(text, dtype=pl.String))).item()


def compact_expr(expr: pl.Expr) -> pl.Expr:
    """Normalized text without spaces: what the character scorer compares."""
    return normalize_expr(expr).str.replace_all(" ", "", literal=True)


@cache
def _jieba() -> object:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> str:
    """jieba tokens of a normalized string, space-joined (for token-based scorers)."""
    jieba = _jieba()
    return " ".join(t for t in jieba.lcut(text) if t.strip())  # type: ignore[attr-defined]


def tokenize_series(values: pl.Series) -> pl.Series:
    """Tokenize the unique values of a series once and map them back (no per-row work)."""
    uniq = values.unique()
    mapping = dict(zip(uniq.to_list(), [tokens(v or "") for v in uniq.to_list()], strict=True))
    return values.replace_strict(mapping, return_dtype=pl.String)


def fold_light_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC + lower case only: keeps symbols such as ``%`` that banned words contain."""
    return expr.cast(pl.String).fill_null("").str.normalize("NFKC").str.to_lowercase()


def load_word_list(name: str, *, fold_punctuation: bool = True) -> list[str]:
    """A one-word-per-line data file ('#' starts a comment line), normalized, longest first."""
    path = data_file(name)
    raw = [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    fold = compact_expr if fold_punctuation else fold_light_expr
    words = [
        w for w in pl.Series(raw, dtype=pl.String).to_frame("w").select(fold(pl.col("w")))["w"] if w
    ]
    return sorted(set(words), key=lambda w: (-len(w), w))
