"""TikTok and Qimen sources: vectorized CSV-shaped frames with incidents over a week.

Each builder returns the source's own columns (exactly as the brief's "Input
formats" section) plus private ``_label`` / ``_is_error`` / ``_key`` columns the
writers drop and the ground-truth sidecar keeps.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from opsrca.generate.catalog import Catalog
from opsrca.generate.fill import (
    BASE_EPOCH,
    choose,
    epoch_to_text,
    fill_templates,
    generators,
    ints,
)
from opsrca.generate.plan import (
    DAY,
    HOUR,
    SHANGHAI,
    Plan,
    base_plan,
    incident,
    js,
    rate_left,
    shop_ids,
    template_rows,
    xml_text,
)

TIKTOK_COLUMNS: tuple[str, ...] = (
    "error_id", "shop_id", "shop_name", "region_code", "api_endpoint", "http_status", "error_code",
    "error_message", "first_occurred_at", "retry_count", "x_ratelimit_remaining", "request_payload",
    "response_payload",
)  # fmt: skip
QIMEN_COLUMNS: tuple[str, ...] = (
    "同步时间", "接口名称", "店铺", "商品编码", "仓库编码", "同步状态", "错误码", "错误信息",
    "重试次数", "请求报文", "响应报文", "货主编码",
)  # fmt: skip
META_COLUMNS: tuple[str, ...] = ("_label", "_is_error", "_key")


# --------------------------------------------------------------------------- TikTok
def tiktok_plan(
    rng: np.random.Generator, n: int, catalog: Catalog, *, incidents: bool = True
) -> Plan:
    """Background plus a token-expiry outage of one shop and a rate-limit storm."""
    shops = len(catalog.shops["tiktok"])
    k1 = max(6, n // 25) if incidents else 0
    k2 = max(8, n // 20) if incidents else 0
    plan = base_plan(rng, n - k1 - k2, catalog, "tiktok", shops)
    if incidents:
        # Shop 1's access token expires at 02:00 UTC on day 3: every call fails for 40 minutes.
        plan = plan.extend(
            incident(
                rng,
                k1,
                catalog,
                "tiktok",
                "auth.token_expired",
                start=BASE_EPOCH + 2 * DAY + 2 * HOUR,
                minutes=40,
                shops=1,
                template_filter=pl.col("http_status") == 401,
            )
        )
        # A flash-sale sync storm: every shop hits the rate limit for 20 minutes.
        plan = plan.extend(
            incident(
                rng,
                k2,
                catalog,
                "tiktok",
                "access.rate_limited",
                start=BASE_EPOCH + 4 * DAY + 6 * HOUR,
                minutes=20,
                shops=np.arange(shops),
                retry=(1, 8),
            )
        )
    return plan.sorted()


def tiktok_frame(
    plan: Plan, rng: np.random.Generator, catalog: Catalog, *, offset: int = 0
) -> pl.DataFrame:
    """TikTok Shop ops-error export rows (columns TIKTOK_COLUMNS + meta)."""
    n = len(plan)
    g = generators(catalog)
    names = catalog.shops["tiktok"]
    shop_name = pl.Series(names).gather(plan.shop)
    region = pl.Series(catalog.shops["tiktok_region"]).gather(plan.shop)
    rows = template_rows(plan, catalog)
    sku = g["sku"](rng, n)
    message = fill_templates(
        rows["text"].fill_null("success"),
        rng,
        catalog,
        context={"shop": shop_name, "region": region, "sku": sku},
    )
    endpoint = choose(rng, n, catalog.endpoints["tiktok"])
    labels = rows["label"].fill_null("")
    for label, options in sorted(catalog.tiktok_endpoints_by_label.items()):
        idx = (labels == label).arg_true()
        if idx.len():
            endpoint = endpoint.scatter(idx, choose(rng, idx.len(), options))
    endpoint = endpoint.str.replace("{product_id}", g["item_id"](rng, n), literal=True)
    # Unique and increasing with the row (rows are in time order), also across chunks.
    row = np.arange(offset, offset + n, dtype=np.int64)
    error_id = pl.Series(
        7_301_234_500_000_000_000 + row * 1_000_000 + rng.integers(0, 1_000_000, n), dtype=pl.Int64
    ).cast(pl.String)
    local = rng.random(n) < 0.08
    local_t = epoch_to_text(plan.t + SHANGHAI, "%Y-%m-%dT%H:%M:%S+08:00")
    utc_t = epoch_to_text(plan.t, "%Y-%m-%dT%H:%M:%SZ")
    occurred = pl.select(pl.when(pl.Series(local)).then(local_t).otherwise(utc_t)).to_series()
    kind = rng.integers(0, 3, n)
    frame = rows.with_columns(
        error_id=error_id,
        shop_id=pl.Series(shop_ids("7495", len(names))).gather(plan.shop),
        shop_name=shop_name,
        region_code=region,
        api_endpoint=endpoint,
        error_message=message,
        first_occurred_at=occurred,
        retry_count=pl.Series(plan.retry, dtype=pl.Int32),
        x_ratelimit_remaining=rate_left(rng, rows, 1000),
        _sku=sku,
        _qty=ints(rng, n, 0, 500),
        _price=ints(rng, n, 1, 999),
        _order=g["order_id"](rng, n),
        _name=g["name"](rng, n),
        _phone=g["phone"](rng, n),
        _addr=g["addr"](rng, n),
        _email=g["email"](rng, n),
        _req=g["req_id"](rng, n),
        _kind=pl.Series(kind),
    )
    product = pl.concat_str(
        [
            pl.lit('{"seller_sku":"'),
            pl.col("_sku"),
            pl.lit('","quantity":'),
            pl.col("_qty"),
            pl.lit(',"price":{"amount":"'),
            pl.col("_price"),
            pl.lit('.99","currency":"USD"}}'),
        ]
    )
    order = pl.concat_str(
        [
            pl.lit('{"order_id":"'),
            pl.col("_order"),
            pl.lit('","recipient_address":{"name":"'),
            pl.col("_name"),
            pl.lit('","phone_number":"'),
            pl.col("_phone"),
            pl.lit('","full_address":"'),
            pl.col("_addr"),
            pl.lit('"},"buyer_email":"'),
            pl.col("_email"),
            pl.lit('"}'),
        ]
    )
    code = pl.when(pl.col("_is_error")).then(pl.col("error_code")).otherwise(pl.lit("0"))
    response = pl.concat_str(
        [
            pl.lit('{"code":'),
            code.str.replace(r"^[^0-9-].*$", "-1"),
            pl.lit(',"message":'),
            js(pl.col("error_message")),
            pl.lit(',"request_id":"'),
            pl.col("_req"),
            pl.lit('"}'),
        ]
    )
    return frame.select(
        "error_id", "shop_id", "shop_name", "region_code", "api_endpoint",
        pl.when(pl.col("_is_error")).then(pl.col("http_status")).otherwise(200).alias("http_status"),
        code.alias("error_code"),
        "error_message", "first_occurred_at", "retry_count", "x_ratelimit_remaining",
        pl.when(pl.col("_kind") == 0).then(product).when(pl.col("_kind") == 1).then(order).otherwise(None).alias("request_payload"),
        pl.when(pl.col("_is_error") & pl.col("http_status").is_null()).then(None).otherwise(response).alias("response_payload"),
        pl.col("label").fill_null("").alias("_label"),
        "_is_error",
        pl.col("error_id").alias("_key"),
    )  # fmt: skip


# --------------------------------------------------------------------------- Qimen
def qimen_plan(
    rng: np.random.Generator, n: int, catalog: Catalog, *, incidents: bool = True
) -> Plan:
    """Background plus a Qimen route outage and a repeat offender with a missing warehouse."""
    shops = len(catalog.shops["qimen"])
    k1 = max(6, n // 20) if incidents else 0
    k2 = max(5, n // 30) if incidents else 0
    plan = base_plan(rng, n - k1 - k2, catalog, "qimen", shops, tz_offset=SHANGHAI)
    if incidents:
        # 09:00-09:30 Shanghai on day 2: the ERP cannot reach Qimen for shop 0.
        plan = plan.extend(
            incident(
                rng,
                k1,
                catalog,
                "qimen",
                "integration.route_unreachable",
                start=BASE_EPOCH + DAY + 9 * HOUR - SHANGHAI,
                minutes=30,
                shops=0,
                retry=(2, 8),
            )
        )
        # Shop 3 never configured its warehouse: 仓库代码OTHER不存在 all week, retries climbing.
        rep = incident(
            rng,
            k2,
            catalog,
            "qimen",
            "config.base_setup_missing",
            start=BASE_EPOCH,
            minutes=7 * 24 * 60,
            shops=3,
            template_filter=pl.col("text") == "仓库代码OTHER不存在",
        )
        rep.retry = np.minimum(np.argsort(np.argsort(rep.t)) + 1, 8)
        plan = plan.extend(rep)
    return plan.sorted()


def qimen_frame(
    plan: Plan, rng: np.random.Generator, catalog: Catalog, *, offset: int = 0
) -> pl.DataFrame:
    """Qimen 同步日志 rows with Chinese headers (QIMEN_COLUMNS + meta)."""
    n = len(plan)
    g = generators(catalog)
    shop = pl.Series(catalog.shops["qimen"]).gather(plan.shop)
    rows = template_rows(plan, catalog)
    item_code = g["item_code"](rng, n)
    other = rows["text"].fill_null("") == "仓库代码OTHER不存在"
    wh = pl.Series(
        np.where(other.to_numpy(), "OTHER", choose(rng, n, catalog.pools["wh"][1:]).to_numpy())
    )
    message = fill_templates(
        rows["text"].fill_null(""), rng, catalog, context={"shop": shop, "item_code": item_code}
    )
    ok_text = pl.Series(np.where(rng.random(n) < 0.3, "同步成功", ""))
    frame = rows.with_columns(
        _t=epoch_to_text(plan.t + SHANGHAI, "%Y-%m-%d %H:%M:%S"),
        _api=choose(rng, n, catalog.endpoints["qimen"]),
        _shop=shop,
        _item=item_code,
        _wh=wh,
        _msg=message,
        _ok=ok_text,
        _retry=pl.Series(plan.retry, dtype=pl.Int32),
        _qty=ints(rng, n, 0, 300),
        _name=g["name"](rng, n),
        _phone=g["phone"](rng, n),
        _addr=g["addr"](rng, n),
        _idcard=g["idcard"](rng, n),
        _owner=pl.Series([f"OWNER{i + 1:02d}" for i in range(len(catalog.shops["qimen"]))]).gather(
            plan.shop
        ),
    )
    item_req = pl.concat_str(
        [
            pl.lit("<request><itemCode>"),
            pl.col("_item"),
            pl.lit("</itemCode><warehouseCode>"),
            pl.col("_wh"),
            pl.lit("</warehouseCode><quantity>"),
            pl.col("_qty"),
            pl.lit("</quantity></request>"),
        ]
    )
    order_req = pl.concat_str(
        [
            pl.lit("<request><deliveryOrder><warehouseCode>"),
            pl.col("_wh"),
            pl.lit("</warehouseCode><receiverInfo><name>"),
            pl.col("_name"),
            pl.lit("</name><mobile>"),
            pl.col("_phone"),
            pl.lit("</mobile><detailAddress>"),
            pl.col("_addr"),
            pl.lit("</detailAddress><idType>1</idType><idNumber>"),
            pl.col("_idcard"),
            pl.lit("</idNumber></receiverInfo></deliveryOrder></request>"),
        ]
    )
    err = pl.col("_is_error")
    response = pl.concat_str(
        [
            pl.lit("<response><flag>"),
            pl.when(err).then(pl.lit("failure")).otherwise(pl.lit("success")),
            pl.lit("</flag><code>"),
            pl.when(err).then(pl.col("error_code")).otherwise(pl.lit("0")),
            pl.lit("</code><message>"),
            xml_text(pl.when(err).then(pl.col("_msg")).otherwise(pl.lit("success"))),
            pl.lit("</message></response>"),
        ]
    )
    return frame.select(
        pl.col("_t").alias("同步时间"),
        pl.col("_api").alias("接口名称"),
        pl.col("_shop").alias("店铺"),
        pl.col("_item").alias("商品编码"),
        pl.col("_wh").alias("仓库编码"),
        pl.when(err).then(pl.lit("失败")).otherwise(pl.lit("成功")).alias("同步状态"),
        pl.when(err).then(pl.col("error_code")).otherwise(None).alias("错误码"),
        pl.when(err).then(pl.col("_msg")).when(pl.col("_ok") != "").then(pl.col("_ok")).otherwise(None).alias("错误信息"),
        pl.col("_retry").alias("重试次数"),
        pl.when(pl.col("_api") == "taobao.qimen.deliveryorder.create").then(order_req).otherwise(item_req).alias("请求报文"),
        response.alias("响应报文"),
        pl.col("_owner").alias("货主编码"),
        pl.col("label").fill_null("").alias("_label"),
        "_is_error",
        pl.lit("").alias("_key"),
    )  # fmt: skip
