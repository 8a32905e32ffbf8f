"""Tokens of Chinese, English and Russian error text, alone and mixed."""

from __future__ import annotations

import pytest

from opsrca.classify.tokenize import concepts, fold_latin, stem_ru, tokenize


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
    ("texts", "concept"),
    [
        (
            ["El campo sku es obrigatorio", "Campo obrigatório não informado",
             "Pflichtfeld fehlt", "Champ requis manquant", "Pole wymagane", "Zorunlu alan eksik", "Veld is verplicht"],
            "__c_required__",
        ),
        (
            ["Valor inválido para el campo peso", "Ungültiger Wert", "Valeur invalide",
             "Nieprawidłowa wartość", "Geçersiz değer", "Ongeldige waarde"],
            "__c_invalid__",
        ),
        (
            ["Pedido no encontrado", "Produto não encontrado", "Artikel nicht gefunden",
             "Commande introuvable", "Nie znaleziono zamówienia", "Sipariş bulunamadı",
             "Bestelling niet gevonden"],
            "__c_not_found__",
        ),
        (
            ["El pedido ya existe", "Registro duplicado", "Bestellung existiert bereits",
             "Commande en doublon", "Kayıt zaten mevcut", "Artikel bestaat al"],
            "__c_exists__",
        ),
        (
            ["Sin existencias para este artículo", "Estoque insuficiente", "Lagerbestand zu gering", "Ürün stokta yok", "Niet op voorraad"],
            "__c_stock__",
        ),
        (["El token ha expirado", "Sessão expirada", "Token abgelaufen", "Oturum süresi doldu", "Token verlopen"], "__c_expired__"),
        (
            ["Error interno del servidor", "Interner Fehler, bitte später erneut versuchen",
             "Erreur interne", "Sunucu hatası", "Interne fout"],
            "__c_server__",
        ),
        (["Cuenta suspendida", "Konto gesperrt", "Compte suspendu", "Satıcı hesabı askıya alındı",
             "Verkoper geblokkeerd"], "__c_seller_state__"),
    ],
)  # fmt: skip
def test_other_european_wordings_share_the_concept_tokens(texts: list[str], concept: str) -> None:
    """Carriers, tax services and marketplaces outside the three languages answer in Spanish,
    Portuguese, German, French, Polish, Turkish or Dutch; their wordings reach the same concept
    tokens, so the model reads them by what it learned in Chinese, English and Russian."""
    for text in texts:
        assert concept in concepts(text), text


def test_accented_latin_words_stay_whole_words() -> None:
    assert tokenize("Rejeição: duplicidade")[:2] == ["rejeicao", "duplicidade"]
    assert tokenize("größer als 10")[0] == "grosser"
    assert fold_latin("Zamówienie łódź") == "Zamowienie lodz"
    assert fold_latin("Поле й ё 类目") == "Поле й ё 类目"  # Cyrillic and Chinese untouched


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("__status_401__ __code_state__", "__c_status__"),  # field tokens are not words
        # English words that begin like another language's concept word:
        ("the payload contains a null byte", "__c_seller_state__"),  # conta (pt account)
        ("video upload handler crashed", "__c_required__"),  # vide (fr empty)
        ("imported 3 rows", "__c_price__"),  # importe (es amount)
        ("discount applied", "__c_internal__"),  # disco (es disk)
        ("412 Precondition Failed", "__c_price__"),  # preco (pt price)
        ("Банк отклонил платеж", "__c_seller_state__"),  # бан- is a ban, банк is a bank
        ("assign the order", "__c_credential__"),  # whole English words only
        ("imageset registry", "__c_image__"),
    ],
)
def test_concepts_need_the_word_itself(text: str, absent: str) -> None:
    assert absent not in concepts(text)
