"""Masks against real-shaped identifiers: each id is masked, each meaningful word survives,
and one error with different ids of the same shape is one template (hypothesis)."""

from __future__ import annotations

import base64
import re
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opsrca.normalize import prefold, template, templates

CORPUS: dict[str, Any] = tomllib.loads(
    (Path(__file__).parent / "data" / "masks_corpus.toml").read_text(encoding="utf-8")
)
IDS: list[dict[str, str]] = CORPUS["id"]
KEEP: list[dict[str, str]] = CORPUS["keep"]


def test_corpus_is_large_enough() -> None:
    assert len(IDS) >= 80
    assert len(KEEP) >= 40
    assert len({row["shape"] for row in IDS}) >= 20


@pytest.mark.parametrize("row", IDS, ids=[f"{r['shape']}-{i}" for i, r in enumerate(IDS)])
def test_identifier_is_masked(row: dict[str, str]) -> None:
    assert template(row["message"]) == row["expect"]


@pytest.mark.parametrize("row", KEEP, ids=[r["word"] for r in KEEP])
def test_meaningful_word_survives(row: dict[str, str]) -> None:
    assert row["word"] in template(row["message"])


def test_corpus_vectorized_and_prefolded_agree() -> None:
    messages = pl.Series("m", [r["message"] for r in IDS + KEEP])
    direct = templates(messages)
    folded = pl.DataFrame({"m": messages}).select(prefold(pl.col("m")))["m"]
    assert templates(folded).to_list() == direct.to_list()
    assert direct.to_list() == [template(m) for m in messages.to_list()]


# --- one error, many ids: one template ------------------------------------------------------
_HEX = "0123456789abcdef"
_LOWER_G = "ghijklmnopqrstuvwxyz"
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_UNIT_TAIL = re.compile(r"[0-9]+(?i:ms|s|sec|px|kb|mb|gb|kg|cm|mm|k|m|g|h|w)")
# digits around x only: a dimension (800x800) to the number mask, not an id (0x00000000)
_DIMENSION = re.compile(r"[0-9]+(?:[x][0-9]+)+")


@st.composite
def _hex_id(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=_HEX, min_size=6, max_size=62))
    case = draw(st.sampled_from([str.lower, str.upper]))
    return case(draw(st.sampled_from("abcdef")) + body + draw(st.sampled_from("0123456789")))


@st.composite
def _alnum_id(draw: st.DrawFn) -> str:
    body = draw(st.text(alphabet=_ALNUM, min_size=8, max_size=30))
    token = (
        draw(st.sampled_from(_LOWER_G + _LOWER_G.upper()))
        + body
        + draw(st.sampled_from("0123456789"))
    )
    chars = list(token)
    order = draw(st.permutations(range(len(chars))))
    shuffled = "".join(chars[i] for i in order)
    assume(not _UNIT_TAIL.fullmatch(shuffled) and not _DIMENSION.fullmatch(shuffled))
    return shuffled


@st.composite
def _padded_base64(draw: st.DrawFn) -> str:
    raw = draw(st.binary(min_size=11, max_size=48))
    urlsafe = draw(st.booleans())
    text = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    assume(text.endswith("=") and re.search(r"[A-Z0-9+/]", text[6:-9]))
    return text


_DIGITS = st.builds(
    lambda head, tail: head + tail,
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789", min_size=11, max_size=19),
)
_SKU = st.builds(
    lambda a, b, c: f"{a}-{b}-{c}",
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=2, max_size=4),
    st.text(alphabet="0123456789", min_size=2, max_size=6),
    st.sampled_from(["XL", "BK", "RD", "01", "A"]),
)
SHAPES: dict[str, tuple[st.SearchStrategy[str], str]] = {
    "hex": (_hex_id(), "<HEX>"),
    "uuid": (st.uuids(version=4).map(str), "<UUID>"),
    "alnum": (_alnum_id(), "<ID>"),
    "digits": (_DIGITS, "<NUM>"),
    "base64": (_padded_base64(), "<B64>"),
    "sku": (_SKU, "<SKU>"),
}
BASES = [
    "订单{x}同步失败,请稍后重试",
    "request {x} rejected: signature mismatch",
    "заказ {x} не найден",
    "【奇门】单据 {x} 已存在, 请勿重复推送",
    '{{"code":500,"msg":"trace {x} timed out"}}',
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(BASES),
    shape=st.sampled_from(sorted(SHAPES)),
    data=st.data(),
)
def test_one_error_with_different_ids_is_one_template(
    base: str, shape: str, data: st.DataObject
) -> None:
    strategy, placeholder = SHAPES[shape]
    ids = data.draw(st.lists(strategy, min_size=3, max_size=3))
    messages = pl.Series("m", [base.format(x=i) for i in ids])
    got = templates(messages).to_list()
    assert got == [template(base.format(x=placeholder))] * 3
    folded = pl.DataFrame({"m": messages}).select(prefold(pl.col("m")))["m"]
    assert templates(folded).to_list() == got
    assert template(got[0]) == got[0]
