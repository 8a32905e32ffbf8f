"""The seeded world of the realistic profile: shops, message ranks, a month of traffic, incidents.

A ``World`` is drawn once per seed from ``generator_realistic.toml`` and the template
catalog; rows are then drawn chunk by chunk against it (``draw_rows``), so memory stays
bounded however many rows are written. Times follow a month of Shanghai business hours
with a weekly rhythm and the 11.11 peak; shops and messages follow Zipf laws.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from opsrca.errors import ConfigError
from opsrca.generate.catalog import LABELS, TEMPLATE_SCHEMA, Catalog, load_catalog
from opsrca.generate.plan import HOUR, HOUR_WEIGHTS, RETRYABLE
from opsrca.generate.shapes import draw, zipf_cdf
from opsrca.paths import data_file

SHANGHAI_TZ = timezone(timedelta(hours=8))
MONTH_START = int(datetime(2026, 11, 1, tzinfo=SHANGHAI_TZ).timestamp())  # a Sunday
DAYS = 30
# Day-of-month factors on top of the weekly rhythm: the 11.11 shopping festival and Black Friday.
PEAK_DAYS: dict[int, float] = {9: 1.3, 10: 1.8, 11: 3.0, 12: 1.5, 27: 1.6, 30: 1.3}
INCIDENTS_PER_SOURCE = 25
BURST_LABELS: dict[str, tuple[str, ...]] = {
    "tiktok": ("auth.token_expired", "access.rate_limited", "platform.server_error", "auth.authorization_revoked"),
    "qimen": ("integration.route_unreachable", "auth.token_expired", "config.base_setup_missing", "erp.internal_error"),
    "ozon": ("access.rate_limited", "auth.token_expired", "platform.server_error"),
    "taobao": ("risk.face_verification", "access.rate_limited", "auth.token_expired"),
}  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """The realistic profile as read from ``generator_realistic.toml``."""

    mix: dict[str, float]
    shops: dict[str, int]
    success_share: dict[str, float]
    zipf_shops: float
    zipf_messages: float
    names: dict[str, list[str]]
    decorations: dict[str, list[tuple[str, float]]]
    ozon_ru: list[dict[str, Any]]


@lru_cache(maxsize=2)
def load_profile(path: Path | None = None) -> Profile:
    """Read and check the realistic profile (cached: read-only data)."""
    source = path or data_file("generator_realistic.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read realistic profile {source}: {exc}") from exc
    bad = [g.get("label") for g in raw.get("ozon_ru", []) if g.get("label") not in LABELS]
    if bad:
        raise ConfigError(f"{source}: ozon_ru labels {bad!r} are not taxonomy ids")
    decorations = {
        k: [(str(text), float(w)) for text, w in v] for k, v in raw["decorations"].items()
    }
    if any("{msg}" not in text for v in decorations.values() for text, _ in v):
        raise ConfigError(f"{source}: every decoration must contain {{msg}}")
    return Profile(
        mix={k: float(v) for k, v in raw["mix"].items()},
        shops={k: int(v) for k, v in raw["shops"].items()},
        success_share={k: float(v) for k, v in raw["success_share"].items()},
        zipf_shops=float(raw["zipf"]["shops"]),
        zipf_messages=float(raw["zipf"]["messages"]),
        names={k: [str(x) for x in v] for k, v in raw["names"].items()},
        decorations=decorations,
        ozon_ru=list(raw.get("ozon_ru", [])),
    )


@dataclass(frozen=True)
class Incident:
    """A burst: inside ``[start, end)`` a share of one platform's rows become one shop's one failure."""

    start: int
    end: int
    shop: int
    tid: int
    share: float


@dataclass(frozen=True)
class World:
    """Everything rows are drawn against; one per (seed, profile)."""

    profile: Profile
    catalog: Catalog
    templates: pl.DataFrame  # catalog templates + the profile's extras, ``tid`` = row index
    shops: dict[str, pl.DataFrame]  # per platform: shop_id, shop_name, region
    shop_rank: dict[str, np.ndarray]  # Zipf rank -> shop index
    msg_rank: dict[str, np.ndarray]  # Zipf rank -> tid
    hour_start: np.ndarray  # epoch seconds of each hour of the month
    hour_cdf: np.ndarray
    incidents: dict[str, list[Incident]]
    retryable: np.ndarray  # per tid: the label is worth retrying

    @property
    def span(self) -> tuple[int, int]:
        return MONTH_START, MONTH_START + DAYS * 86_400


@dataclass
class Rows:
    """One chunk of rows of one platform, in time order: epoch seconds, shop, tid (-1 success), retries."""

    t: np.ndarray
    shop: np.ndarray
    tid: np.ndarray
    retry: np.ndarray


def _templates(catalog: Catalog, profile: Profile) -> pl.DataFrame:
    base = catalog.templates
    extra = [
        {
            "label": g["label"],
            "platform": "ozon",
            "text": text,
            "http_status": g.get("http_status"),
            "error_code": str(g["error_code"]) if "error_code" in g else None,
            "sub_code": None,
            "rate_limit_remaining": None,
            "weight": 1.0 / len(g["texts"]),
        }
        for g in profile.ozon_ru
        for text in g["texts"]
    ]
    frame = pl.DataFrame(extra, schema={k: v for k, v in TEMPLATE_SCHEMA.items() if k != "tid"})
    frame = frame.with_columns(
        pl.int_range(base.height, base.height + frame.height, dtype=pl.Int32).alias("tid")
    ).select(list(TEMPLATE_SCHEMA))
    return pl.concat([base, frame])


def _unique(rng: np.random.Generator, n: int, make: Any) -> list[str]:
    """``n`` distinct names from ``make(rng)`` (a loop over shops, never over rows)."""
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(make(rng), None)
    return list(seen)


def _shops(rng: np.random.Generator, profile: Profile) -> dict[str, pl.DataFrame]:
    nm = profile.names

    def pick(key: str) -> str:
        values = nm[key]
        return values[int(rng.integers(0, len(values)))]

    def zh_shop(r: np.random.Generator) -> str:
        return pick("cities") + pick("categories") + pick("kinds")

    def tiktok(r: np.random.Generator) -> str:
        brand = (pick("brand_parts") + pick("brand_parts")).capitalize()
        return f"{brand} {pick('lines')} {pick('markets')}"

    def taobao(r: np.random.Generator) -> str:
        if r.random() < 0.5:
            return pick("cities") + pick("categories") + pick("kinds")
        return f"{pick('pinyin')}_{pick('pinyin')}{int(r.integers(1, 999))}"

    out: dict[str, pl.DataFrame] = {}
    names = _unique(rng, profile.shops["tiktok"], tiktok)
    ids = rng.choice(10**12, size=len(names), replace=False) + 7_494_000_000_000_000_000
    out["tiktok"] = pl.DataFrame(
        {
            "shop_id": pl.Series(ids, dtype=pl.Int64).cast(pl.String),
            "shop_name": names,
            "region": [n.rsplit(" ", 1)[1] for n in names],
        }
    )
    names = _unique(rng, profile.shops["qimen"], zh_shop)
    out["qimen"] = pl.DataFrame({"shop_id": names, "shop_name": names, "region": "CN"})
    ids = rng.choice(np.arange(100_000, 3_000_000), size=profile.shops["ozon"], replace=False)
    ozon = pl.Series(ids, dtype=pl.Int64).cast(pl.String)
    out["ozon"] = pl.DataFrame({"shop_id": ozon, "shop_name": ozon, "region": "RU"})
    names = _unique(rng, profile.shops["taobao"], taobao)
    out["taobao"] = pl.DataFrame({"shop_id": names, "shop_name": names, "region": "CN"})
    return out


def _hours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    hours = np.arange(DAYS * 24)
    day = hours // 24
    weekday = (day + 6) % 7  # day 0 is Sunday: Monday = 0
    factor = np.where(weekday >= 5, 0.75, 1.0) * rng.lognormal(0.0, 0.15, DAYS)[day]
    factor *= np.array([PEAK_DAYS.get(int(d) + 1, 1.0) for d in range(DAYS)])[day]
    w = HOUR_WEIGHTS[hours % 24] * factor
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return MONTH_START + hours * HOUR, cdf


def make_world(seed: int) -> World:
    """The world of one seed (cheap: thousands of draws, independent of the row count)."""
    profile = load_profile()
    catalog = load_catalog()
    rng = np.random.default_rng([seed, 1000])
    templates = _templates(catalog, profile)
    shops = _shops(rng, profile)
    hour_start, hour_cdf = _hours(rng)
    shop_rank, msg_rank, incidents = {}, {}, {}
    for platform, frame in shops.items():
        shop_rank[platform] = rng.permutation(frame.height)
        sub = templates.filter(pl.col("platform") == platform)
        # Common labels rank high, with noise: a few messages dominate, hundreds are rare.
        score = sub["weight"].to_numpy() * rng.lognormal(0.0, 0.8, sub.height)
        msg_rank[platform] = sub["tid"].to_numpy()[np.argsort(-score, kind="stable")]
        incidents[platform] = _incidents(
            rng, platform, templates, hour_start, hour_cdf, frame.height, profile
        )
    labels = templates["label"].to_numpy()
    return World(
        profile=profile,
        catalog=catalog,
        templates=templates,
        shops=shops,
        shop_rank=shop_rank,
        msg_rank=msg_rank,
        hour_start=hour_start,
        hour_cdf=hour_cdf,
        incidents=incidents,
        retryable=np.isin(labels, RETRYABLE),
    )


def _incidents(
    rng: np.random.Generator,
    platform: str,
    templates: pl.DataFrame,
    hour_start: np.ndarray,
    hour_cdf: np.ndarray,
    n_shops: int,
    profile: Profile,
) -> list[Incident]:
    out = []
    shop_cdf = zipf_cdf(n_shops, profile.zipf_shops)
    for _ in range(INCIDENTS_PER_SOURCE):
        label = BURST_LABELS[platform][int(rng.integers(0, len(BURST_LABELS[platform])))]
        tids = templates.filter((pl.col("platform") == platform) & (pl.col("label") == label))[
            "tid"
        ]
        start = int(hour_start[draw(rng, hour_cdf, 1)[0]] + rng.integers(0, HOUR))
        minutes = int(np.clip(rng.lognormal(3.5, 0.8), 5, 240))
        out.append(
            Incident(
                start=start,
                end=start + minutes * 60,
                shop=int(draw(rng, shop_cdf, 1)[0]),  # a rank: busy shops suffer more incidents
                tid=int(tids[int(rng.integers(0, tids.len()))]),
                share=float(rng.uniform(0.3, 0.8)),
            )
        )
    return out


def draw_rows(
    world: World,
    platform: str,
    rng: np.random.Generator,
    start: int,
    stop: int,
    total: int,
    *,
    descending: bool = False,
) -> Rows:
    """Rows ``start..stop`` of ``total`` for one platform, sorted by time across chunks.

    Stratified quantiles ``(i + U) / total`` mapped through the month's hourly
    distribution give times already in order: chunk k's rows all follow chunk k-1's.
    """
    n = stop - start
    u = (np.arange(start, stop) + rng.random(n)) / max(total, 1)
    if descending:
        u = 1.0 - u
    hour = np.minimum(np.searchsorted(world.hour_cdf, u, side="right"), len(world.hour_cdf) - 1)
    low = np.where(hour > 0, world.hour_cdf[np.maximum(hour - 1, 0)], 0.0)
    width = world.hour_cdf[hour] - low
    frac = np.clip((u - low) / np.where(width > 0, width, 1.0), 0.0, 0.999_999)
    t = world.hour_start[hour] + (frac * HOUR).astype(np.int64)
    profile = world.profile
    n_shops = world.shops[platform].height
    shop = world.shop_rank[platform][draw(rng, zipf_cdf(n_shops, profile.zipf_shops), n)]
    ranks = world.msg_rank[platform]
    tid = ranks[draw(rng, zipf_cdf(len(ranks), profile.zipf_messages), n)].astype(np.int64)
    tid[rng.random(n) < profile.success_share[platform]] = -1
    burst = np.zeros(n, dtype=bool)
    for inc in world.incidents[platform]:
        hit = (t >= inc.start) & (t < inc.end) & (rng.random(n) < inc.share)
        shop[hit] = world.shop_rank[platform][inc.shop]
        tid[hit] = inc.tid
        burst |= hit
    err = tid >= 0
    retryable = world.retryable[np.maximum(tid, 0)] & err
    retry = np.where(
        err,
        rng.poisson(0.7, n) + retryable * rng.poisson(1.8, n),
        (rng.random(n) < 0.05).astype(int),
    )
    retry = np.where(burst, rng.integers(3, 9, n), retry)
    return Rows(t=t, shop=shop, tid=tid, retry=np.minimum(retry, 8))
