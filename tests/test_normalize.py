"""Normalizer: mask examples, idempotence and robustness (hypothesis), vectorized == pure."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from opsrca.normalize import MAX_TEMPLATE_CHARS, Mask, fold_digits, load_masks, template, templates

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


@settings(max_examples=300, deadline=None)
@given(_UTF8)
@example(
    "5xabc 0x1f 1x800 9x 2026-11-02T02:13:05Z SKU-46099-RD 47.96.12.8:8080 3f2b8c1e-9a4d-4e2f-8b7c-1d2e3f4a5b6c"
)
@example("٣٤ 12٣ a1b2c3d4e5f6a7b8 token=ab12 店铺88")
def test_folding_digits_keeps_the_template(message: str) -> None:
    """classify folds ASCII digits before templating to dedupe more; it must not change a template."""
    folded = templates(pl.Series("m", [message])).to_list()
    pre = pl.DataFrame({"m": [message]}).select(fold_digits(pl.col("m")))["m"]
    assert templates(pre).to_list() == folded
