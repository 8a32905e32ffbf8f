"""Identifiers in the shapes real exports carry, vectorized (numpy draws, no loop per row).

Real dumps hold hex request ids, UUIDs, 13-character lowercase ids mixing letters and
digits (``v8xpe72rtgd27``), base64 tokens with ``+``, ``/`` and ``=``, 18-19 digit order
numbers and SKU codes such as ``SKU-AB12-3390-XL``. Each generator takes ``(rng, n)``
and returns a String Series of ``n`` values drawn fresh per row (not from a small
pool), so ids collide no more often than real random ids do.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")
LOWER_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype="S1")
UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype="S1")
DIGIT = np.frombuffer(b"0123456789", dtype="S1")
B64 = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", dtype="S1")
SIZES = ["S", "M", "L", "XL", "XXL", "BK", "WH", "RD", "BL", "GR"]


def from_chars(table: np.ndarray, idx: np.ndarray) -> pl.Series:
    """Rows of character indices ``(n, k)`` into one String Series of ``k``-char ASCII values.

    The characters become one Arrow string buffer with fixed offsets: no Python
    string per row.
    """
    n, k = idx.shape
    data = pa.py_buffer(np.ascontiguousarray(table[idx]).tobytes())
    offsets = pa.py_buffer(np.arange(0, n * k + 1, k, dtype=np.int32).tobytes())
    arr = pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
    return pl.Series(arr, dtype=pl.String)


def hex_ids(rng: np.random.Generator, n: int, chars: int = 32) -> pl.Series:
    """Lowercase hex ids of ``chars`` characters (request ids, trace ids)."""
    return from_chars(HEX, rng.integers(0, 16, (n, chars), dtype=np.uint8))


def uuids(rng: np.random.Generator, n: int) -> pl.Series:
    """Version-4 UUIDs in the 8-4-4-4-12 form."""
    idx = rng.integers(0, 16, (n, 32), dtype=np.uint8)
    idx[:, 12] = 4  # version nibble
    idx[:, 16] = 8 + (idx[:, 16] & 3)  # variant 10xx
    h = from_chars(HEX, idx)
    return pl.DataFrame({"h": h}).select(
        pl.concat_str(
            [
                pl.col("h").str.slice(a, b - a)
                for a, b in ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
            ],
            separator="-",
        )
    )["h"]


def alnum13(rng: np.random.Generator, n: int) -> pl.Series:
    """13-character lowercase ids starting with a letter and holding digits (``v8xpe72rtgd27``)."""
    idx = rng.integers(0, 36, (n, 13), dtype=np.uint8)
    idx[:, 0] = rng.integers(0, 26, n)  # a letter first
    rows = np.arange(n)
    idx[rows, rng.integers(1, 13, n)] = 26 + rng.integers(0, 10, n)  # at least one digit
    return from_chars(LOWER_ALNUM, idx)


def base64_tokens(rng: np.random.Generator, n: int, nbytes: int = 40) -> pl.Series:
    """Standard base64 of ``nbytes`` random bytes (``+``, ``/`` and ``=`` padding as real tokens)."""
    chars = -(-nbytes // 3) * 4
    pad = (3 - nbytes % 3) % 3
    idx = rng.integers(0, 64, (n, chars), dtype=np.uint8)
    if pad:
        # The last data sextet only carries the leftover bits: its low bits are zero.
        idx[:, chars - pad - 1] &= 0b110000 if pad == 2 else 0b111100
        idx[:, chars - pad :] = 64  # '='
    table = np.concatenate([B64, np.frombuffer(b"=", dtype="S1")])
    return from_chars(table, idx)


def order_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    """18- and 19-digit order numbers (TikTok 57..., Taobao/Tmall 19 digits)."""
    eighteen = 576_000_000_000_000_000 + rng.integers(0, 10**16, n, dtype=np.int64)
    nineteen = 1_000_000_000_000_000_000 + rng.integers(0, 8 * 10**18, n, dtype=np.int64)
    return pl.Series(np.where(rng.random(n) < 0.5, eighteen, nineteen)).cast(pl.String)


def sku_codes(rng: np.random.Generator, n: int) -> pl.Series:
    """Seller SKU codes shaped ``SKU-AB12-3390-XL``."""
    letters = from_chars(UPPER, rng.integers(0, 26, (n, 2), dtype=np.uint8))
    num2 = from_chars(DIGIT, rng.integers(0, 10, (n, 2), dtype=np.uint8))
    num4 = from_chars(DIGIT, rng.integers(0, 10, (n, 4), dtype=np.uint8))
    size = pl.Series(SIZES, dtype=pl.String).gather(rng.integers(0, len(SIZES), n))
    return (
        pl.DataFrame({"a": letters, "b": num2, "c": num4, "d": size})
        .select(pl.concat_str([pl.lit("SKU-"), "a", "b", pl.lit("-"), "c", pl.lit("-"), "d"]))
        .to_series()
    )


def zipf_cdf(k: int, exponent: float) -> np.ndarray:
    """Cumulative probabilities of ranks ``0..k-1`` under a finite Zipf law (rank r ~ 1/(r+1)^s)."""
    w = 1.0 / np.arange(1, k + 1, dtype=float) ** exponent
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return cdf


def draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """``n`` ranks drawn from a cumulative distribution (faster than ``rng.choice(p=...)``)."""
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)
