"""Product lint: every rule's example fires with its taxonomy id; skips are said; bad input."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca.errors import InputError
from opsrca.listings import lint_products
from opsrca.listings.advice import fix
from opsrca.listings.lint import load_categories, load_rules

CLEAN = {
    "item_code": "KD-1",
    "title": "南极人纯棉短袖T恤",
    "category_id": "50010850",
    "stock": "10",
    "listing_status": "1",
    "image_width": "800",
    "image_height": "800",
    "image_format": "jpg",
    "warehouse_code": "WH1",
    "logistics_template": "包邮",
    "after_sales_address": "杭州",
}
RULES = load_rules()


def test_clean_row_has_no_findings() -> None:
    res = lint_products(pl.DataFrame([CLEAN]), categories={"50010850"})
    assert res.findings.height == 0 and res.notes == []


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_each_rule_example_fires(rule: dict) -> None:
    row = {**CLEAN, **rule["example"]}
    rows = [row, row] if rule["check"] == "duplicated" else [row]
    res = lint_products(pl.DataFrame(rows), categories={"50010850"})
    hits = res.findings.filter(pl.col("rule") == rule["id"])
    assert hits.height == len(rows)
    assert set(hits["root_cause"]) == {rule["root_cause"]}
    assert hits["fix_zh"][0] == fix(rule["root_cause"])[0]
    other = res.findings.filter(pl.col("rule") != rule["id"])
    assert other.height == 0, other


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("item_code", "AB 12", "item_code_bad_chars"),
        ("item_code", "AB、12", "item_code_bad_chars"),
        ("item_code", "ＡＢ12", "item_code_bad_chars"),
        ("title", "全网第一 T恤", "title_banned_words"),
        ("title", "100%纯棉", "title_banned_words"),
        ("stock", "-1", "stock_not_positive"),
        ("stock", "abc", "stock_not_positive"),
        ("listing_status", "", "listing_status_off"),
        ("image_height", "799", "image_too_small"),
        ("image_format", "GIF", "image_format"),
    ],
)
def test_more_violations(field: str, value: str, rule: str) -> None:
    res = lint_products(pl.DataFrame([{**CLEAN, field: value}]))
    assert rule in res.findings["rule"].to_list()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "纯棉T恤 100ml"),
        ("listing_status", "TRUE"),
        ("image_format", "PNG"),
        ("title", "x" * 60),
    ],
)
def test_no_false_positive(field: str, value: str) -> None:
    assert lint_products(pl.DataFrame([{**CLEAN, field: value}])).findings.height == 0


def test_absent_columns_skip_and_say_so() -> None:
    res = lint_products(pl.DataFrame([{"item_code": "A1", "title": "纯棉T恤"}]))
    assert res.findings.height == 0
    joined = "\n".join(res.notes)
    for rule in (
        "stock_not_positive",
        "image_too_small",
        "warehouse_code_empty",
        "category_not_open",
    ):
        assert f"rule {rule} skipped" in joined


def test_chinese_headers_and_line_numbers(write_csv) -> None:
    path = write_csv(
        [
            {"商品编码": "A1", "商品名称": "限时抢购T恤", "库存": "5"},
            {"商品编码": "A2", "商品名称": "T恤", "库存": "0"},
        ],
        "products.csv",
    )
    res = lint_products(path)
    assert res.findings.select("item_code", "rule", "source_line").rows() == [
        ("A1", "title_banned_words", 2),
        ("A2", "stock_not_positive", 3),
    ]


def test_categories_file_txt_and_csv(tmp_path) -> None:
    txt = tmp_path / "open_categories.txt"
    txt.write_text("# ids\n123\n456 # comment\n\n", encoding="utf-8")
    assert load_categories(txt) == {"123", "456"}
    csv = tmp_path / "cats.csv"
    csv.write_text("类目ID,名称\n789,女装\n", encoding="utf-8")
    assert load_categories(csv) == {"789"}
    res = lint_products(pl.DataFrame([{**CLEAN, "category_id": "123"}]), categories=txt)
    assert res.findings["rule"].to_list() == []


def test_missing_item_code(write_csv) -> None:
    with pytest.raises(InputError, match=r"bad\.csv.*item_code.*columns present: title"):
        lint_products(write_csv([{"标题": "x"}], "bad.csv"))


def test_gbk_file(tmp_path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("商品编码,商品名称,库存\nA1,纯棉T恤,0\n".encode("gbk"))
    assert lint_products(path).findings["rule"].to_list() == ["stock_not_positive"]
