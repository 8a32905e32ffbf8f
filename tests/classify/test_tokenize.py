"""Tokens of Chinese, English and Russian error text, alone and mixed."""

from __future__ import annotations

import pytest

from opsrca.classify.tokenize import stem_ru, tokenize


@pytest.mark.parametrize(
    ("words", "stem"),
    [
        (["обязательно", "обязательное", "обязательный", "Обязательного"], "обязательн"),
        (["найден", "найдено", "найдена"], "найден"),
        (["заполнено", "заполнен"], "заполнен"),
        (["Токен", "токена"], "токен"),
        (["истёк", "истек"], "истек"),
    ],
)
def test_russian_forms_share_a_stem(words: list[str], stem: str) -> None:
    assert {stem_ru(w) for w in words} == {stem}


def test_short_russian_words_keep_three_letters() -> None:
    assert stem_ru("Поле") == "пол"
    assert stem_ru("не") == "не"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("Поле tracking_number обязательно", ["пол", "tracking", "number", "обязательн"]),
        ("Missing Required Arguments", ["missing", "required", "arguments"]),
        ("缺少必填参数 title", ["缺少", "必填参数", "title"]),
        (
            "同步失败：Товар не найден (item 404) __platform_ozon__",
            ["同步", "失败", "товар", "не", "найден", "item", "__platform_ozon__"],
        ),
    ],
)
def test_tokens_of_each_language_and_mixed(doc: str, expected: list[str]) -> None:
    assert tokenize(doc) == expected
