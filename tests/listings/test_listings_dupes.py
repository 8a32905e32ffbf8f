"""Duplicate-copy detector: threshold edges, scopes, SKU rule, clusters, blocking, symmetry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsrca.errors import InputError
from opsrca.listings import blocking, find_duplicates
from opsrca.listings.dupes import SCORERS, combine, is_flagged, score_pairs
from opsrca.listings.samples import make_listings

# ratio = 1 - indel / (len_a + len_b): 20 + 20 chars sharing 13 in order -> exactly 65.0
A = "abcdefghijklmnopqrst"
B = "abcdefghijklm" + "uvwxyz1"


def _frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["account_id", "shop_id", "item_id", "title"], orient="row")


def test_exact_score_is_65() -> None:
    assert score_pairs([A], [B], SCORERS["ratio"])[0] == 65.0


@pytest.mark.parametrize(("threshold", "flagged"), [(65.0, False), (64.99, True)])
def test_threshold_edge_end_to_end(threshold: float, flagged: bool) -> None:
    res = find_duplicates(
        _frame([("acc", "s1", "1", A), ("acc", "s2", "2", B)]), threshold=threshold
    )
    assert (res.pairs.height == 1) is flagged


@pytest.mark.parametrize(
    ("score", "flagged"), [(65.0, False), (65.01, True), (64.99, False), (100.0, True)]
)
def test_strictly_greater(score: float, flagged: bool) -> None:
    assert bool(is_flagged(score, 65.0)) is flagged


def test_combined_formula() -> None:
    got = combine(np.array([80.0, 80.0]), np.array([50.0, 50.0]), np.array([True, False]))
    assert got.tolist() == [pytest.approx(68.0), 80.0]


def test_normalization_makes_copies_identical() -> None:
    rows = [
        ("acc", "s1", "1", "【爆款】纯棉短袖T恤女 夏季🔥"),
        ("acc", "s2", "2", "纯棉短袖Ｔ恤女，夏季"),
        ("acc", "s1", "3", "苏泊尔电饭煲家用"),
    ]
    res = find_duplicates(_frame(rows))
    assert res.pairs.select("item_id_a", "item_id_b").rows() == [("1", "2")]
    assert res.pairs["title_score"][0] > 80


def test_scope_account_vs_all() -> None:
    rows = [
        ("acc1", "s1", "1", "纯棉短袖T恤女夏季宽松"),
        ("acc2", "s2", "2", "纯棉短袖T恤女夏季宽松"),
    ]
    assert find_duplicates(_frame(rows)).pairs.height == 0
    assert find_duplicates(_frame(rows), scope="all").pairs.height == 1
    assert find_duplicates(_frame(rows), scope="shop").pairs.height == 0


def test_sku_only_difference_needs_shared_image() -> None:
    df = pl.DataFrame(
        {
            "account_id": ["a"] * 4,
            "shop_id": ["s"] * 4,
            "item_id": ["1", "2", "3", "4"],
            "title": [
                "回力帆布鞋低帮白色均码",
                "回力帆布鞋低帮红色均码",
                "蕉内冰丝T恤白色M码",
                "蕉内冰丝T恤黑色L码",
            ],
            "main_image": ["img1", "img1", "img2", "img3"],
        }
    )
    res = find_duplicates(df, threshold=99)
    assert res.pairs.select("item_id_a", "item_id_b", "reason").rows() == [
        ("1", "2", "sku_only_difference")
    ]


def test_clusters_are_connected_components() -> None:
    rows = [
        ("acc", "s", "1", "纯棉短袖T恤女夏季宽松百搭"),
        ("acc", "s", "2", "纯棉短袖T恤女夏季宽松百搭款"),
        ("acc", "s", "3", "纯棉短袖T恤女夏季宽松百搭新"),
        ("acc", "s", "4", "苏泊尔电饭煲家用4L智能预约"),
        ("acc", "s", "5", "苏泊尔电饭煲家用4L智能预约款"),
        ("acc", "s", "6", "三只松鼠每日坚果"),
    ]
    res = find_duplicates(_frame(rows))
    assert res.clusters["size"].to_list() == [3, 2]
    assert res.clusters["cluster_id"].to_list() == [1, 2]
    assert set(res.pairs["cluster_id"].to_list()) == {1, 2}
    assert "差异化" in res.clusters["fix_zh"][0] and "Differentiate" in res.clusters["fix_en"][0]


def test_blocked_recall_against_exhaustive() -> None:
    df = make_listings(3000, seed=3)
    exact = find_duplicates(df, blocked=False).pairs
    fast = find_duplicates(df, blocked=True).pairs
    key = ["item_id_a", "item_id_b"]
    found = exact.join(fast, on=key, how="semi").height
    assert exact.height > 100
    assert found / exact.height >= 0.99
    assert fast.join(exact, on=key, how="anti").height == 0  # blocking never invents pairs


def test_dense_catalogue_finds_every_pair_the_exhaustive_search_finds() -> None:
    """A mass-listed catalogue (small shared vocabulary): MinHash would keep most pairs and
    miss some; the character-count bound is chosen and loses none."""
    df = make_listings(2500, seed=5, dense=True)
    exact = find_duplicates(df, blocked=False).pairs
    fast = find_duplicates(df, blocked=True)
    key = ["item_id_a", "item_id_b"]
    assert exact.height > 300
    assert any("character-count bound" in note for note in fast.notes)
    assert fast.pairs.sort(key).select(*key, "score").equals(exact.sort(key).select(*key, "score"))


def test_bound_candidates_keep_pairs_just_above_the_threshold() -> None:
    """The bound is strict like the rule: 66.7 % passes a 65 threshold, 60 % does not."""
    texts = pl.Series(["abcdef", "abcxyz", "abcdxy", "uvwxyz"])
    codes = blocking.bound_candidates(texts, 65.0)
    pairs = {(int(c >> 32), int(c & 0xFFFFFFFF)) for c in codes}
    assert (0, 2) in pairs  # ratio 66.7: abcd shared
    assert (0, 3) not in pairs and (0, 1) not in pairs  # 0 and 50 cannot pass


def test_missing_columns_names_file_and_columns(write_csv) -> None:
    path: Path = write_csv([{"店铺": "s1", "foo": "x"}], "listings_bad.csv")
    with pytest.raises(
        InputError, match=r"listings_bad\.csv.*item_id.*columns present: shop_id, foo"
    ):
        find_duplicates(path)


def test_chinese_headers(write_csv) -> None:
    path = write_csv(
        [
            {
                "账户": "a",
                "店铺": "s1",
                "商品ID": "1",
                "标题": "纯棉短袖T恤女",
                "卖点": "包邮 现货",
            },
            {
                "账户": "a",
                "店铺": "s2",
                "商品ID": "2",
                "标题": "纯棉短袖T恤女",
                "卖点": "包邮 现货",
            },
        ]
    )
    res = find_duplicates(path)
    assert res.pairs["score"].to_list() == [100.0]


def test_bad_threshold() -> None:
    with pytest.raises(InputError, match="between 0 and 100"):
        find_duplicates(_frame([("a", "s", "1", "x")]), threshold=120)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.text(max_size=40),
    st.text(max_size=40),
    st.sampled_from(["ratio", "token_sort_ratio", "token_set_ratio"]),
)
def test_similarity_symmetric(a: str, b: str, scorer: str) -> None:
    sc = SCORERS[scorer]
    assert score_pairs([a], [b], sc)[0] == pytest.approx(score_pairs([b], [a], sc)[0])


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_xlsx_and_parquet_inputs(tmp_path: Path, suffix: str) -> None:
    frame = pl.DataFrame(
        {
            "账户": ["a", "a", "a"],
            "店铺": ["s1", "s2", "s1"],
            "商品ID": ["1", "2", "3"],
            "标题": ["纯棉短袖T恤女夏季宽松", "纯棉短袖T恤女夏季宽松款", "苏泊尔电饭煲"],
        }
    )
    path = tmp_path / f"listings{suffix}"
    if suffix == ".xlsx":
        frame.write_excel(path)
    else:
        frame.write_parquet(path)
    assert find_duplicates(path).pairs.select("item_id_a", "item_id_b").rows() == [("1", "2")]


def test_tiny_inputs() -> None:
    assert find_duplicates(pl.DataFrame({"item_id": ["1"], "title": ["x"]})).pairs.height == 0
    empty = pl.DataFrame(schema={"item_id": pl.String, "title": pl.String})
    res = find_duplicates(empty)
    assert res.pairs.height == 0 and res.clusters.height == 0
