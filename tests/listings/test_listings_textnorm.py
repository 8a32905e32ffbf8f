"""Normalization: full-width, case, punctuation, emoji; idempotent and total."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsrca.listings.textnorm import compact_expr, load_word_list, normalize, normalize_expr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width -> half-width, case folded
        ("【包邮】纯棉T恤，女款！", "包邮 纯棉t恤 女款"),  # CJK punctuation folded to one space
        ("🔥爆款🔥 冰丝短袖 ❤️👍🏻", "爆款 冰丝短袖"),  # emoji (+ VS16, skin tone) dropped
        ("  多\t空白\u3000文本  ", "多 空白 文本"),  # ideographic space, tabs
        ("🇨🇳 国旗", "国旗"),
        (None, ""),
    ],
)
def test_normalize_examples(raw: str | None, expected: str) -> None:
    assert normalize(raw) == expected


def test_expression_matches_scalar() -> None:
    values = ["Ｔ恤😀，女", "abc", ""]
    out = pl.DataFrame({"v": values}).select(normalize_expr(pl.col("v")))["v"].to_list()
    assert out == [normalize(v) for v in values]


def test_compact_removes_spaces() -> None:
    assert pl.select(compact_expr(pl.lit("纯棉 T恤 ，女"))).item() == "纯棉t恤女"


@settings(deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_normalize_idempotent_and_total(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()


def test_banned_words_keep_symbols() -> None:
    words = load_word_list("banned_words.txt", fold_punctuation=False)
    assert "100%" in words and "限时抢购" in words and "全网最低" in words
    assert words == sorted(words, key=lambda w: (-len(w), w))
