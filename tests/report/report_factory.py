"""Frames with known truth for the report tests (no other area's code involved).

Known facts the tests pin:
- ozon shop ``OZ1``: 40 ``auth.token_expired`` errors 2026-11-02 02:00–02:40 UTC (10 per
  10-minute bucket) after a quiet baseline of 1 validation error per hour; 3 calls with a
  client_credentials token on POST /v3/product/import (403, retried 4×, insufficient permission);
  60 successes.
- ozon shop ``OZ2``: 320 successful calls inside the minute 03:00 (over the 300/min quota).
- tiktok shop ``TT1``: 6 rate-limited 429s retried 5× (retryable: no retry waste),
  4 ``catalog.category_invalid`` with retry 3 (waste), 5 ``unknown`` of one template,
  2 ``unknown`` of another; no success rows (so no success share).
- qimen shop ``青岛仓``: 3 ``config.base_setup_missing`` (Chinese), 2 successes.
- batch ``b1`` holds everything except the 2 newest ``unknown`` events of template
  ``brand new <*>`` in batch ``b2``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from opsrca.classify.taxonomy import load_taxonomy

T0 = datetime(2026, 11, 2, 0, 0, 0)


def _ev(
    event_id: str,
    *,
    platform: str,
    shop: str,
    at: datetime,
    is_error: bool,
    endpoint: str = "/v3/product/import",
    status: int = 200,
    code: str = "0",
    message: str = "success",
    retry: int = 0,
    method: str = "POST",
    token_type: str | None = None,
    remaining: int | None = None,
    batch: str = "b1",
    payload: Any = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "platform": platform,
        "source_format": {"ozon": "ozon_jsonl", "tiktok": "tiktok_csv", "qimen": "qimen_log"}[
            platform
        ],
        "shop_id": shop,
        "api_endpoint": endpoint,
        "http_method": method,
        "http_status": status,
        "error_code": code,
        "message": message,
        "is_error": is_error,
        "occurred_at": at,
        "retry_count": retry,
        "token_type": token_type,
        "rate_limit_remaining": remaining,
        "payload": json.dumps(payload, ensure_ascii=False) if payload is not None else None,
        "source_file": f"{platform}.log",
        "source_line": 1,
        "batch_id": batch,
    }


def build_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(events, classifications) with the facts listed in the module docstring."""
    rows: list[dict[str, Any]] = []
    labels: list[tuple[str, str, str]] = []  # event_id, root_cause, template

    def err(eid: str, cause: str, template: str, **kw: Any) -> None:
        rows.append(_ev(eid, is_error=True, **kw))
        labels.append((eid, cause, template))

    # OZ1 baseline: one validation error per hour, 00:05 .. 01:05 and 03:05.. 05:05
    for h in (0, 1, 3, 4, 5):
        err(
            f"oz1-val-{h}",
            "validation.invalid_value",
            "price must be a number <*>",
            platform="ozon",
            shop="OZ1",
            at=T0 + timedelta(hours=h, minutes=5),
            status=400,
            code="3",
            message=f"price must be a number: {h}",
            token_type="bearer",
        )
    for i in range(40):  # the token-expiry burst
        err(
            f"oz1-tok-{i:02d}",
            "auth.token_expired",
            "access token expired",
            platform="ozon",
            shop="OZ1",
            at=T0 + timedelta(hours=2, seconds=60 * i),
            status=401,
            code="16",
            message="access token expired",
            token_type="bearer",
            endpoint="/v2/product/list",
            payload={"request": {"n": i}, "response": {"code": 16}},
        )
    for i in range(3):
        err(
            f"oz1-cc-{i}",
            "auth.insufficient_permission",
            "Insufficient scope",
            platform="ozon",
            shop="OZ1",
            at=T0 + timedelta(hours=1, minutes=30 + i),
            status=403,
            code="7",
            message="Insufficient scope",
            retry=4,
            token_type="client_credentials",
            payload={
                "request": {"items": [{"offer_id": "SKU-1"}]},
                "response": {"code": 7, "message": "Insufficient scope"},
            },
        )
    for i in range(60):
        rows.append(
            _ev(
                f"oz1-ok-{i}",
                platform="ozon",
                shop="OZ1",
                is_error=False,
                at=T0 + timedelta(minutes=5 * i),
                token_type="bearer",
                endpoint="/v2/product/list",
            )
        )
    for i in range(320):
        rows.append(
            _ev(
                f"oz2-ok-{i}",
                platform="ozon",
                shop="OZ2",
                is_error=False,
                at=T0 + timedelta(hours=3, seconds=i * 0.18),
                token_type="bearer",
                remaining=max(0, 300 - i),
            )
        )
    for i in range(6):
        err(
            f"tt1-429-{i}",
            "access.rate_limited",
            "Too many requests",
            platform="tiktok",
            shop="TT1",
            at=T0 + timedelta(hours=1, minutes=i),
            endpoint="/api/products/stocks",
            status=429,
            code="36009004",
            message="Too many requests",
            retry=5,
            remaining=0,
        )
    for i in range(4):
        err(
            f"tt1-cat-{i}",
            "catalog.category_invalid",
            "category_id <NUM> not found in current region",
            platform="tiktok",
            shop="TT1",
            at=T0 + timedelta(hours=1, minutes=20 + i),
            endpoint="/api/products",
            status=400,
            code="12052048",
            message=f"category_id 60{i} not found in current region",
            retry=3,
        )
    for i in range(5):
        err(
            f"tt1-unk-{i}",
            "unknown",
            "weird gateway hiccup <NUM>",
            platform="tiktok",
            shop="TT1",
            at=T0 + timedelta(hours=4, minutes=i),
            endpoint="/api/orders/search",
            status=400,
            code="99",
            message=f"weird gateway hiccup {i}",
        )
    for i in range(2):
        err(
            f"tt1-unk2-{i}",
            "unknown",
            "rare oddity",
            platform="tiktok",
            shop="TT1",
            at=T0 + timedelta(hours=4, minutes=30 + i),
            endpoint="/api/orders/search",
            status=400,
            code="98",
            message="rare oddity",
        )
    for i in range(2):
        err(
            f"tt1-new-{i}",
            "unknown",
            "brand new <*>",
            platform="tiktok",
            shop="TT1",
            at=T0 + timedelta(hours=5, minutes=i),
            endpoint="/api/orders/search",
            status=400,
            code="97",
            message=f"brand new thing {i}",
            batch="b2",
        )
    for i in range(3):
        err(
            f"qm-cfg-{i}",
            "config.base_setup_missing",
            "仓库代码<*>不存在",
            platform="qimen",
            shop="青岛仓",
            at=T0 + timedelta(hours=2, minutes=i),
            endpoint="taobao.qimen.singleitem.synchronize",
            status=None,
            code="WMS_001",
            message=f"仓库代码OTHER{i}不存在",
            method=None,
        )
    for i in range(2):
        rows.append(
            _ev(
                f"qm-ok-{i}",
                platform="qimen",
                shop="青岛仓",
                is_error=False,
                at=T0 + timedelta(hours=2, minutes=10 + i),
                status=None,
                method=None,
                endpoint="taobao.qimen.singleitem.synchronize",
            )
        )
    events = pl.DataFrame(rows, infer_schema_length=None)
    lab = pl.DataFrame(labels, schema=["event_id", "root_cause", "template"], orient="row")
    tax = load_taxonomy().select("id", "retryable", "fix_zh", "fix_en")
    cls = lab.join(tax, left_on="root_cause", right_on="id", how="left").with_columns(
        confidence=pl.when(pl.col("root_cause") == "unknown").then(0.2).otherwise(0.95),
        method=pl.when(pl.col("root_cause") == "unknown")
        .then(pl.lit("none"))
        .otherwise(pl.lit("rule")),
        rule_id=pl.lit("test-rule"),
        evidence=pl.lit("matched in test"),
        model_version=pl.lit("test"),
        classified_at=pl.lit(datetime(2026, 11, 3)),
    )
    return events, cls
