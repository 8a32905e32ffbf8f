"""Retry waste: non-retryable causes retried 3+ times, per shop and endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsrca import api


def test_retry_waste_per_shop_and_endpoint(report_db: Path) -> None:
    frame = api.retry_waste(report_db)
    rows = {(r["shop_id"], r["api_endpoint"]): r for r in frame.to_dicts()}
    assert set(rows) == {("OZ1", "/v3/product/import"), ("TT1", "/api/products")}
    oz = rows[("OZ1", "/v3/product/import")]
    assert oz["events"] == 3 and oz["wasted_retries"] == 12 and oz["max_retries"] == 4
    assert oz["top_root_cause"] == "auth.insufficient_permission"
    assert oz["fix_zh"] and oz["fix_en"]
    assert rows[("TT1", "/api/products")]["root_causes"] == "catalog.category_invalid×4"


def test_retryable_causes_are_not_waste(report_db: Path) -> None:
    frame = api.retry_waste(report_db)
    assert "/api/products/stocks" not in frame["api_endpoint"].to_list()  # 429s, retry count 5


def test_threshold(report_db: Path) -> None:
    assert api.retry_waste(report_db, min_retries=4).height == 1
    assert api.retry_waste(report_db, min_retries=10).height == 0
    with pytest.raises(ValueError, match="min_retries"):
        api.retry_waste(report_db, min_retries=-1)


def test_ids_in_rest_paths_fold_into_one_endpoint() -> None:
    import polars as pl

    from opsrca import store
    from opsrca.report import views
    from opsrca.report.retry import retry_waste

    paths_ = [
        "/product/202309/products/524509756397/inventory/update",
        "/product/202309/products/667159054011/inventory/update",
        "/product/202309/products",
    ]
    events = pl.DataFrame(
        {
            "event_id": ["a", "b", "c"],
            "platform": ["tiktok"] * 3,
            "shop_id": ["S"] * 3,
            "api_endpoint": paths_,
            "is_error": [True] * 3,
            "retry_count": [3, 4, 5],
            "message": ["x"] * 3,
        }
    )
    cls = pl.DataFrame(
        {
            "event_id": ["a", "b", "c"],
            "root_cause": ["auth.token_expired"] * 3,
            "template": ["x"] * 3,
        }
    )
    con = store.connect(":memory:")
    store.append(con, "events", events)
    store.save_decisions(con, cls)
    frame = retry_waste(views.prepare(con))
    assert dict(zip(frame["api_endpoint"], frame["events"], strict=True)) == {
        "/product/202309/products/{id}/inventory/update": 2,  # the API version 202309 stays
        "/product/202309/products": 1,
    }


def test_report_row_names_the_three_largest_causes_and_counts_the_rest() -> None:
    """A retry row at 500k rows listed a dozen causes; the report keeps the three largest."""
    import polars as pl

    from opsrca.report.html import top_causes

    frame = pl.DataFrame(
        {
            "root_causes": [
                "auth.token_expired×101, erp.internal_error×60, validation.missing_field×9, "
                "access.ip_restricted×3, account.restricted×2",
                "catalog.category_invalid×4",
            ]
        }
    )
    out = top_causes(frame, " … {n} more")["root_causes"].to_list()
    assert out == [
        "auth.token_expired×101, erp.internal_error×60, validation.missing_field×9 … 2 more",
        "catalog.category_invalid×4",
    ]
