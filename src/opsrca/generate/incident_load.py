"""Seeded event frames shaped like a month of integration logs, with planted bursts.

For the incidents tests and benchmark: many shops of very unequal activity (log-normal),
a day-time rhythm, root causes of unequal frequency, some shops that log their successes
and some that log only failures, a few hours with no log at all (gaps), and bursts planted
on bucket boundaries whose truth is returned beside the frames. Frames go straight into
``events`` and ``classifications`` (``store.append``): no files, no classifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from opsrca.generate.plan import HOUR_WEIGHTS

START = datetime(2026, 11, 1)
PLATFORMS = ("tiktok", "ozon", "qimen", "taobao")
CAUSES = (
    "auth.token_expired",
    "validation.invalid_value",
    "catalog.category_invalid",
    "access.rate_limited",
    "platform.server_error",
    "stock.insufficient",
    "config.base_setup_missing",
    "unknown",
)
_US_PER_MINUTE = 60_000_000
_US_PER_DAY = 1440 * _US_PER_MINUTE
_US_PER_HOUR = 60 * _US_PER_MINUTE


@dataclass(frozen=True)
class IncidentLoad:
    """Events, their classifications and the planted bursts (one row each, bucket-aligned)."""

    events: pl.DataFrame
    classifications: pl.DataFrame
    bursts: pl.DataFrame  # platform, shop_id, root_cause, start, end, errors


def make_incident_load(
    rows: int,
    *,
    shops: int = 1000,
    days: int = 30,
    bursts: int = 10,
    logging_shops: float = 0.5,
    error_share: float = 0.2,
    gaps: int = 3,
    burst_per_bucket: tuple[int, int] = (20, 40),
    burst_buckets: tuple[int, int] = (2, 6),
    bucket_minutes: int = 10,
    seed: int = 7,
) -> IncidentLoad:
    """About ``rows`` background events over ``days`` from ``START`` plus planted bursts.

    A ``logging_shops`` share of shops logs successes too (each of their events fails with
    probability ``error_share``); the other shops log failures only. The background events
    that fall into ``gaps`` six-hour stretches are dropped (the log was down). A burst puts ``burst_per_bucket`` errors of one
    cause of one shop into each of ``burst_buckets`` consecutive buckets.
    """
    if rows < 0 or shops <= 0 or days <= 0 or bursts < 0 or not 0 <= logging_shops <= 1:
        raise ValueError(
            f"rows, bursts >= 0, shops, days > 0 and 0 <= logging_shops <= 1, got "
            f"{rows!r}, {bursts!r}, {shops!r}, {days!r}, {logging_shops!r}"
        )
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.2, shops)
    platform = rng.integers(0, len(PLATFORMS), shops)
    logs_success = rng.random(shops) < logging_shops
    cause_p = 1.0 / np.arange(1, len(CAUSES) + 1)

    shop = rng.choice(shops, size=rows, p=activity / activity.sum())
    t = _times(rng, rows, days)
    is_error = ~logs_success[shop] | (rng.random(rows) < error_share)
    cause = rng.choice(len(CAUSES), size=rows, p=cause_p / cause_p.sum())
    kept = np.ones(rows, bool)
    for g in rng.integers(0, days * 4, gaps):  # six-hour stretches without a log
        kept &= (t < g * 6 * _US_PER_HOUR) | (t >= (g + 1) * 6 * _US_PER_HOUR)
    shop, t, is_error, cause = shop[kept], t[kept], is_error[kept], cause[kept]

    step = bucket_minutes * _US_PER_MINUTE
    b_shop = rng.integers(0, shops, bursts)
    b_cause = rng.integers(0, len(CAUSES), bursts)
    b_start = rng.integers(0, days * _US_PER_DAY // step - burst_buckets[1], bursts) * step
    b_len = rng.integers(burst_buckets[0], burst_buckets[1] + 1, bursts)
    per_bucket = rng.integers(burst_per_bucket[0], burst_per_bucket[1] + 1, bursts)
    sizes = b_len * per_bucket
    which = np.repeat(np.arange(bursts), sizes)
    offset = np.concatenate([np.arange(s) for s in sizes]) if bursts else np.zeros(0, np.int64)
    bucket_of = offset // per_bucket[which]
    burst_t = b_start[which] + bucket_of * step + rng.integers(0, step, len(which))

    shop = np.concatenate([shop, b_shop[which]])
    events = pl.DataFrame(
        {
            "platform": np.array(PLATFORMS)[platform[shop]],
            "shop_id": pl.Series(shop).cast(pl.String).str.pad_start(4, "0").to_numpy(),
            "is_error": np.concatenate([is_error, np.ones(len(which), bool)]),
            "at_us": np.concatenate([t, burst_t]),
            "cause": np.concatenate([cause, b_cause[which]]),
        }
    ).with_columns(
        event_id=pl.format("e{}", pl.int_range(pl.len())),
        shop_id=pl.format("S{}", pl.col("shop_id")),
        occurred_at=(pl.lit(START) + pl.duration(microseconds=pl.col("at_us"))),
        message=pl.lit("synthetic"),
    )
    cls = events.filter("is_error").select(
        "event_id",
        root_cause=pl.col("cause").replace_strict(
            range(len(CAUSES)), CAUSES, return_dtype=pl.String
        ),
        template=pl.lit("synthetic"),
    )
    truth = pl.DataFrame(
        {
            "platform": np.array(PLATFORMS)[platform[b_shop]],
            "shop_id": [f"S{s:04d}" for s in b_shop],
            "root_cause": np.array(CAUSES)[b_cause],
            "start": b_start,
            "end": b_start + b_len * step,
            "errors": sizes,
        }
    ).with_columns(
        (pl.lit(START) + pl.duration(microseconds=pl.col(c))).alias(c) for c in ("start", "end")
    )
    return IncidentLoad(events.drop("at_us", "cause"), cls, truth)


def _times(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Microseconds since ``START`` with the day-time rhythm of ``plan.HOUR_WEIGHTS``."""
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return day * _US_PER_DAY + hour * _US_PER_HOUR + rng.integers(0, _US_PER_HOUR, n)
