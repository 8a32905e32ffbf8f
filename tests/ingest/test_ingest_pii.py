"""Every PII pattern masks its example and leaves its look-alikes alone."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca.ingest.pii import PiiPattern, load_patterns, mask_series, mask_text

PATTERNS = load_patterns()


def test_patterns_cover_the_required_kinds() -> None:
    names = {p.name for p in PATTERNS}
    assert {
        "id_card",
        "email",
        "phone_intl",
        "phone_cn_mobile",
        "address_cn",
        "address_en",
    } <= names
    masks = "".join(p.mask for p in PATTERNS)
    for token in ("<PHONE>", "<ID_CARD>", "<EMAIL>", "<ADDRESS>"):
        assert token in masks


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_example_is_masked(pattern: PiiPattern) -> None:
    assert mask_text(pattern.example) == pattern.expected
    assert mask_text(pattern.example, (pattern,)) == pattern.expected  # the pattern itself does it


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_keep_texts_are_untouched(pattern: PiiPattern) -> None:
    for text in pattern.keep:
        assert mask_text(text) == text


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_prefilter_matches_the_example(pattern: PiiPattern) -> None:
    """The cheap prefilter must never skip a row the full pattern would mask: every
    example, and every match of the full pattern in a text of ids around it."""
    assert pattern.flags(pl.Series([pattern.example])).item()
    noise = '{"trace_id":"a63bb59617934624154650000ed30b","item_id":618721611609,"msg":"%s"}'
    wrapped = pl.Series([noise % pattern.example, pattern.example.upper()])
    changed = wrapped.str.replace_all(pattern.regex, pattern.mask) != wrapped
    assert (pattern.flags(wrapped) | ~changed).all()


def test_mask_series_matches_mask_text() -> None:
    texts = [p.example for p in PATTERNS] + [
        "nothing here",
        None,
        "手机 138-1234-5678 与 +86 139 1234 5678",
    ]
    series = pl.Series("m", texts * 3)
    plain = [None if t is None else mask_text(t) for t in texts * 3]
    assert mask_series(series).to_list() == plain
    assert mask_series(series, unique=True).to_list() == plain
    assert series.to_list() == texts * 3  # input untouched
    assert mask_text(texts[-1]) == "手机 <PHONE> 与 <PHONE>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("配送失败：浙江省杭州市西湖区文三路259号3单元，请核对", "配送失败：<ADDRESS>，请核对"),
        ("收件地址：上海市浦东新区世纪大道100号", "收件地址：<ADDRESS>"),
        ("买家的收货人地址浙江省杭州市西湖区文三路259号错误", "买家的收货人地址<ADDRESS>错误"),
        ("新疆维吾尔自治区乌鲁木齐市天山区解放北路88号", "<ADDRESS>"),
        ("北京市朝阳区建国路88号SOHO现代城A座1201室，电话未接", "<ADDRESS>，电话未接"),
    ],
)
def test_chinese_address_is_masked_but_its_label_kept(text: str, expected: str) -> None:
    assert mask_text(text) == expected
