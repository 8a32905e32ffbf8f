"""Rows of the realistic profile, per source, as the exports really look.

Each builder turns one chunk of ``Rows`` into the source's own columns (CSV) or one
JSON text ``line`` (JSON Lines), plus ``_label`` / ``_tid`` / ``_key`` columns the
writer keeps for the truth file. Optional CSV cells are empty *strings*, which Polars
writes as quoted ``""`` (as pandas/Polars exports do), and a few are whitespace only.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from opsrca.generate.fill import Gen, cat, choose, epoch_to_text, fill_templates, ints
from opsrca.generate.plan import SHANGHAI, js, xml_text
from opsrca.generate.shapes import alnum13, base64_tokens, hex_ids, order_numbers, sku_codes, uuids
from opsrca.generate.world import Rows, World


def _people(world: World) -> Gen:
    nm = world.profile.names
    surnames = pl.Series(nm["surnames"], dtype=pl.String)
    given = pl.Series(nm["given"], dtype=pl.String)

    def gen(rng: np.random.Generator, n: int) -> pl.Series:
        a = surnames.gather(rng.integers(0, surnames.len(), n))
        b = given.gather(rng.integers(0, given.len(), n))
        return a + b

    return gen


def shape_generators(world: World) -> dict[str, Gen]:
    """Placeholder generators of the realistic profile (override the catalog's comfortable ones)."""
    person = _people(world)

    def req_id(rng: np.random.Generator, n: int) -> pl.Series:
        kind = rng.integers(0, 3, n)
        h32, h16, uid = hex_ids(rng, n, 32), hex_ids(rng, n, 16), uuids(rng, n)
        return pl.select(
            pl.when(pl.Series(kind == 0))
            .then(h32)
            .when(pl.Series(kind == 1))
            .then(h16)
            .otherwise(uid)
        ).to_series()

    def name(rng: np.random.Generator, n: int) -> pl.Series:
        latin = choose(
            rng, n, ["Ivan Petrov", "Maria Santos", "John Smith", "Nguyen Van An", "Siti Aisyah"]
        )
        return pl.select(
            pl.when(pl.Series(rng.random(n) < 0.8)).then(person(rng, n)).otherwise(latin)
        ).to_series()

    return {
        "short_hex": lambda r, n: hex_ids(r, n, 16),
        "hex_id": lambda r, n: hex_ids(r, n, 32),
        "uuid": uuids,
        "short_id": alnum13,
        "token": lambda r, n: base64_tokens(r, n, int(r.integers(16, 48))),
        "order_no": order_numbers,
        "order_id": order_numbers,
        "sku": sku_codes,
        "req_id": req_id,
        "trace": lambda r, n: hex_ids(r, n, 32),
        "person": person,
        "name": name,
    }


def messages(
    world: World, platform: str, rows: Rows, shop_name: pl.Series, rng: np.random.Generator
) -> pl.Series:
    """Filled error messages (empty string on success rows), decorated like real middleware."""
    n = len(rows.t)
    err = rows.tid >= 0
    text = world.templates["text"].gather(np.maximum(rows.tid, 0))
    decos = world.profile.decorations[platform]
    w = np.array([d[1] for d in decos])
    deco = pl.Series([d[0] for d in decos], dtype=pl.String).gather(
        rng.choice(len(decos), n, p=w / w.sum())
    )
    composed = (
        pl.DataFrame({"d": deco, "t": text, "e": err})
        .select(
            pl.when(pl.col("e"))
            .then(pl.col("d").str.replace("{msg}", pl.col("t"), literal=True))
            .otherwise(pl.lit(""))
        )
        .to_series()
    )
    return fill_templates(
        composed, rng, world.catalog, context={"shop": shop_name}, extra=shape_generators(world)
    )


def either(mask: np.ndarray, yes: str, no: str) -> pl.Series:
    """``yes`` where ``mask`` else ``no`` (without a numpy string array per row)."""
    return pl.Series([no, yes], dtype=pl.String).gather(mask.astype(np.int8))


def _blank(
    rng: np.random.Generator, values: pl.Series, empty: float, space: float = 0.0
) -> pl.Series:
    """Some cells become ``""`` (written quoted) and some whitespace only."""
    u = pl.Series(rng.random(values.len()))
    return pl.select(
        pl.when(u < empty)
        .then(pl.lit(""))
        .when(u < empty + space)
        .then(pl.lit("  "))
        .otherwise(values)
    ).to_series()


def _meta(world: World, rows: Rows, key: pl.Series | None) -> dict[str, pl.Series]:
    err = rows.tid >= 0
    label = world.templates["label"].gather(np.maximum(rows.tid, 0))
    return {
        "_label": pl.select(pl.when(pl.Series(err)).then(label)).to_series(),
        "_tid": pl.Series(rows.tid, dtype=pl.Int32),
        "_key": key if key is not None else pl.Series([None] * len(rows.t), dtype=pl.String),
    }


def _template_col(world: World, rows: Rows, name: str) -> pl.Series:
    col = world.templates[name].gather(np.maximum(rows.tid, 0))
    return pl.select(pl.when(pl.Series(rows.tid >= 0)).then(col)).to_series()


# --------------------------------------------------------------------------- TikTok
def tiktok(world: World, rows: Rows, rng: np.random.Generator) -> pl.DataFrame:
    """TikTok Shop ops-error export rows (``sources.TIKTOK_COLUMNS`` + meta)."""
    n = len(rows.t)
    shops = world.shops["tiktok"][rows.shop]
    msg = messages(world, "tiktok", rows, shops["shop_name"], rng)
    endpoints = world.catalog.endpoints["tiktok"]
    endpoint = choose(rng, n, endpoints).str.replace(
        "{product_id}",
        ints(rng, n, 1_729_000_000_000_000_000, 1_731_999_999_999_999_999),
        literal=True,
    )
    status = _template_col(world, rows, "http_status").fill_null(200)
    code = _template_col(world, rows, "error_code").fill_null("0")
    error_id = hex_ids(rng, n, 32)
    local = rng.random(n) < 0.1
    occurred = pl.select(
        pl.when(pl.Series(local))
        .then(epoch_to_text(rows.t + SHANGHAI, "%Y-%m-%dT%H:%M:%S+08:00"))
        .otherwise(epoch_to_text(rows.t, "%Y-%m-%dT%H:%M:%SZ"))
    ).to_series()
    left = _template_col(world, rows, "rate_limit_remaining").cast(pl.String)
    left = pl.select(pl.coalesce(left, ints(rng, n, 0, 999))).to_series()
    req = (
        pl.DataFrame(
            {"s": sku_codes(rng, n), "q": ints(rng, n, 0, 500), "tok": base64_tokens(rng, n, 32)}
        )
        .select(
            pl.concat_str(
                [
                    pl.lit('{"seller_sku":"'),
                    "s",
                    pl.lit('","quantity":'),
                    "q",
                    pl.lit(',"page_token":"'),
                    "tok",
                    pl.lit('"}'),
                ]
            )
        )
        .to_series()
    )
    resp = (
        pl.DataFrame({"c": code, "m": msg, "r": hex_ids(rng, n, 32)})
        .select(
            pl.concat_str(
                [
                    pl.lit('{"code":'),
                    pl.col("c").str.replace(r"^[^0-9-].*$", "-1"),
                    pl.lit(',"message":'),
                    js(pl.col("m")),
                    pl.lit(',"request_id":"'),
                    "r",
                    pl.lit('"}'),
                ]
            )
        )
        .to_series()
    )
    frame = pl.DataFrame(
        {
            "error_id": error_id,
            "shop_id": shops["shop_id"],
            "shop_name": _blank(rng, shops["shop_name"], 0.03),
            "region_code": _blank(rng, shops["region"], 0.10, 0.01),
            "api_endpoint": endpoint,
            "http_status": status,
            "error_code": code,
            "error_message": msg,
            "first_occurred_at": occurred,
            "retry_count": pl.Series(rows.retry, dtype=pl.Int32),
            "x_ratelimit_remaining": _blank(rng, left, 0.30, 0.01),
            "request_payload": _blank(rng, req, 0.40),
            "response_payload": _blank(rng, resp, 0.08),
        }
    )
    return frame.with_columns(**_meta(world, rows, error_id))


# --------------------------------------------------------------------------- Qimen
def qimen(world: World, rows: Rows, rng: np.random.Generator) -> pl.DataFrame:
    """Qimen 同步日志 rows with Chinese headers (``sources.QIMEN_COLUMNS`` + meta)."""
    n = len(rows.t)
    shop = world.shops["qimen"]["shop_name"].gather(rows.shop)
    msg = messages(world, "qimen", rows, shop, rng)
    err = pl.Series(rows.tid >= 0)
    code = _template_col(world, rows, "error_code").fill_null("")
    item = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.6))
        .then(sku_codes(rng, n))
        .otherwise(ints(rng, n, 10**11, 10**12 - 1))
    ).to_series()
    wh = choose(rng, n, world.catalog.pools["wh"])
    ok = either(rng.random(n) < 0.4, "同步成功", "")
    request = (
        pl.DataFrame({"i": item, "w": wh, "q": ints(rng, n, 0, 300)})
        .select(
            pl.concat_str(
                [
                    pl.lit("<request><itemCode>"),
                    "i",
                    pl.lit("</itemCode><warehouseCode>"),
                    "w",
                    pl.lit("</warehouseCode><quantity>"),
                    "q",
                    pl.lit("</quantity></request>"),
                ]
            )
        )
        .to_series()
    )
    response = pl.DataFrame({"e": err, "c": code, "m": msg}).select(
        pl.concat_str([
            pl.lit("<response><flag>"), pl.when("e").then(pl.lit("failure")).otherwise(pl.lit("success")),
            pl.lit("</flag><code>"), pl.when("e").then("c").otherwise(pl.lit("0")),
            pl.lit("</code><message>"), xml_text(pl.when("e").then("m").otherwise(pl.lit("success"))), pl.lit("</message></response>"),
        ])
    ).to_series()  # fmt: skip
    frame = pl.DataFrame(
        {
            "同步时间": epoch_to_text(rows.t + SHANGHAI, "%Y-%m-%d %H:%M:%S"),
            "接口名称": choose(rng, n, world.catalog.endpoints["qimen"]),
            "店铺": shop,
            "商品编码": _blank(rng, item, 0.05),
            "仓库编码": _blank(rng, wh, 0.10, 0.01),
            "同步状态": either(rows.tid >= 0, "失败", "成功"),
            "错误码": code,
            "错误信息": pl.select(pl.when(err).then(msg).otherwise(ok)).to_series(),
            "重试次数": pl.Series(rows.retry, dtype=pl.Int32),
            "请求报文": _blank(rng, request, 0.25),
            "响应报文": _blank(rng, response, 0.05),
            "货主编码": _blank(
                rng,
                pl.Series([f"HZ{i:05d}" for i in range(world.shops["qimen"].height)]).gather(
                    rows.shop
                ),
                0.3,
                0.02,
            ),
        }
    )
    return frame.with_columns(**_meta(world, rows, None))


# --------------------------------------------------------------------------- Ozon
def ozon(world: World, rows: Rows, rng: np.random.Generator) -> pl.DataFrame:
    """Ozon Seller API log: one JSON text ``line`` per request (+ meta)."""
    n = len(rows.t)
    client = world.shops["ozon"]["shop_id"].gather(rows.shop)
    msg = messages(world, "ozon", rows, client, rng)
    write = rng.random(n) < 0.45
    path = pl.select(
        pl.when(pl.Series(write))
        .then(choose(rng, n, world.catalog.endpoints["ozon_write"]))
        .otherwise(choose(rng, n, world.catalog.endpoints["ozon_read"]))
    ).to_series()
    frame = pl.DataFrame(
        {
            "ts": cat(epoch_to_text(rows.t, "%Y-%m-%dT%H:%M:%S"), ".", ints(rng, n, 100, 999), "Z"),
            "client": client,
            "method": either(~write & (rng.random(n) < 0.2), "GET", "POST"),
            "path": path,
            "write": write,
            "err": rows.tid >= 0,
            "status": _template_col(world, rows, "http_status").fill_null(400),
            "code": _template_col(world, rows, "error_code").fill_null("3"),
            "msg": msg,
            "token": either(rng.random(n) < 0.1, "client_credentials", "bearer"),
            "left": pl.select(
                pl.coalesce(
                    _template_col(world, rows, "rate_limit_remaining").cast(pl.String),
                    ints(rng, n, 0, 299),
                )
            ).to_series(),
            "trace": hex_ids(rng, n, 16),
            "offer": sku_codes(rng, n),
            "price": ints(rng, n, 99, 99_999),
            "last_id": base64_tokens(rng, n, int(rng.integers(20, 40))),
            "task": ints(rng, n, 100_000_000, 9_999_999_999),
        }
    )
    headers = pl.concat_str(
        [
            pl.lit('{"X-RateLimit-Remaining":"'),
            "left",
            pl.lit('","X-O3-Trace-Id":"'),
            "trace",
            pl.lit('"}'),
        ]
    )
    request = (
        pl.when(pl.col("write"))
        .then(
            pl.concat_str(
                [
                    pl.lit('{"items":[{"offer_id":"'),
                    "offer",
                    pl.lit('","price":"'),
                    "price",
                    pl.lit('"}]}'),
                ]
            )
        )
        .otherwise(
            pl.concat_str(
                [
                    pl.lit('{"filter":{"visibility":"ALL"},"last_id":"'),
                    "last_id",
                    pl.lit('","limit":100}'),
                ]
            )
        )
    )
    error = pl.concat_str(
        [
            pl.lit('{"code":'),
            pl.col("code").str.replace(r"^[^0-9-].*$", "-1"),
            pl.lit(',"message":'),
            js(pl.col("msg")),
            pl.lit(',"details":[]}'),
        ]
    )
    ok = (
        pl.when(pl.col("write"))
        .then(pl.concat_str([pl.lit('{"result":{"task_id":'), "task", pl.lit("}}")]))
        .otherwise(
            pl.concat_str(
                [
                    pl.lit('{"result":{"items":[],"total":'),
                    "price",
                    pl.lit(',"last_id":"'),
                    "last_id",
                    pl.lit('"}}'),
                ]
            )
        )
    )
    line = pl.concat_str([
        pl.lit('{"ts":"'), "ts", pl.lit('","client_id":"'), "client", pl.lit('","method":"'), "method", pl.lit('","path":"'), "path",
        pl.lit('","status":'), pl.when("err").then(pl.col("status")).otherwise(200).cast(pl.String), pl.lit(',"token_type":"'), "token",
        pl.lit('","headers":'), headers, pl.lit(',"request":'), request, pl.lit(',"response":'), pl.when("err").then(error).otherwise(ok), pl.lit("}"),
    ])  # fmt: skip
    return frame.select(line.alias("line")).with_columns(**_meta(world, rows, None))


# --------------------------------------------------------------------------- Taobao
def taobao(world: World, rows: Rows, rng: np.random.Generator, *, offset: int = 0) -> pl.DataFrame:
    """Taobao distribution-publish gateway log: one JSON text ``line`` per call (+ meta)."""
    n = len(rows.t)
    nick = world.shops["taobao"]["shop_name"].gather(rows.shop)
    msg = messages(world, "taobao", rows, nick, rng)
    millis = rows.t * 1000 + rng.integers(0, 1000, n)
    # TOP trace ids: server ip (hex) + epoch millis + sequence + pid; unique because rows are in time order.
    servers = hex_ids(np.random.default_rng(0), 64, 8)
    seq = pl.Series(np.arange(offset, offset + n) % 10_000).cast(pl.String).str.zfill(4)
    trace = cat(
        servers.gather(rng.integers(0, 64, n)),
        pl.Series(millis).cast(pl.String),
        seq,
        "e",
        hex_ids(rng, n, 4),
    )
    has_trace = pl.Series(rng.random(n) < 0.92)
    trace = pl.select(pl.when(has_trace).then(trace).otherwise(pl.lit(""))).to_series()
    req = alnum13(rng, n)
    key = pl.select(
        pl.when(has_trace).then(trace).otherwise(req)
    ).to_series()  # ingest: trace_id, else request_id
    frame = pl.DataFrame(
        {
            "time": epoch_to_text(rows.t + SHANGHAI, "%Y-%m-%d %H:%M:%S"),
            "nick": nick,
            "api": choose(rng, n, world.catalog.endpoints["taobao"]),
            "err": rows.tid >= 0,
            "code": _template_col(world, rows, "error_code").fill_null("15"),
            "sub": _template_col(world, rows, "sub_code"),
            "msg": msg,
            "trace": trace,
            "req": req,
            "item": ints(rng, n, 600_000_000_000, 999_999_999_999),
            "cat": ints(rng, n, 50_000_000, 50_029_999),
            "src": ints(rng, n, 500_000_000_000, 999_999_999_999),
        }
    )
    sub = (
        pl.when(pl.col("sub").is_not_null())
        .then(pl.concat_str([pl.lit(',"sub_code":"'), "sub", pl.lit('"')]))
        .otherwise(pl.lit(""))
    )
    request = pl.concat_str(
        [
            pl.lit('{"market":"taobao","cat_id":'),
            "cat",
            pl.lit(',"source_item_info":{"item_id":"'),
            "src",
            pl.lit('","type":"1688","item_url":"https://detail.1688.com/offer/'),
            "src",
            pl.lit('.html"}}'),
        ]
    )
    error = pl.concat_str(
        [
            pl.lit('{"code":'),
            "code",
            pl.lit(',"message":'),
            js(pl.col("msg")),
            sub,
            pl.lit(',"trace_id":"'),
            "trace",
            pl.lit('","request_id":"'),
            "req",
            pl.lit('"}'),
        ]
    )
    ok = pl.concat_str(
        [
            pl.lit('{"code":0,"message":"ok","data":{"item_id":'),
            "item",
            pl.lit('},"trace_id":"'),
            "trace",
            pl.lit('","request_id":"'),
            "req",
            pl.lit('"}'),
        ]
    )
    line = pl.concat_str([
        pl.lit('{"time":"'), "time", pl.lit('","tb_seller_nick":'), js(pl.col("nick")), pl.lit(',"api":"'), "api",
        pl.lit('","request":'), request, pl.lit(',"response":'), pl.when("err").then(error).otherwise(ok), pl.lit("}"),
    ])  # fmt: skip
    return frame.select(line.alias("line")).with_columns(**_meta(world, rows, key))
