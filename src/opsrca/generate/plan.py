"""Row-level plans shared by the source builders: times, shops, templates, retries, incidents.

A ``Plan`` holds numpy arrays only; builders turn it into the columns of a source.
Times are UTC epoch seconds over the sample week with a business-day rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from opsrca.generate.catalog import Catalog
from opsrca.generate.fill import BASE_EPOCH

DAY = 86_400
HOUR = 3_600
SHANGHAI = 8 * HOUR
# Share of events per hour of the day (UTC+8 business rhythm: quiet at night).
HOUR_WEIGHTS = np.array(
    [2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 9, 9, 8, 7, 7, 8, 9, 8, 6, 4], dtype=float
)
RETRYABLE = ("access.rate_limited", "integration.route_unreachable", "platform.server_error")


@dataclass
class Plan:
    """Row-level draws of one source: UTC epoch seconds, shop index, template id (-1 = success), retries."""

    t: np.ndarray
    shop: np.ndarray
    tid: np.ndarray
    retry: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def extend(self, other: Plan) -> Plan:
        return Plan(
            *(np.concatenate([a, b]) for a, b in zip(self.astuple(), other.astuple(), strict=True))
        )

    def astuple(self) -> tuple[np.ndarray, ...]:
        return (self.t, self.shop, self.tid, self.retry)

    def slice(self, start: int, stop: int) -> Plan:
        return Plan(*(a[start:stop] for a in self.astuple()))

    def sorted(self) -> Plan:
        order = np.argsort(self.t, kind="stable")
        return Plan(*(a[order] for a in self.astuple()))


def _times(rng: np.random.Generator, n: int, tz_offset: int) -> np.ndarray:
    """UTC epoch seconds over the week with a day-time rhythm in the shop's local zone."""
    day = rng.integers(0, 7, n)
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    sec = rng.integers(0, HOUR, n)
    return BASE_EPOCH + day * DAY + hour * HOUR + sec - tz_offset


def base_plan(
    rng: np.random.Generator,
    n: int,
    catalog: Catalog,
    platform: str,
    n_shops: int,
    *,
    tz_offset: int = 0,
) -> Plan:
    """``n`` background events: success share from the catalog, errors by template weight."""
    shop_p = np.linspace(2.0, 1.0, n_shops)
    shop = rng.choice(n_shops, size=n, p=shop_p / shop_p.sum())
    is_error = rng.random(n) >= catalog.success_share.get(platform, 0.5)
    tid = np.full(n, -1, dtype=np.int64)
    tid[is_error] = catalog.pick(rng, int(is_error.sum()), platform)
    labels = catalog.templates["label"].to_numpy()
    retryable = np.isin(labels[np.maximum(tid, 0)], RETRYABLE) & is_error
    retry = np.where(
        is_error,
        rng.poisson(0.7, n) + retryable * rng.poisson(1.8, n),
        (rng.random(n) < 0.08).astype(int),
    )
    return Plan(_times(rng, n, tz_offset), shop, tid, np.minimum(retry, 8))


def incident(
    rng: np.random.Generator,
    k: int,
    catalog: Catalog,
    platform: str,
    label: str,
    *,
    start: int,
    minutes: int,
    shops: np.ndarray | int,
    retry: tuple[int, int] = (3, 8),
    template_filter: pl.Expr | None = None,
) -> Plan:
    """A burst of ``k`` failures of one label in ``[start, start + minutes)`` (UTC epoch)."""
    sub = catalog.for_platform(platform, label)
    if template_filter is not None:
        sub = sub.filter(template_filter)
    tid = rng.choice(
        sub["tid"].to_numpy(), size=k, p=(sub["weight"] / sub["weight"].sum()).to_numpy()
    )
    shop = np.full(k, shops) if isinstance(shops, int) else rng.choice(shops, size=k)
    t = start + rng.integers(0, minutes * 60, k)
    return Plan(t, shop, tid.astype(np.int64), rng.integers(retry[0], retry[1] + 1, k))


def template_rows(plan: Plan, catalog: Catalog) -> pl.DataFrame:
    """Template fields per row (nulls on success rows) plus the error flag."""
    err = plan.tid >= 0
    rows = catalog.templates[np.maximum(plan.tid, 0)]
    mask = pl.Series("_is_error", err)
    return rows.with_columns(mask).with_columns(
        pl.when(pl.col("_is_error")).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("label", "text", "http_status", "error_code", "sub_code", "rate_limit_remaining")
    )


def js(expr: pl.Expr) -> pl.Expr:
    """A JSON string literal of a text expression (quotes and backslashes escaped)."""
    esc = expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.concat_str([pl.lit('"'), esc, pl.lit('"')])


def xml_text(expr: pl.Expr) -> pl.Expr:
    """Text escaped for an XML element body."""
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )


def shop_ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{(i + 1) * 982_451_653 % 10**14:014d}" for i in range(n)]


def rate_left(rng: np.random.Generator, rows: pl.DataFrame, high: int) -> pl.Series:
    """X-RateLimit-Remaining: the template's value, else a random quota left (sometimes absent)."""
    n = rows.height
    rand = pl.Series(rng.integers(1, high, n), dtype=pl.Int32)
    absent = pl.Series(rng.random(n) < 0.15)
    return rows.select(
        pl.when(pl.col("rate_limit_remaining").is_not_null())
        .then(pl.col("rate_limit_remaining"))
        .when(absent)
        .then(None)
        .otherwise(rand)
    ).to_series()
