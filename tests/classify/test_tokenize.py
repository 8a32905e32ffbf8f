"""Tokens of Chinese, English and Russian error text, alone and mixed."""

from __future__ import annotations

import pytest

from opsrca.classify.tokenize import concepts, stem_ru, tokenize


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
        (
            "Поле tracking_number обязательно",
            ["пол", "tracking", "number", "обязательн", "__c_required__", "__c_logistics__"],
        ),
        ("Missing Required Arguments", ["missing", "required", "arguments", "__c_required__"]),
        ("缺少必填参数 title", ["缺少", "必填参数", "title", "__c_required__"]),
        (
            "同步失败：Товар не найден (item 404) __platform_ozon__",
            [
                "同步",
                "失败",
                "товар",
                "не",
                "найден",
                "item",
                "__platform_ozon__",
                "__c_not_found__",
            ],
        ),
    ],
)
def test_tokens_of_each_language_and_mixed(doc: str, expected: list[str]) -> None:
    assert tokenize(doc) == expected


@pytest.mark.parametrize(
    ("texts", "concept"),
    [
        (["主图尺寸不符合要求", "Invalid pictures", "Фото товара не загружено"], "__c_image__"),
        (["缺少必填参数", "Field sku is required", "Поле sku обязательно"], "__c_required__"),
        (
            ["类目不存在", "Selected category does not exist", "Категория не найдена"],
            "__c_category__",
        ),
        (["调用频率超限", "Too Many Requests", "Превышен лимит запросов"], "__c_rate__"),
        (["授权码已过期", "invalid_grant: refresh token revoked", "Токен отозван"], "__c_grant__"),
        (["沙箱环境", "a live mode key was used", "Тестовый ключ"], "__c_environment__"),
        (["IP不在白名单", "IP not whitelisted", "IP нет в белом списке"], "__c_ip__"),
    ],
)
def test_one_concept_token_for_the_same_idea_in_every_language(
    texts: list[str], concept: str
) -> None:
    """Chinese, English and Russian wordings of one idea share a concept token, so what the
    model learns from one language counts for the others."""
    for text in texts:
        assert concept in concepts(text), text
        assert concept in tokenize(text), text


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("__status_401__ __code_state__", "__c_status__"),  # field tokens are not words
        ("Банк отклонил платеж", "__c_seller_state__"),  # бан- is a ban, банк is a bank
        ("assign the order", "__c_credential__"),  # whole English words only
        ("imageset registry", "__c_image__"),
    ],
)
def test_concepts_need_the_word_itself(text: str, absent: str) -> None:
    assert absent not in concepts(text)
