"""Candidate pairs for large groups: character-bigram MinHash with LSH banding.

Exhaustive ``cdist`` is quadratic; above a few thousand listings per account most of
its work is spent on pairs that share almost no characters. MinHash bands keep the
pairs whose bigram sets overlap enough to possibly score above the threshold.
Everything is numpy over (document, shingle) arrays; no loop over rows or pairs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

_MASK32 = np.uint64(0xFFFFFFFF)


def shingle_hashes(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Unique character-bigram hashes per document: (doc index, hash), sorted by doc."""
    frame = (
        pl.DataFrame({"t": texts})
        .with_row_index("doc")
        .with_columns(c=pl.col("t").str.split(""))
        .with_columns(
            g=pl.when(pl.col("c").list.len() > 1)
            .then(pl.col("c").list.eval(pl.element() + pl.element().shift(-1)).list.drop_nulls())
            .otherwise(pl.col("c"))
        )
        .select("doc", "g")
        .explode("g")
        .drop_nulls("g")
        .with_columns(h=pl.col("g").hash(seed=17))
        .unique(["doc", "h"])
        .sort("doc")
    )
    return frame["doc"].to_numpy().astype(np.int64), frame["h"].to_numpy().astype(np.uint64)


def minhash(
    doc: np.ndarray, h: np.ndarray, n_docs: int, *, num_perm: int, seed: int = 1
) -> np.ndarray:
    """MinHash signatures (n_docs x num_perm, uint32); empty documents get unique sentinels."""
    rng = np.random.default_rng(seed)
    mults = rng.integers(1, 2**63 - 1, num_perm, dtype=np.uint64) | np.uint64(1)
    xors = rng.integers(0, 2**63 - 1, num_perm, dtype=np.uint64)
    sig = np.full((n_docs, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if h.size == 0:
        return sig
    starts = np.flatnonzero(np.r_[True, doc[1:] != doc[:-1]])
    present = doc[starts]
    with np.errstate(over="ignore"):
        for k in range(num_perm):  # loop over permutations, each fully vectorized
            hk = (((h ^ xors[k]) * mults[k]) >> np.uint64(32)) & _MASK32
            sig[present, k] = np.minimum.reduceat(hk, starts).astype(np.uint32)
    return sig


def _pairs_in_buckets(keys: np.ndarray) -> np.ndarray:
    """All (i, j) with i < j sharing a key, encoded as i * 2**32 + j (vectorized)."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    ends = np.r_[starts[1:], sk.size]
    run_end = np.repeat(ends, ends - starts)  # end of the run each sorted position belongs to
    pos = np.arange(sk.size)
    counts = run_end - pos - 1
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    left = np.repeat(pos, counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    right = left + 1 + offsets
    a, b = order[left].astype(np.int64), order[right].astype(np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return (lo << 32) | hi


def lsh_candidates(
    texts: pl.Series, *, bands: int = 32, rows: int = 2, seed: int = 1
) -> np.ndarray:
    """Candidate pairs (k x 2, i < j) of documents sharing at least one MinHash band."""
    doc, h = shingle_hashes(texts)
    sig = minhash(doc, h, len(texts), num_perm=bands * rows, seed=seed).astype(np.uint64)
    seen = pl.Series("c", [], dtype=pl.Int64)
    found: list[np.ndarray] = []
    for band in range(bands):  # one vectorized bucketing per band
        block = sig[:, band * rows : (band + 1) * rows]
        key = np.zeros(len(texts), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for r in range(rows):
                key = key * np.uint64(0x100000001B3) ^ block[:, r]
        found.append(_pairs_in_buckets(key))
        if len(found) == 16 or band == bands - 1:  # dedupe in batches (multi-threaded Polars)
            seen = pl.concat([seen, pl.Series("c", np.concatenate(found))]).unique()
            found = []
    codes = seen.sort().to_numpy()
    return np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1)


# Banding measured on make_listings(20000) over title + selling points: 256 bands x 4 rows
# keeps 0.997 of the flagged pairs while scoring ~1% of all pairs (benchmarks/bench_dupes.py).
BANDS = 256
ROWS = 4


# ---------------------------------------------------------------------------------------------
# Exact candidates for small alphabets: a character-count bound computed as one matrix product.
#
# ``fuzz.ratio`` is 200 * LCS / (len_a + len_b), and the longest common subsequence cannot be
# longer than the multiset intersection of the two strings' characters. With one binary feature
# per (character, k-th occurrence), that intersection is a dot product, and the test
# ``intersection > t * (len_a + len_b)`` becomes linear by appending two columns:
# ``[x_a, -t*len_a, 1] . [x_b, 1, -t*len_b] > 0``. Every pair that can score above the
# threshold passes (recall 1.0 by construction); the cost is n^2 * alphabet, which is why this
# path is for catalogues whose titles share a small vocabulary (there MinHash bands collide for
# most pairs and stop pruning).

_BOUND_CELLS = 48_000_000  # float32 cells of one product block (~192 MB)
_EPS = 1e-3  # counts are small integers; float32 products are exact well within this


def char_features(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(doc, feature) pairs: one feature per (character, k-th occurrence in the document)."""
    frame = (
        pl.DataFrame({"t": texts})
        .with_row_index("doc")
        .with_columns(c=pl.col("t").fill_null("").str.split(""))
        .explode("c")
        .filter(pl.col("c").is_not_null() & (pl.col("c") != ""))
        .with_columns(k=pl.int_range(pl.len()).over("doc", "c"))
        .with_columns(f=pl.struct("c", "k").rank("dense").cast(pl.Int64) - 1)
    )
    return frame["doc"].to_numpy().astype(np.int64), frame["f"].to_numpy().astype(np.int64)


def bound_candidates(
    texts: pl.Series, threshold: float, advance: Callable[[int], None] | None = None
) -> np.ndarray:
    """Codes (i << 32 | j, i < j) of every pair whose ``fuzz.ratio`` can exceed ``threshold``.

    ``advance`` is told the rows done after each block.
    """
    n = len(texts)
    doc, feat = char_features(texts)
    width = (int(feat.max()) + 1 if feat.size else 0) + 2
    lengths = texts.fill_null("").str.len_chars().to_numpy().astype(np.float32)
    t = np.float32(threshold / 200.0)
    left = np.zeros((n, width), dtype=np.float32)
    left[doc, feat] = 1.0
    right = left.copy()
    left[:, -2], left[:, -1] = -t * lengths, 1.0
    right[:, -2], right[:, -1] = 1.0, -t * lengths
    found: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    start = 0
    while start < n:
        stop = min(n, start + max(1, _BOUND_CELLS // max(n - start, 1)))
        block = left[start:stop] @ right[start:].T
        i, j = np.nonzero(block > _EPS)
        keep = j > i  # columns start at ``start``: j > i is the upper triangle
        found.append(((i[keep] + start).astype(np.int64) << 32) | (j[keep] + start))
        if advance is not None:
            advance(stop - start)
        start = stop
    return np.concatenate(found)


# Which path prunes a large group better, decided on a sample: MinHash costs ~1 us per
# candidate it emits (bucket enumeration, dedupe, exact scoring), the bound ~25 ns per pair
# for both fields, so the bound wins once MinHash keeps more than ~2.5 % of all pairs. Measured
# in benchmarks/bench_dupes.py: ~1 % on the sparse catalogue (MinHash), ~4.5 % on the dense
# one, where MinHash also lost recall (0.983).
DENSE_RATE = 0.025
_SAMPLE = 2_000


def lsh_rate(texts: pl.Series, *, seed: int = 1) -> float:
    """Share of all pairs that MinHash-LSH keeps, estimated on a random sample of the group."""
    n = len(texts)
    if n < 2:
        return 0.0
    m = min(n, _SAMPLE)
    idx = np.sort(np.random.default_rng(seed).choice(n, m, replace=False))
    kept = len(lsh_candidates(texts.gather(idx), bands=BANDS, rows=ROWS))
    return kept / (m * (m - 1) / 2)
