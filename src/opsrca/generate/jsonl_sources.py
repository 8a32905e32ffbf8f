"""Ozon and Taobao sources: one JSON text ``line`` per event, built with Polars string expressions."""

from __future__ import annotations

import numpy as np
import polars as pl

from opsrca.generate.catalog import Catalog
from opsrca.generate.fill import (
    BASE_EPOCH,
    cat,
    choose,
    digits,
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
    template_rows,
)

# --------------------------------------------------------------------------- Ozon
OZON_CC_CLIENT = 1  # index of the client that bound Ozon with a client_credentials token
OZON_NO_REFRESH_CLIENT = 2  # index of the client whose bearer token is never refreshed


def ozon_plan(
    rng: np.random.Generator, n: int, catalog: Catalog, *, incidents: bool = True
) -> Plan:
    """Background plus a rate-limit burst; token-type failures are applied in ``ozon_frame``."""
    clients = len(catalog.shops["ozon"])
    k = max(6, n // 25) if incidents else 0
    plan = base_plan(rng, n - k, catalog, "ozon", clients)
    if incidents:
        plan = plan.extend(
            incident(
                rng,
                k,
                catalog,
                "ozon",
                "access.rate_limited",
                start=BASE_EPOCH + 3 * DAY + 3 * HOUR,
                minutes=15,
                shops=0,
                retry=(1, 6),
            )
        )
    return plan.sorted()


def ozon_frame(
    plan: Plan, rng: np.random.Generator, catalog: Catalog, *, offset: int = 0
) -> pl.DataFrame:
    """Ozon Seller API log: one JSON text ``line`` per event (+ meta)."""
    n = len(plan)
    g = generators(catalog)
    write = rng.random(n) < 0.55
    cc = plan.shop == OZON_CC_CLIENT
    # A client_credentials token cannot write: every write of that client is 403 Insufficient scope.
    scope = catalog.for_platform("ozon", "auth.insufficient_permission").filter(
        pl.col("text").str.starts_with("Insufficient scope")
    )
    tid = plan.tid.copy()
    cc_write = cc & write
    tid[cc_write] = rng.choice(scope["tid"].to_numpy(), size=int(cc_write.sum()))
    # No auto-refresh: the 1-hour bearer token is dead for the first minutes of every hour.
    minute = (plan.t % HOUR) // 60
    stale = (plan.shop == OZON_NO_REFRESH_CLIENT) & (minute < 6)
    expired = catalog.for_platform("ozon", "auth.token_expired")
    tid[stale] = rng.choice(expired["tid"].to_numpy(), size=int(stale.sum()))
    plan = Plan(plan.t, plan.shop, tid, plan.retry)
    rows = template_rows(plan, catalog)
    message = fill_templates(rows["text"].fill_null(""), rng, catalog)
    path = np.where(
        write,
        choose(rng, n, catalog.endpoints["ozon_write"]).to_numpy(),
        choose(rng, n, catalog.endpoints["ozon_read"]).to_numpy(),
    )
    millis = pl.Series(rng.integers(0, 1000, n)).cast(pl.String).str.zfill(3)
    frame = rows.with_columns(
        _ts=cat(epoch_to_text(plan.t, "%Y-%m-%dT%H:%M:%S"), ".", millis, "Z"),
        _client=pl.Series(catalog.shops["ozon"]).gather(plan.shop),
        _method=pl.Series(np.where(~write & (rng.random(n) < 0.2), "GET", "POST")),
        _path=pl.Series(path, dtype=pl.String),
        _write=pl.Series(write),
        _token=pl.Series(np.where(cc, "client_credentials", "bearer")),
        _left=rate_left(rng, rows, 300).cast(pl.String),
        _msg=message,
        _offer=g["offer"](rng, n),
        _price=ints(rng, n, 99, 99_999),
        _stock=ints(rng, n, 0, 500),
        _posting=cat(digits(rng, n, 8), "-", digits(rng, n, 4), "-1"),
        _name=g["name"](rng, n),
        _phone=cat(
            "+7 9",
            digits(rng, n, 2),
            " ",
            digits(rng, n, 3),
            "-",
            digits(rng, n, 2),
            "-",
            digits(rng, n, 2),
        ),
        _task=ints(rng, n, 100_000_000, 999_999_999),
    )
    err = pl.col("_is_error")
    status = pl.when(err).then(pl.col("http_status").fill_null(400)).otherwise(200).cast(pl.String)
    headers = (
        pl.when(pl.col("_left").is_null())
        .then(pl.lit("{}"))
        .otherwise(
            pl.concat_str([pl.lit('{"X-RateLimit-Remaining":"'), pl.col("_left"), pl.lit('"}')])
        )
    )
    ship = pl.concat_str(
        [
            pl.lit('{"posting_number":"'),
            pl.col("_posting"),
            pl.lit('","addressee":{"name":"'),
            pl.col("_name"),
            pl.lit('","phone":"'),
            pl.col("_phone"),
            pl.lit('"}}'),
        ]
    )
    item = pl.concat_str(
        [
            pl.lit('{"items":[{"offer_id":"'),
            pl.col("_offer"),
            pl.lit('","price":"'),
            pl.col("_price"),
            pl.lit('","stock":'),
            pl.col("_stock"),
            pl.lit("}]}"),
        ]
    )
    read = pl.lit('{"filter":{"visibility":"ALL"},"last_id":"","limit":100}')
    request = (
        pl.when(~pl.col("_write"))
        .then(read)
        .when(pl.col("_path") == "/v3/posting/fbs/ship")
        .then(ship)
        .otherwise(item)
    )
    error_body = pl.concat_str(
        [
            pl.lit('{"code":'),
            pl.col("error_code").str.replace(r"^[^0-9-].*$", "-1"),
            pl.lit(',"message":'),
            js(pl.col("_msg")),
            pl.lit(',"details":[]}'),
        ]
    )
    ok_body = (
        pl.when(pl.col("_write"))
        .then(pl.concat_str([pl.lit('{"result":{"task_id":'), pl.col("_task"), pl.lit("}}")]))
        .otherwise(
            pl.concat_str(
                [
                    pl.lit('{"result":{"items":[],"total":'),
                    pl.col("_stock"),
                    pl.lit(',"last_id":""}}'),
                ]
            )
        )
    )
    line = pl.concat_str([
        pl.lit('{"ts":"'), pl.col("_ts"), pl.lit('","client_id":"'), pl.col("_client"), pl.lit('","method":"'), pl.col("_method"),
        pl.lit('","path":"'), pl.col("_path"), pl.lit('","status":'), status, pl.lit(',"token_type":"'), pl.col("_token"),
        pl.lit('","headers":'), headers, pl.lit(',"request":'), request, pl.lit(',"response":'),
        pl.when(err).then(error_body).otherwise(ok_body), pl.lit("}"),
    ])  # fmt: skip
    return frame.select(
        line.alias("line"),
        pl.col("label").fill_null("").alias("_label"),
        "_is_error",
        pl.lit("").alias("_key"),
    )


# --------------------------------------------------------------------------- Taobao
TAOBAO_FACE_SHOP = 1  # index of the seller whose account hits face verification
FACE_DAILY_LIMIT = 50


def taobao_plan(
    rng: np.random.Generator, n: int, catalog: Catalog, *, incidents: bool = True
) -> Plan:
    """Background plus a face-verification lock of one seller from day 2 10:00 to day 3 09:30."""
    sellers = len(catalog.shops["taobao"])
    k = max(10, n // 12) if incidents else 0
    plan = base_plan(rng, n - k, catalog, "taobao", sellers, tz_offset=SHANGHAI)
    if incidents:
        start = BASE_EPOCH + DAY + 10 * HOUR - SHANGHAI
        end = BASE_EPOCH + 2 * DAY + 9 * HOUR + 30 * 60 - SHANGHAI
        plan = plan.extend(
            incident(
                rng,
                k,
                catalog,
                "taobao",
                "risk.face_verification",
                start=start,
                minutes=(end - start) // 60,
                shops=TAOBAO_FACE_SHOP,
                retry=(0, 3),
            )
        )
        # Inside the lock every call of that seller answers 491, and 492 once the day's attempts are used up.
        plan = plan.sorted()
        locked = (plan.shop == TAOBAO_FACE_SHOP) & (plan.t >= start) & (plan.t < end)
        day = (plan.t + SHANGHAI - BASE_EPOCH) // DAY
        tids_491 = (
            catalog.for_platform("taobao", "risk.face_verification")
            .filter(pl.col("error_code") == "491")["tid"]
            .to_numpy()
        )
        tids_492 = (
            catalog.for_platform("taobao", "risk.face_verification")
            .filter(pl.col("error_code") == "492")["tid"]
            .to_numpy()
        )
        tid = plan.tid.copy()
        for d in np.unique(day[locked]):
            idx = np.flatnonzero(locked & (day == d))
            limit = min(FACE_DAILY_LIMIT, max(3, len(idx) // 2))
            tid[idx[:limit]] = rng.choice(tids_491, size=min(limit, len(idx)))
            tid[idx[limit:]] = rng.choice(tids_492, size=max(0, len(idx) - limit))
        plan = Plan(plan.t, plan.shop, tid, plan.retry)
    return plan.sorted()


def taobao_frame(
    plan: Plan, rng: np.random.Generator, catalog: Catalog, *, offset: int = 0
) -> pl.DataFrame:
    """Taobao distribution-publish gateway log: one JSON text ``line`` per event (+ meta)."""
    n = len(plan)
    g = generators(catalog)
    nick = pl.Series(catalog.shops["taobao"]).gather(plan.shop)
    rows = template_rows(plan, catalog)
    message = fill_templates(rows["text"].fill_null(""), rng, catalog, context={"shop": nick})
    src = rows["label"].fill_null("") == "policy.distribution_source"
    upstream = choose(rng, n, ["1688", "pinduoduo", "douyin", "other"])
    up_type = pl.Series(
        np.where(
            src.to_numpy(), choose(rng, n, ["taobao", "tmall"]).to_numpy(), upstream.to_numpy()
        )
    )
    up_id = g["item_id"](rng, n)
    url = pl.DataFrame({"t": up_type, "i": up_id}).select(
        pl.when(pl.col("t").is_in(["taobao", "tmall"])).then(pl.concat_str([pl.lit("https://item.taobao.com/item.htm?id="), pl.col("i")]))
        .when(pl.col("t") == "1688").then(pl.concat_str([pl.lit("https://detail.1688.com/offer/"), pl.col("i"), pl.lit(".html")]))
        .when(pl.col("t") == "pinduoduo").then(pl.concat_str([pl.lit("https://mobile.yangkeduo.com/goods.html?goods_id="), pl.col("i")]))
        .otherwise(pl.concat_str([pl.lit("https://haohuo.jinritemai.com/views/product/item2?id="), pl.col("i")]))
    ).to_series()  # fmt: skip
    low = rng.integers(500, 50_000, n)
    trace = cat(
        "2150",
        pl.Series(plan.t).cast(pl.String),
        pl.Series(np.arange(offset, offset + n)).cast(pl.String).str.zfill(8),
        g["trace"](rng, n).str.slice(0, 6),
    )
    frame = rows.with_columns(
        _time=epoch_to_text(plan.t + SHANGHAI, "%Y-%m-%d %H:%M:%S"),
        _nick=nick,
        _api=choose(rng, n, catalog.endpoints["taobao"]),
        _market=choose(rng, n, ["taobao", "taobao", "tmall", "litetao"]),
        _cat=g["cat_id"](rng, n),
        _type=up_type,
        _up_id=up_id,
        _url=url,
        _low=pl.Series(low).cast(pl.String),
        _high=pl.Series(low + rng.integers(0, 20_000, n)).cast(pl.String),
        _msg=message,
        _trace=pl.Series(np.where(rng.random(n) < 0.4, trace.to_numpy(), ""))
        if n
        else pl.Series([], dtype=pl.String),
        _item=g["item_id"](rng, n),
    )
    err = pl.col("_is_error")
    request = pl.concat_str([
        pl.lit('{"market":"'), pl.col("_market"), pl.lit('","cat_id":'), pl.col("_cat"),
        pl.lit(',"source_item_info":{"item_id":"'), pl.col("_up_id"), pl.lit('","type":"'), pl.col("_type"),
        pl.lit('","item_url":"'), pl.col("_url"), pl.lit('","item_lowest_price":'), pl.col("_low"),
        pl.lit(',"item_highest_price":'), pl.col("_high"), pl.lit("}}"),
    ])  # fmt: skip
    sub = (
        pl.when(pl.col("sub_code").is_not_null())
        .then(pl.concat_str([pl.lit(',"sub_code":"'), pl.col("sub_code"), pl.lit('"')]))
        .otherwise(pl.lit(""))
    )
    error_body = pl.concat_str(
        [
            pl.lit('{"code":'),
            pl.col("error_code"),
            pl.lit(',"message":'),
            js(pl.col("_msg")),
            sub,
            pl.lit(',"trace_id":"'),
            pl.col("_trace"),
            pl.lit('"}'),
        ]
    )
    ok_body = pl.concat_str(
        [
            pl.lit('{"code":0,"message":"ok","data":"{\\"create_time\\":\\"'),
            pl.col("_time"),
            pl.lit('\\",\\"item_id\\":'),
            pl.col("_item"),
            pl.lit(',\\"market\\":\\"'),
            pl.col("_market"),
            pl.lit('\\"}","trace_id":"'),
            pl.col("_trace"),
            pl.lit('"}'),
        ]
    )
    line = pl.concat_str([
        pl.lit('{"time":"'), pl.col("_time"), pl.lit('","tb_seller_nick":"'), pl.col("_nick"), pl.lit('","api":"'), pl.col("_api"),
        pl.lit('","request":'), request, pl.lit(',"response":'), pl.when(err).then(error_body).otherwise(ok_body), pl.lit("}"),
    ])  # fmt: skip
    return frame.select(
        line.alias("line"),
        pl.col("label").fill_null("").alias("_label"),
        "_is_error",
        pl.col("_trace").alias("_key"),
    )
