"""Visitor-profile overlap: exact edges, rules, cliques vs chains, bad data, wide exports."""

from __future__ import annotations

import numpy as np
import pytest

from opsrca.errors import InputError
from opsrca.listings import find_overlaps
from opsrca.listings.overlap import histogram_overlap, maximal_cliques


def _rows(
    shop: str, region: dict[str, float], age: dict[str, float] | None = None
) -> list[dict[str, object]]:
    age = region if age is None else age
    rows = [{"店铺": shop, "维度": "地域", "分组": k, "占比": v} for k, v in region.items()]
    return rows + [{"店铺": shop, "维度": "年龄", "分组": k, "占比": v} for k, v in age.items()]


def test_histogram_overlap_matrix() -> None:
    m = histogram_overlap(np.array([[80.0, 20.0], [60.0, 40.0]]))
    assert m[0, 1] == m[1, 0] == 80.0 and m[0, 0] == 100.0


@pytest.mark.parametrize(("threshold", "flagged"), [(80.0, False), (79.99, True)])
def test_exactly_80_is_not_above(write_csv, threshold: float, flagged: bool) -> None:
    path = write_csv(_rows("A", {"粤": 80, "浙": 20}) + _rows("B", {"粤": 60, "浙": 40}))
    res = find_overlaps(path, threshold=threshold)
    assert (res.findings.height == 1) is flagged


def test_80_01_is_above(write_csv) -> None:
    path = write_csv(_rows("A", {"粤": 100, "浙": 0}) + _rows("B", {"粤": 80.01, "浙": 19.99}))
    res = find_overlaps(path, threshold=80)
    assert res.findings["combined"].to_list() == [80.01]


@pytest.mark.parametrize(("rule", "flagged"), [("all", False), ("mean", False), ("any", True)])
def test_rules(write_csv, rule: str, flagged: bool) -> None:
    # region overlap 90, age overlap 60
    path = write_csv(
        _rows("A", {"粤": 90, "浙": 10}, {"18-23": 100, "24-30": 0})
        + _rows("B", {"粤": 100, "浙": 0}, {"18-23": 60, "24-30": 40})
    )
    res = find_overlaps(path, threshold=80, rule=rule)
    assert (res.findings.height > 0) is flagged


def test_chain_is_not_a_group(write_csv) -> None:
    # A~B (90), B~C (90), A~C (80 -> not above): no group
    path = write_csv(
        _rows("A", {"x": 50, "y": 50, "z": 0})
        + _rows("B", {"x": 40, "y": 50, "z": 10})
        + _rows("C", {"x": 30, "y": 50, "z": 20})
    )
    res = find_overlaps(path, threshold=80)
    assert sorted(res.findings["shops"].to_list()) == ["A,B", "B,C"]
    assert "group" not in res.findings["kind"].to_list()


def test_clique_is_a_group(write_csv) -> None:
    path = write_csv(
        _rows("A", {"x": 50, "y": 50})
        + _rows("B", {"x": 45, "y": 55})
        + _rows("C", {"x": 55, "y": 45})
        + _rows("D", {"x": 0, "y": 100})
    )
    res = find_overlaps(path, threshold=80)
    groups = res.findings.filter(kind="group")
    assert groups["shops"].to_list() == ["A,B,C"]
    assert groups["combined"].to_list() == [90.0]  # weakest pair of the group
    assert res.findings["kind"].to_list()[0] == "group"


def test_maximal_cliques() -> None:
    adj = {"A": {"B", "C"}, "B": {"A", "C", "D"}, "C": {"A", "B", "D"}, "D": {"B", "C"}}
    assert maximal_cliques(adj) == [["A", "B", "C"], ["B", "C", "D"]]


def test_renormalized_with_warning(write_csv) -> None:
    path = write_csv(_rows("A", {"x": 55, "y": 55}) + _rows("B", {"x": 50, "y": 50}))
    res = find_overlaps(path)
    assert res.findings["combined"].to_list() == [100.0]
    assert any("sum to 110" in n and "renormalized" in n for n in res.notes)


@pytest.mark.parametrize("bad", ["-5", "abc"])
def test_bad_share_rejected_with_line(write_csv, bad: str) -> None:
    rows = _rows("A", {"x": 50, "y": 50}) + _rows("B", {"x": 50, "y": 50})
    rows[5]["占比"] = bad
    rows = [{k: str(v) for k, v in r.items()} for r in rows]
    with pytest.raises(InputError, match=rf"in\.csv.*line 7: share='{bad}'"):
        find_overlaps(write_csv(rows))


def test_missing_dimension_reported(write_csv) -> None:
    rows = _rows("A", {"x": 50, "y": 50}) + _rows("B", {"x": 50, "y": 50})
    rows += [
        {"店铺": "C", "维度": "地域", "分组": "x", "占比": 50},
        {"店铺": "C", "维度": "地域", "分组": "y", "占比": 50},
    ]
    res = find_overlaps(write_csv(rows))
    assert res.findings["shops"].to_list() == ["A,B"]
    assert any("C" in n and "'age'" in n for n in res.notes)


def test_wide_export_and_visitors(write_csv) -> None:
    wide = [
        {"店铺": "A", "维度": "地域", "广东": 50, "浙江": 50},
        {"店铺": "A", "维度": "年龄", "广东": 50, "浙江": 50},
        {"店铺": "B", "维度": "地域", "广东": 50, "浙江": 50},
        {"店铺": "B", "维度": "年龄", "广东": 50, "浙江": 50},
    ]
    res = find_overlaps(write_csv(wide, "wide.csv"))
    assert res.findings["combined"].to_list() == [100.0]
    long = [
        {"shop_id": s, "dimension": d, "bucket": b, "visitors": v}
        for s in ("A", "B")
        for d in ("region", "age")
        for b, v in (("p", 30), ("q", 70))
    ]
    assert find_overlaps(write_csv(long, "uv.csv")).findings["combined"].to_list() == [100.0]


def test_missing_columns(write_csv) -> None:
    with pytest.raises(
        InputError, match=r"missing column\(s\) dimension.*columns present: shop_id, share"
    ):
        find_overlaps(write_csv([{"店铺": "A", "占比": 1}]))


def test_single_shop_has_no_findings() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {
            "shop_id": ["A", "A"],
            "dimension": ["region", "age"],
            "bucket": ["x", "y"],
            "share": ["100", "100"],
        }
    )
    assert find_overlaps(frame).findings.height == 0
