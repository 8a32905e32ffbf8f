"""Duplicate-copy detector: listings of one account whose copy repeats each other.

Score of a pair (0..100), per field with the chosen scorer on normalized text:

    combined = 0.6 * title + 0.4 * selling_points   (both fields non-empty)
    combined = title                                 (either selling_points empty)

A pair is flagged when ``combined > threshold`` (strictly). Pairs whose titles differ only
by colour/size words (``sku_words.txt``) and that share ``main_image`` are flagged too
(reason ``sku_only_difference``). Flagged pairs form clusters (connected components).
Candidates: since the combined score is a weighted mean, a pair can only exceed the
threshold if its title or its selling points alone do, so up to ``EXHAUSTIVE_LIMIT``
listings per group each field goes through ``rapidfuzz.process.cdist`` in row chunks
(the matrix is dense) with ``score_cutoff=threshold`` on all cores (exact). Above it,
a sample decides how to prune: MinHash-LSH over character bigrams of title + selling
points when it keeps few pairs (sparse catalogues), else the exact character-count bound of
``blocking.bound_candidates`` (mass-listed catalogues sharing a small vocabulary, where
MinHash keeps most pairs and loses recall). Recall and speed of both are measured against
exhaustive in benchmarks/bench_dupes.py. Candidates are then scored exactly with ``cpdist``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from opsrca.errors import InputError
from opsrca.listings import advice, blocking
from opsrca.listings.choices import Scope
from opsrca.listings.io import LINE, read_table, require
from opsrca.listings.textnorm import compact_expr, load_word_list, normalize_expr, tokenize_series
from opsrca.progress import Advance, progress_bar, quiet

TITLE_WEIGHT = 0.6
POINTS_WEIGHT = 0.4
EXHAUSTIVE_LIMIT = 5_000  # measured: above it MinHash-LSH is ~3x faster at recall >= 0.99
_CELLS_PER_CHUNK = 25_000_000  # float32 cells of one cdist chunk (~100 MB)


@dataclass(frozen=True)
class Scorer:
    """A rapidfuzz scorer and the text form it compares (compact chars or jieba tokens)."""

    name: str
    func: Callable[..., float]
    tokens: bool


SCORERS: dict[str, Scorer] = {
    "ratio": Scorer("ratio", fuzz.ratio, tokens=False),
    "partial_ratio": Scorer("partial_ratio", fuzz.partial_ratio, tokens=False),
    "token_sort_ratio": Scorer("token_sort_ratio", fuzz.token_sort_ratio, tokens=True),
    "token_set_ratio": Scorer("token_set_ratio", fuzz.token_set_ratio, tokens=True),
}
DEFAULT_SCORER = "ratio"  # chosen by tests/listings/test_scorer_eval.py (best F1 on labeled pairs)


@dataclass
class DupesResult:
    """Flagged pairs, their clusters, and notes (warnings, which path was used)."""

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def is_flagged(score: float | np.ndarray, threshold: float) -> bool | np.ndarray:
    """The one comparison of the rule: strictly greater than the threshold."""
    return score > threshold


def combine(title: np.ndarray, points: np.ndarray, has_points: np.ndarray) -> np.ndarray:
    """Combined score (see module docstring)."""
    return np.where(has_points, TITLE_WEIGHT * title + POINTS_WEIGHT * points, title)


def prepare_text(values: pl.Series, scorer: Scorer) -> pl.Series:
    """The text the scorer compares: compact normalized chars, or jieba tokens of it."""
    compact = values.to_frame("v").select(compact_expr(pl.col("v")))["v"]
    return tokenize_series(compact) if scorer.tokens else compact


def score_pairs(a: Sequence[str], b: Sequence[str], scorer: Scorer) -> np.ndarray:
    """Scores of aligned pairs (vectorized ``cpdist``); empty texts score 0."""
    if len(a) == 0:
        return np.empty(0, dtype=np.float64)
    out = process.cpdist(a, b, scorer=scorer.func, dtype=np.float32, workers=-1)
    return np.asarray(out, dtype=np.float64)


def _exhaustive(
    texts: list[str], cutoff: float, scorer: Scorer, advance: Advance = quiet
) -> np.ndarray:
    """Codes (i << 32 | j, i < j) of all pairs scoring >= cutoff, by chunked upper-triangle cdist."""
    n = len(texts)
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    found: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    for start in range(0, n, chunk):
        block = process.cdist(
            texts[start : start + chunk],
            texts[start:],
            scorer=scorer.func,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        i, j = np.nonzero(block)
        keep = j > i
        found.append(((i[keep] + start).astype(np.int64) << 32) | (j[keep] + start))
        advance(min(chunk, n - start))
    return np.concatenate(found)


def candidate_pairs(
    titles: pl.Series,
    points: pl.Series,
    *,
    threshold: float,
    scorer: Scorer,
    blocked: bool,
    advance: Advance = quiet,
) -> tuple[np.ndarray, str]:
    """Pairs (k x 2, i < j) that can score above ``threshold``, and the path that found them.

    The combined score is a weighted mean of the two fields, so it can only exceed the
    threshold when the title OR the selling points alone exceed it: the candidates are the
    union of two per-field searches. Unblocked, each is a ``cdist`` at
    ``score_cutoff=threshold`` (exact). Blocked, a sample decides: MinHash-LSH over title +
    selling points when it prunes well, else (a catalogue sharing a small vocabulary) the
    exact character-count bound of ``blocking.bound_candidates`` (``ratio`` scorer only).
    ``advance`` is told each field's rows as they are done (two units per listing).
    """
    if not blocked:
        codes = [
            _exhaustive(texts.to_list(), threshold, scorer, advance) for texts in (titles, points)
        ]
        path = "exhaustive"
    elif scorer.name == "ratio" and blocking.lsh_rate(titles + points) > blocking.DENSE_RATE:
        codes = [blocking.bound_candidates(t, threshold, advance) for t in (titles, points)]
        path = "character-count bound"
    else:
        cand = blocking.lsh_candidates(titles + points, bands=blocking.BANDS, rows=blocking.ROWS)
        advance(2 * len(titles))
        return cand, "MinHash-LSH"
    merged = _union(*codes)
    return np.stack([merged >> 32, merged & 0xFFFFFFFF], axis=1), path


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pair codes in ``a`` or ``b``, each once. Both searches emit codes in row order, so they
    arrive sorted: a binary search beats ``np.unique`` (hashing 25M codes took a quarter of a
    dense 50k-listing run)."""
    a = a if np.all(a[1:] > a[:-1]) else np.unique(a)
    if a.size == 0:
        return np.unique(b)
    at = np.minimum(np.searchsorted(a, b), a.size - 1)
    return np.concatenate([a, np.unique(b[a[at] != b])])


def _sku_pattern() -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in load_word_list("sku_words.txt")))


def _group_key(scope: Scope) -> pl.Expr:
    if scope is Scope.account:
        return pl.col("account_id")
    if scope is Scope.shop:
        return pl.concat_str([pl.col("account_id"), pl.col("shop_id")], separator="\x1f")
    return pl.lit("*")


def load_listings(source: pl.DataFrame | Path | str) -> tuple[pl.DataFrame, str]:
    """Read (or take) a listings frame, canonicalize headers and check required columns."""
    if isinstance(source, pl.DataFrame):
        frame, name = source, "<frame>"
        if LINE not in frame.columns:
            frame = frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    else:
        frame, name = read_table(source, "listings"), str(source)
    require(frame, ["item_id", "title"], name, "listings")
    for col in ("account_id", "shop_id", "selling_points", "main_image"):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(col))
    frame = frame.with_columns(
        pl.col(c).cast(pl.String) for c in ("account_id", "shop_id", "item_id")
    )
    return frame.with_columns(pl.col("account_id").fill_null("")), name


def find_duplicates(
    listings: pl.DataFrame | Path | str,
    /,
    *,
    threshold: float = 65.0,
    scope: Scope | str = Scope.account,
    scorer: str = DEFAULT_SCORER,
    blocked: bool | None = None,
    progress: bool = False,
) -> DupesResult:
    """Flag pairs of listings whose copy is more than ``threshold`` % alike.

    ``blocked=None`` compares exhaustively up to ``EXHAUSTIVE_LIMIT`` listings per group
    and prunes candidates above it; ``True``/``False`` force one path. ``progress`` shows a
    bar over the listings compared.
    """
    if not 0 <= threshold <= 100:
        raise InputError(f"--threshold must be between 0 and 100, got {threshold!r}")
    scope = Scope(scope)
    if scorer not in SCORERS:
        raise InputError(f"unknown scorer {scorer!r}; choose one of {', '.join(SCORERS)}")
    sc = SCORERS[scorer]
    frame, name = load_listings(listings)
    notes: list[str] = []
    if scope is not Scope.all and frame["account_id"].eq("").all():
        notes.append(f"{name}: no account_id column/values; all listings treated as one account")
    frame = frame.with_columns(
        _g=_group_key(scope).fill_null(""),
        _t=prepare_text(frame["title"], sc),
        _p=prepare_text(frame["selling_points"].fill_null(""), sc),
        _img=pl.col("main_image").str.strip_chars().fill_null(""),
        _norm=normalize_expr(pl.col("title")).str.replace_all(" ", "", literal=True),
    )
    parts: list[pl.DataFrame] = []
    with progress_bar(progress, 2 * frame.height, "dupes") as advance:
        for _, group in frame.group_by("_g", maintain_order=True):  # one iteration per account
            if group.height < 2:
                advance(2 * group.height)
                continue
            use_blocked = group.height > EXHAUSTIVE_LIMIT if blocked is None else blocked
            pairs, path = candidate_pairs(
                group["_t"],
                group["_p"],
                threshold=threshold,
                scorer=sc,
                blocked=use_blocked,
                advance=advance,
            )
            parts.append(_score_group(group, pairs, sc, threshold))
            if use_blocked:
                notes.append(f"{group.height} listings in one group: {path} blocking used")
    text_pairs = pl.concat(parts) if parts else None
    sku_pairs = _sku_pairs(frame)
    pairs = _merge(text_pairs, sku_pairs)
    pairs, clusters = _clusters(pairs)
    return DupesResult(pairs=pairs, clusters=clusters, notes=notes)


_PAIR_COLS = ["account_id", "item_id", "shop_id", "title", LINE]


def _side(group: pl.DataFrame, idx: np.ndarray, suffix: str) -> pl.DataFrame:
    sub = group.select(_PAIR_COLS)[idx]
    return sub.rename({c: f"{c}_{suffix}" for c in _PAIR_COLS})


def _score_group(
    group: pl.DataFrame, pairs: np.ndarray, sc: Scorer, threshold: float
) -> pl.DataFrame:
    t = np.asarray(group["_t"].to_list(), dtype=object)
    p = np.asarray(group["_p"].to_list(), dtype=object)
    i, j = pairs[:, 0], pairs[:, 1]
    ts = score_pairs(t[i], t[j], sc)
    ps = score_pairs(p[i], p[j], sc)
    has_p = group["_p"].str.len_chars().to_numpy() > 0
    both = has_p[i] & has_p[j] if len(i) else np.zeros(0, dtype=bool)
    combined = combine(ts, ps, both)
    keep = is_flagged(combined, threshold)
    a, b = _side(group, i[keep], "a"), _side(group, j[keep], "b")
    return pl.concat([a, b], how="horizontal").with_columns(
        title_score=pl.Series(np.round(ts[keep], 2)),
        selling_points_score=pl.Series(
            np.where(both[keep], np.round(ps[keep], 2), np.nan)
        ).fill_nan(None),
        score=pl.Series(np.round(combined[keep], 2)),
        reason=pl.lit("text"),
    )


def _sku_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """Pairs whose titles are equal once colour/size words are removed and share main_image."""
    pattern = _sku_pattern().pattern
    keyed = (
        frame.filter(pl.col("_img") != "")
        .with_columns(
            _stem=pl.col("_norm").str.replace_all(pattern, ""),
        )
        .filter(pl.col("_stem").str.len_chars() > 0)
    )
    cols = [*_PAIR_COLS, "_g", "_stem", "_img", "_norm"]
    left = keyed.select(cols).rename({c: f"{c}_a" for c in _PAIR_COLS})
    right = keyed.select(cols).rename({c: f"{c}_b" for c in _PAIR_COLS})
    joined = left.join(right, on=["_g", "_stem", "_img"], suffix="_r").filter(
        (pl.col("item_id_a") < pl.col("item_id_b")) & (pl.col("_norm") != pl.col("_norm_r"))
    )
    return joined.select([f"{c}_{s}" for s in ("a", "b") for c in _PAIR_COLS]).with_columns(
        title_score=pl.lit(None, dtype=pl.Float64),
        selling_points_score=pl.lit(None, dtype=pl.Float64),
        score=pl.lit(None, dtype=pl.Float64),
        reason=pl.lit("sku_only_difference"),
    )


def _merge(text: pl.DataFrame | None, sku: pl.DataFrame) -> pl.DataFrame:
    """Union of both rules, one row per pair; the SKU reason wins (its fix is more specific)."""
    frames = [f for f in (sku, text) if f is not None and f.height]
    if not frames:
        return sku.clear()
    both = pl.concat([f.select(sku.columns) for f in frames], how="vertical_relaxed")
    both = both.with_columns(
        lo=pl.min_horizontal("item_id_a", "item_id_b"),
        hi=pl.max_horizontal("item_id_a", "item_id_b"),
    )
    scores = both.filter(pl.col("reason") == "text").select(
        "lo",
        "hi",
        pl.col("title_score").alias("ts"),
        pl.col("selling_points_score").alias("ps"),
        pl.col("score").alias("s"),
    )
    out = both.unique(["lo", "hi"], keep="first", maintain_order=True).join(
        scores, on=["lo", "hi"], how="left"
    )
    return out.with_columns(
        title_score=pl.coalesce("ts", "title_score"),
        selling_points_score=pl.coalesce("ps", "selling_points_score"),
        score=pl.coalesce("s", "score"),
    ).drop("lo", "hi", "ts", "ps", "s")


def _clusters(pairs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Connected components of the flagged-pair graph, numbered by size (largest = 1)."""
    rc, fix_zh, fix_en = advice.check_fix("dupes")
    _, sku_zh, sku_en = advice.check_fix("dupes_sku")
    empty_clusters = pl.DataFrame(
        schema={
            "cluster_id": pl.Int32,
            "account_id": pl.String,
            "size": pl.UInt32,
            "items": pl.String,
            "shops": pl.String,
            "max_score": pl.Float64,
            "reasons": pl.String,
            "root_cause": pl.String,
            "fix_zh": pl.String,
            "fix_en": pl.String,
        }
    )
    if pairs.height == 0:
        return pairs.with_columns(
            cluster_id=pl.lit(None, dtype=pl.Int32), root_cause=pl.lit(rc)
        ), empty_clusters
    nodes = (
        pl.concat(
            [
                pairs.select(
                    pl.col("account_id_a").alias("acc"), pl.col("item_id_a").alias("item")
                ),
                pairs.select(
                    pl.col("account_id_b").alias("acc"), pl.col("item_id_b").alias("item")
                ),
            ]
        )
        .unique(maintain_order=True)
        .with_row_index("node")
    )
    key = ["acc", "item"]
    ia = pairs.select(acc="account_id_a", item="item_id_a").join(
        nodes, on=key, how="left", maintain_order="left"
    )["node"]
    ib = pairs.select(acc="account_id_b", item="item_id_b").join(
        nodes, on=key, how="left", maintain_order="left"
    )["node"]
    n = nodes.height
    graph = coo_matrix((np.ones(pairs.height), (ia.to_numpy(), ib.to_numpy())), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(1, len(order) + 1)
    cid = pl.Series("cluster_id", rank[labels[ia.to_numpy()]], dtype=pl.Int32)
    pairs = pairs.with_columns(cid, root_cause=pl.lit(rc)).sort(
        "cluster_id", "score", descending=[False, True], nulls_last=True
    )
    members = pl.concat(
        [
            pairs.select("cluster_id", acc="account_id_a", item="item_id_a", shop="shop_id_a"),
            pairs.select("cluster_id", acc="account_id_b", item="item_id_b", shop="shop_id_b"),
        ]
    ).unique(maintain_order=True)
    agg_pairs = pairs.group_by("cluster_id").agg(
        max_score=pl.col("score").max(),
        reasons=pl.col("reason").unique().sort().str.join(","),
    )
    clusters = (
        members.group_by("cluster_id")
        .agg(
            account_id=pl.col("acc").first(),
            size=pl.len(),
            items=pl.col("item").sort().str.join(","),
            shops=pl.col("shop").drop_nulls().unique().sort().str.join(","),
        )
        .join(agg_pairs, on="cluster_id")
        .sort("cluster_id")
        .with_columns(
            root_cause=pl.lit(rc),
            fix_zh=pl.when(pl.col("reasons") == "sku_only_difference")
            .then(pl.lit(sku_zh))
            .otherwise(pl.lit(fix_zh)),
            fix_en=pl.when(pl.col("reasons") == "sku_only_difference")
            .then(pl.lit(sku_en))
            .otherwise(pl.lit(fix_en)),
        )
    )
    return pairs.rename({"account_id_a": "account_id"}).drop("account_id_b"), clusters.select(
        empty_clusters.columns
    )
