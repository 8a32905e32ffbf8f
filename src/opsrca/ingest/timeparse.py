"""Timestamps of every source → naive UTC, as Polars expressions.

Sources write ISO-8601 with ``Z`` or an offset (TikTok, Ozon), naive local time
(Qimen, Taobao: Asia/Shanghai unless ``--tz``), slashes (Excel), or epoch
seconds/milliseconds. Each shape is one vectorized parse; the first that
succeeds wins, and a value none of them reads is null (the caller rejects it).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from opsrca.errors import InputError

_NAIVE_FORMATS: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def check_tz(tz: str) -> str:
    """Return ``tz`` when it is a known IANA zone, else raise an InputError that says so."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"unknown time zone {tz!r}; use an IANA name such as 'Asia/Shanghai' or 'UTC'"
        ) from exc
    return tz


def parse_timestamp(expr: pl.Expr, *, tz: str = "Asia/Shanghai") -> pl.Expr:
    """Naive-UTC ``Datetime('us')`` from a String expression; null where unreadable."""
    s = (
        expr.str.strip_chars()
        .str.replace(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", "${1}-${2}-${3}")
        .str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]+", "${1} ")
        .str.replace(r"\s*(?:Z|z|UTC|GMT)$", "+00:00")
        .str.replace(r"\s+([+-]\d{2}:?\d{2})$", "${1}")
    )
    aware = s.str.to_datetime(
        "%Y-%m-%d %H:%M:%S%.f%z", strict=False, time_zone="UTC", time_unit="us"
    ).dt.replace_time_zone(None)
    naive = pl.coalesce(
        [s.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in _NAIVE_FORMATS]
    )
    local = (
        naive.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )
    digits = pl.when(s.str.contains(r"^\d{10}(?:\.\d+)?$|^\d{13}$")).then(
        s.cast(pl.Float64, strict=False)
    )
    epoch = (
        pl.when(digits >= 1e12)
        .then(digits * 1_000)
        .otherwise(digits * 1_000_000)
        .cast(pl.Int64, strict=False)
        .cast(pl.Datetime("us"))
    )
    return pl.coalesce([aware, local, epoch])


#: Direct parses tried before the general parser: (format, has_zone). Each runs
#: only on the values the previous ones missed; the first value's shape picks
#: which one goes first, so a clean column costs one parse.
_DIRECT: tuple[tuple[str, bool], ...] = (
    ("%Y-%m-%dT%H:%M:%SZ", True),
    ("%Y-%m-%dT%H:%M:%S%.fZ", True),
    ("%Y-%m-%dT%H:%M:%S%:z", True),
    ("%Y-%m-%dT%H:%M:%S%.f%:z", True),
    ("%Y-%m-%d %H:%M:%S", False),
)


def _direct(values: pl.Series, fmt: str, zoned: bool, tz: str) -> pl.Series:
    if zoned:
        if fmt.endswith("Z"):
            return values.str.to_datetime(fmt, strict=False, time_unit="us")
        return values.str.to_datetime(
            fmt, strict=False, time_unit="us", time_zone="UTC"
        ).dt.replace_time_zone(None)
    return (
        values.str.to_datetime(fmt, strict=False, time_unit="us")
        .dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.replace_time_zone(None)
    )


def parse_timestamp_series(values: pl.Series, *, tz: str = "Asia/Shanghai") -> pl.Series:
    """Like ``parse_timestamp`` but fast: a cascade of direct parses on shrinking subsets.

    Only values no direct format reads go through the general (slower) parser.
    """
    out = pl.Series(values.name, [None] * values.len(), dtype=pl.Datetime("us"))
    if values.len() == 0 or values.null_count() == values.len():
        return out
    sample = values.drop_nulls().head(1)
    order = sorted(_DIRECT, key=lambda d: _direct(sample, d[0], d[1], tz).is_null().item())
    todo = values.is_not_null().arg_true()
    for fmt, zoned in order:
        if todo.len() == 0:
            return out
        parsed = _direct(values.gather(todo), fmt, zoned, tz)
        hit = parsed.is_not_null()
        out = out.scatter(todo.filter(hit), parsed.filter(hit))
        todo = todo.filter(~hit)
    if todo.len():
        slow = pl.select(parse_timestamp(pl.lit(values.gather(todo)), tz=tz)).to_series()
        out = out.scatter(todo, slow)
    return out
