"""Seeded, vectorized values for template placeholders (ids, SKUs, times, PII...).

Every generator takes ``(rng, n)`` and returns a String Series of length ``n``
built from numpy draws and Polars string expressions: no Python loop per row.
``fill_templates`` replaces each placeholder only in the rows whose template uses
it, so the work grows with the number of placeholders actually filled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
import polars as pl

from opsrca.generate.catalog import PLACEHOLDER_RE, Catalog

HEX_POOL_SIZE = 4096
BASE_TIME = datetime(2026, 11, 2)  # the sample week starts Monday 2026-11-02 (UTC)
WEEK_SECONDS = 7 * 24 * 3600
BASE_EPOCH = int((BASE_TIME - datetime(1970, 1, 1)).total_seconds())

Gen = Callable[[np.random.Generator, int], pl.Series]


def digits(rng: np.random.Generator, n: int, width: int, *, low: int = 0) -> pl.Series:
    """Zero-padded random decimal strings of ``width`` digits (width <= 18)."""
    high = 10**width
    return pl.Series(rng.integers(low, high, n, dtype=np.int64)).cast(pl.String).str.zfill(width)


def ints(rng: np.random.Generator, n: int, low: int, high: int) -> pl.Series:
    """Random integers in ``[low, high]`` as strings."""
    return pl.Series(rng.integers(low, high + 1, n, dtype=np.int64)).cast(pl.String)


def choose(rng: np.random.Generator, n: int, pool: list[str]) -> pl.Series:
    """Values drawn uniformly from a pool."""
    return pl.Series(pool, dtype=pl.String).gather(rng.integers(0, len(pool), n))


def hex_pool(rng: np.random.Generator, chars: int, *, upper: bool = False) -> list[str]:
    """A pool of random hex strings of ``chars`` (even) characters."""
    nbytes = chars // 2
    blob = rng.bytes(HEX_POOL_SIZE * nbytes).hex()
    pool = [blob[i * chars : (i + 1) * chars] for i in range(HEX_POOL_SIZE)]
    return [v.upper() for v in pool] if upper else pool


def hexes(rng: np.random.Generator, n: int, chars: int, *, upper: bool = False) -> pl.Series:
    """Random hex strings of ``chars`` characters (two pool draws: millions of values)."""
    pool = hex_pool(rng, chars // 2, upper=upper)
    return choose(rng, n, pool) + choose(rng, n, pool)


def timestamps(rng: np.random.Generator, n: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> pl.Series:
    """Times inside the sample week, formatted."""
    return epoch_to_text(BASE_EPOCH + rng.integers(0, WEEK_SECONDS, n, dtype=np.int64), fmt)


def epoch_to_text(seconds: np.ndarray, fmt: str) -> pl.Series:
    """Format naive epoch seconds with a strftime pattern, vectorized."""
    return pl.Series(seconds * 1_000_000, dtype=pl.Int64).cast(pl.Datetime("us")).dt.strftime(fmt)


def cat(*parts: pl.Series | str) -> pl.Series:
    """Concatenate Series and literal strings row-wise."""
    cols = {f"c{i}": p for i, p in enumerate(parts) if isinstance(p, pl.Series)}
    exprs = [
        pl.col(f"c{i}") if isinstance(p, pl.Series) else pl.lit(p) for i, p in enumerate(parts)
    ]
    return pl.DataFrame(cols).select(pl.concat_str(exprs).alias("v"))["v"]


def generators(catalog: Catalog) -> dict[str, Gen]:
    """Placeholder name -> value generator (pools come from the catalog)."""
    p = catalog.pools
    shops = sorted({s for k, v in catalog.shops.items() if not k.endswith("_region") for s in v})
    area = ["330106", "110105", "440305", "320583", "510107", "330782"]
    mobile = ["138", "139", "135", "186", "177", "150", "159", "188", "131"]
    mail_user = ["zhang.wei", "lina", "buyer_", "ivan.p", "maria.s", "wangfang", "chen_jing"]

    def idcard(rng: np.random.Generator, n: int) -> pl.Series:
        month = pl.Series(rng.integers(1, 13, n)).cast(pl.String).str.zfill(2)
        day = pl.Series(rng.integers(1, 29, n)).cast(pl.String).str.zfill(2)
        return cat(
            choose(rng, n, area),
            ints(rng, n, 1960, 2005),
            month,
            day,
            digits(rng, n, 3),
            choose(rng, n, [*"0123456789", "X"]),
        )

    def ip(rng: np.random.Generator, n: int) -> pl.Series:
        return cat(
            ints(rng, n, 11, 223),
            ".",
            ints(rng, n, 0, 255),
            ".",
            ints(rng, n, 0, 255),
            ".",
            ints(rng, n, 1, 254),
        )

    return {
        "sku": lambda r, n: cat(
            "SKU-", digits(r, n, 5), "-", choose(r, n, ["BK", "WH", "RD", "L", "XL", "01", "02"])
        ),
        "item_code": lambda r, n: cat(
            choose(r, n, ["HZ", "YW", "SZ", "GZ", "SU"]), "2611", digits(r, n, 6)
        ),
        "item_id": lambda r, n: ints(r, n, 500_000_000_000, 999_999_999_999),
        "order_id": lambda r, n: cat("57", digits(r, n, 16)),
        "req_id": lambda r, n: cat(timestamps(r, n, "%Y%m%d%H%M%S"), hexes(r, n, 20, upper=True)),
        "trace": lambda r, n: hexes(r, n, 32),
        "num": lambda r, n: ints(r, n, 1, 99),
        "big": lambda r, n: ints(r, n, 100, 99_999),
        "len": lambda r, n: ints(r, n, 61, 200),
        "w": lambda r, n: ints(r, n, 240, 799),
        "h": lambda r, n: ints(r, n, 240, 799),
        "ms": lambda r, n: ints(r, n, 3000, 60_000),
        "ts": lambda r, n: timestamps(r, n),
        "cat_id": lambda r, n: ints(r, n, 600_000, 50_029_999),
        "app_key": lambda r, n: ints(r, n, 21_000_000, 34_999_999),
        "ip": ip,
        "phone": lambda r, n: cat(choose(r, n, mobile), digits(r, n, 8)),
        "idcard": idcard,
        "email": lambda r, n: cat(
            choose(r, n, mail_user), ints(r, n, 1, 999), "@", choose(r, n, p["email_domain"])
        ),
        "offer": lambda r, n: cat("OZ-", digits(r, n, 6)),
        "shop": lambda r, n: choose(r, n, shops),
        **{
            name: (lambda pool: lambda r, n: choose(r, n, pool))(p[name])
            for name in ("field", "value", "wh", "host", "word", "region", "name", "addr", "path")
        },
    }


def fill_templates(
    texts: pl.Series,
    rng: np.random.Generator,
    catalog: Catalog,
    *,
    context: dict[str, pl.Series] | None = None,
    extra: dict[str, Gen] | None = None,
) -> pl.Series:
    """Replace every ``{name}`` in ``texts`` with a seeded random value.

    ``context`` gives row-aligned values that win over random ones (e.g. the row's
    own shop or SKU, so a message names the shop the event belongs to); ``extra``
    adds or replaces generators (the realistic profile's id shapes).
    """
    context = context or {}
    gens = {**generators(catalog), **(extra or {})}
    unique = texts.unique(maintain_order=True)
    used = sorted({name for t in unique.to_list() if t for name in PLACEHOLDER_RE.findall(t)})
    unknown = [u for u in used if u not in gens and u not in context]
    if unknown:
        raise ValueError(f"generator catalog uses unknown placeholders {unknown!r}")
    out = texts.clone()
    for name in used:
        token = "{" + name + "}"
        idx = texts.str.contains(token, literal=True).arg_true()
        if idx.len() == 0:
            continue
        values = context[name].gather(idx) if name in context else gens[name](rng, idx.len())
        frame = pl.DataFrame({"t": out.gather(idx), "v": values})
        replaced = frame.select(pl.col("t").str.replace_all(token, pl.col("v"), literal=True))["t"]
        out = out.scatter(idx, replaced)
    return out
