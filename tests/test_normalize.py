"""Normalizer: mask examples, idempotence and robustness (hypothesis), vectorized == pure,
context masks and the prefold that keeps templates."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opsrca.normalize import (
    MAX_TEMPLATE_CHARS,
    Mask,
    load_masks,
    prefold,
    template,
    template_expr,
    templates,
)

MASKS = load_masks()


@pytest.mark.parametrize("mask", MASKS, ids=[m.name for m in MASKS])
def test_mask_example(mask: Mask) -> None:
    assert template(mask.example) == mask.expect


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "item SKU-2024-RED_XL stock is 0 at 2026-11-02 10:13:05",
            "item <SKU> stock is <NUM> at <TS>",
        ),
        ("店铺kingdo88库存为0", "店铺<ID>库存为<NUM>"),
        (
            '{"code":491,"message":"需要人脸核验","trace_id":"0b51"}',
            '{"code":<NUM>,"message":"需要人脸核验","trace_id":"<VAL>"}',
        ),
        ("access_token: expired", "access_token: expired"),  # a word, not a secret
        ("  spaced\t\tout\n", "spaced out"),
    ],
)
def test_templates_of_real_messages(message: str, expected: str) -> None:
    assert template(message) == expected


def test_same_error_different_ids_share_a_template() -> None:
    a = template("order 5801234567 not found, trace 0b51f3a2c9d8e7f6a1b2")
    b = template("order 5809999999 not found, trace 1c2d3e4f5a6b7c8d9e0f")
    assert a == b


@pytest.mark.parametrize(
    "message",
    [
        None,
        "",
        b"\xff\xfe\x00\x01binary",
        "\x00" * 50,
        "\ud800 lone surrogate",
        12345,
        "x" * 1_000_000,
    ],
)
def test_never_raises_on_bad_input(message: object) -> None:
    out = template(message)
    assert isinstance(out, str)
    assert len(out) <= MAX_TEMPLATE_CHARS


def test_one_megabyte_message_is_clipped_on_a_word_boundary() -> None:
    out = template("数据库连接池耗尽 " + "word " * 250_000)
    assert out.startswith("数据库连接池耗尽")
    assert len(out) <= MAX_TEMPLATE_CHARS
    assert out.endswith("word")


def test_vectorized_matches_pure() -> None:
    messages = [m.example for m in MASKS] + ["", "plain text"]
    got = templates(pl.Series("message", messages)).to_list()
    assert got == [template(m) for m in messages]


def test_nulls_give_empty_template() -> None:
    assert templates(pl.Series("m", [None, "a 1"], dtype=pl.String)).to_list() == ["", "a <NUM>"]


_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("0123456789abcdefABCDEF-_:./@<> \t\n\"'{}=令牌过期库存为")),
    ),
    max_size=300,
)
# Polars strings are UTF-8: a Series cannot even hold a lone surrogate (template() replaces them).
_UTF8 = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("0123456789abcdefABCDEF-_:./@<> \t\n\"'{}=令牌过期库存为")),
    ),
    max_size=300,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_idempotent(message: str) -> None:
    once = template(message)
    assert template(once) == once


@settings(max_examples=50, deadline=None)
@given(st.lists(_UTF8, max_size=20))
def test_idempotent_vectorized(messages: list[str]) -> None:
    once = templates(pl.Series("m", messages, dtype=pl.String))
    assert templates(once).to_list() == once.to_list()


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=400))
def test_binary_never_raises(data: bytes) -> None:
    assert isinstance(template(data), str)


def _prefolded(messages: list[str]) -> list[str]:
    frame = pl.DataFrame({"m": pl.Series(messages, dtype=pl.String)})
    return frame.select(prefold(pl.col("m")))["m"].to_list()


# Id-shaped tokens between every kind of delimiter the masks and the folds look at.
_PIECES = st.sampled_from(
    [" ", ",", ";", "(", ")", "[", "]", '"', "'", "-", "_", ".", ":", "/", "+", "=", "@", "年", "月",
     "日", "订单", "失败", "×", "x", "token: ", "sign=", "店铺【", "】", "子账号:", "用户", "HTTP ",
     "\u0663", "\ufffd", "\x00", "ms", "d", "0x", "E1001", "utf8mb4", "SKU-", "2026-11-02 10:13:05"]
)  # fmt: skip
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_IDISH = st.lists(
    st.one_of(
        _PIECES,
        st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=40),
        st.text(alphabet=_ALNUM, min_size=1, max_size=40),
        st.text(alphabet="0123456789", min_size=1, max_size=22),
        st.text(alphabet=_ALNUM + "+/_-", min_size=8, max_size=30).map(lambda s: s + "=="),
        st.uuids().map(str),
    ),
    max_size=14,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_UTF8, _IDISH), min_size=1, max_size=20))
@example(
    [
        "5xabc 0x1f 1x800 9x 2026-11-02T02:13:05Z SKU-46099-RD 47.96.12.8:8080 "
        "3f2b8c1e-9a4d-4e2f-8b7c-1d2e3f4a5b6c",
        "٣٤ 12٣ a1b2c3d4e5f6a7b8 token=ab12 店铺88 1234567890d 1234567890ms",
        "x 3f2b8c1e-9a4d-4e2f-8b7c-1d2e3f4a5b6c/xyz1234== y 800×600 为2026年11月2日",
    ]
)
def test_prefold_keeps_the_template(messages: list[str]) -> None:
    """classify prefolds messages to dedupe ids before templating; it must not change a template."""
    direct = templates(pl.Series("m", messages, dtype=pl.String)).to_list()
    folded = templates(pl.Series("m", _prefolded(messages), dtype=pl.String)).to_list()
    assert folded == direct


def test_prefold_collapses_ids_of_every_shape() -> None:
    messages = [
        f"订单{order}同步失败, trace {trace}, request {rid}, uuid {uuid}, token {b64}"
        for order, trace, rid, uuid, b64 in [
            ("5801234567890123", "0b51f3a2c9d8e7f6", "v8xpe72rtgd27", "3f2b8c1e-9a4d-4e2f-8b7c-1d2e3f4a5b6c", "dGhpcyBpc3BhIHRva2Vu=="),
            ("5809999999999999", "1c2d3e4f5a6b7c8d", "k2j4h6g8f0d1s3", "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d", "Zm9vYmFyYm8xcXV4eA=="),
        ]
    ]  # fmt: skip
    folded = _prefolded(messages)
    assert folded[0] == folded[1]
    assert len(set(templates(pl.Series("m", messages)).to_list())) == 1


def test_context_values_are_masked_in_their_own_row() -> None:
    frame = pl.DataFrame(
        {
            "message": ["店铺东莞户外工厂店的商品KD-9 库存不足", "kingdo 授权过期", "a 授权过期"],
            "shop": ["东莞户外工厂店", "kingdo", "a"],  # one letter: too short to mask
            "item": ["KD-9", None, ""],
        }
    )
    out = frame.select(
        template_expr(
            pl.col("message"), context={"<SHOP>": pl.col("shop"), "<ITEM>": pl.col("item")}
        )
    )["message"].to_list()
    assert out == ["店铺<SHOP>的商品<ITEM> 库存不足", "<SHOP> 授权过期", "a 授权过期"]


def test_context_is_optional_and_per_message() -> None:
    assert template("kingdo 授权过期") == "kingdo 授权过期"
    assert template("kingdo 授权过期", context={"<SHOP>": "kingdo"}) == "<SHOP> 授权过期"
    assert template("kingdo 授权过期", context={"<SHOP>": None}) == "kingdo 授权过期"
