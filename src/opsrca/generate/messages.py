"""A labeled stream of failed-event messages for classifier benchmarks and tests."""

from __future__ import annotations

import numpy as np
import polars as pl

from opsrca.generate.catalog import PLATFORMS, load_catalog
from opsrca.generate.fill import fill_templates

DEFAULT_PLATFORM_MIX: dict[str, float] = {
    "tiktok": 0.45,
    "qimen": 0.25,
    "ozon": 0.15,
    "taobao": 0.15,
}

MESSAGE_COLUMNS: tuple[str, ...] = (
    "message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "rate_limit_remaining",
    "true_label",
)


def generate_messages(
    n: int, *, seed: int = 7, platform_mix: dict[str, float] | None = None
) -> pl.DataFrame:
    """``n`` failed-event messages with their true root-cause label, vectorized.

    Columns: message, platform, http_status, error_code, sub_code,
    rate_limit_remaining, true_label. Same seed, same frame.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    mix = platform_mix or DEFAULT_PLATFORM_MIX
    bad = [p for p in mix if p not in PLATFORMS]
    if bad:
        raise ValueError(f"unknown platforms in platform_mix: {bad!r}; expected {PLATFORMS}")
    catalog = load_catalog()
    rng = np.random.default_rng(seed)
    names = list(mix)
    probs = np.array([mix[p] for p in names], dtype=float)
    counts = rng.multinomial(n, probs / probs.sum())
    tids = np.concatenate(
        [catalog.pick(rng, int(k), p) for p, k in zip(names, counts, strict=True)]
    )
    rng.shuffle(tids)
    rows = catalog.templates[tids.astype(np.int64)] if n else catalog.templates.clear()
    message = fill_templates(rows["text"], rng, catalog)
    return rows.select(
        message.alias("message"),
        "platform",
        "http_status",
        "error_code",
        "sub_code",
        "rate_limit_remaining",
        pl.col("label").alias("true_label"),
    )
