"""Visitor-profile overlap: shops whose visitors look the same (traffic-manipulation suspicion).

Overlap of two shops on one dimension is the histogram intersection
``sum_b min(p_b, q_b)`` of their bucket shares in percent (100 = identical).
The combined score uses region and age (the dimensions the platform compares; gender is
reported but two shops almost always share it):

* ``all`` (default): ``min(region, age)`` -> flagged when BOTH are above the threshold;
* ``mean``: ``(region + age) / 2``;
* ``any``: ``max(region, age)`` -> flagged when EITHER is above.

A pair is flagged when ``combined > threshold`` (strictly). A group is a maximal clique of
three or more shops in which every pair is flagged; a chain A~B, B~C without A~C is not.
Pairs are compared within one ``account_id`` when the file has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from opsrca.errors import InputError
from opsrca.listings import advice
from opsrca.listings.choices import Rule
from opsrca.listings.io import LINE, alias_map, read_table, require

SCORED_DIMENSIONS = ("region", "age")
DIMENSIONS = ("region", "age", "gender")
_SUM_TOLERANCE = 0.5  # percent points a share total may be off before we warn


@dataclass
class OverlapResult:
    """Flagged pairs and groups (one frame, ``kind`` says which) and notes."""

    findings: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def histogram_overlap(shares: np.ndarray) -> np.ndarray:
    """Pairwise Σ min(p, q) of the rows of a (shops x buckets) percent matrix."""
    return np.minimum(shares[:, None, :], shares[None, :, :]).sum(axis=-1)


def combine(region: np.ndarray, age: np.ndarray, rule: Rule | str) -> np.ndarray:
    """Combined overlap of region and age under ``rule`` (see module docstring)."""
    rule = Rule(rule)
    if rule is Rule.all:
        return np.minimum(region, age)
    if rule is Rule.any:
        return np.maximum(region, age)
    return (region + age) / 2


def maximal_cliques(adjacency: dict[str, set[str]]) -> list[list[str]]:
    """Maximal cliques (Bron-Kerbosch with pivot); shop graphs are small."""
    out: list[list[str]] = []

    def expand(r: set[str], p: set[str], x: set[str]) -> None:
        if not p and not x:
            out.append(sorted(r))
            return
        pivot = max(p | x, key=lambda v: len(adjacency[v] & p))
        for v in sorted(p - adjacency[pivot]):
            expand(r | {v}, p & adjacency[v], x & adjacency[v])
            p = p - {v}
            x = x | {v}

    expand(set(), set(adjacency), set())
    return sorted(out, key=lambda c: (-len(c), c))


def _dimension_expr() -> pl.Expr:
    mapping = alias_map("dimensions")
    key = pl.col("dimension").str.strip_chars().str.to_lowercase()
    return key.replace_strict(mapping, default=key)


def load_profiles(source: pl.DataFrame | Path | str) -> tuple[pl.DataFrame, list[str], str]:
    """Long frame ``account_id, shop_id, dimension, bucket, share`` (percent, summing to 100)."""
    if isinstance(source, pl.DataFrame):
        frame, name = source.with_columns(pl.all().cast(pl.String)), "<frame>"
        if LINE not in frame.columns:
            frame = frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    else:
        frame, name = read_table(source, "profiles"), str(source)
    require(frame, ["shop_id", "dimension"], name, "visitor-profile")
    if "account_id" not in frame.columns:
        frame = frame.with_columns(account_id=pl.lit(""))
    value = (
        "share" if "share" in frame.columns else "visitors" if "visitors" in frame.columns else None
    )
    if "bucket" not in frame.columns:  # wide export: one column per bucket
        buckets = [
            c for c in frame.columns if c not in {"account_id", "shop_id", "dimension", LINE}
        ]
        if not buckets:
            require(frame, ["bucket", "share"], name, "visitor-profile")
        frame = frame.unpivot(
            on=buckets,
            index=["account_id", "shop_id", "dimension", LINE],
            variable_name="bucket",
            value_name="share",
        )
        value = "share"
    if value is None:
        require(frame, ["share"], name, "visitor-profile")
    raw = pl.col(value).str.strip_chars().str.strip_suffix("%")
    frame = frame.with_columns(_v=raw.cast(pl.Float64, strict=False), _raw=pl.col(value))
    bad = frame.filter(
        (
            pl.col("_raw").is_not_null()
            & (pl.col("_raw").str.strip_chars() != "")
            & pl.col("_v").is_null()
        )
        | (pl.col("_v") < 0)
    )
    if bad.height:
        shown = "; ".join(
            f"line {ln}: {value}={v!r}" for ln, v in bad.select(LINE, "_raw").head(5).rows()
        )
        raise InputError(
            f"{name}: {bad.height} {value} value(s) negative or not a number ({shown}); "
            f"fix them in the export (percent like 12.5 or 12.5%) and retry"
        )
    frame = frame.with_columns(
        account_id=pl.col("account_id").fill_null(""),
        dimension=_dimension_expr(),
        _v=pl.col("_v").fill_null(0.0),
    )
    frame = frame.group_by(
        ["account_id", "shop_id", "dimension", "bucket"], maintain_order=True
    ).agg(_v=pl.col("_v").sum())
    totals = frame.group_by(["account_id", "shop_id", "dimension"], maintain_order=True).agg(
        total=pl.col("_v").sum()
    )
    notes: list[str] = []
    expect = 100.0 if value == "share" else None
    if expect is not None:
        off = totals.filter((pl.col("total") - expect).abs() > _SUM_TOLERANCE)
        for _acc, shop, dim, total in off.head(20).rows():
            notes.append(
                f"warning: {name}: shares of shop {shop!r} dimension {dim!r} sum to {total:g}, not 100; renormalized"
            )
        if off.height > 20:
            notes.append(
                f"warning: {name}: {off.height - 20} more shop/dimension totals renormalized"
            )
    frame = frame.join(totals, on=["account_id", "shop_id", "dimension"]).with_columns(
        share=pl.when(pl.col("total") > 0).then(pl.col("_v") / pl.col("total") * 100).otherwise(0.0)
    )
    return frame.select("account_id", "shop_id", "dimension", "bucket", "share"), notes, name


def _pairs_for_dimension(frame: pl.DataFrame, dim: str) -> pl.DataFrame:
    """Pairwise overlaps (account_id, shop_a, shop_b, overlap) of one dimension."""
    schema = {
        "account_id": pl.String,
        "shop_a": pl.String,
        "shop_b": pl.String,
        f"{dim}_overlap": pl.Float64,
    }
    parts: list[pl.DataFrame] = []
    sub = frame.filter(pl.col("dimension") == dim)
    for (acc,), grp in sub.group_by("account_id", maintain_order=True):  # one per account
        wide = grp.pivot(
            on="bucket", index="shop_id", values="share", aggregate_function="sum"
        ).fill_null(0.0)
        shops = wide["shop_id"].to_numpy()
        mat = wide.drop("shop_id").to_numpy().astype(np.float64)
        ov = histogram_overlap(mat)
        i, j = np.triu_indices(len(shops), k=1)
        parts.append(
            pl.DataFrame(
                {
                    "account_id": [acc] * len(i),
                    "shop_a": shops[i].astype(str),
                    "shop_b": shops[j].astype(str),
                    f"{dim}_overlap": np.round(ov[i, j], 4),
                },
                schema=schema,
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _ordered(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.with_columns(
            a=pl.min_horizontal("shop_a", "shop_b"), b=pl.max_horizontal("shop_a", "shop_b")
        )
        .drop("shop_a", "shop_b")
        .rename({"a": "shop_a", "b": "shop_b"})
    )


def find_overlaps(
    profiles: pl.DataFrame | Path | str, /, *, threshold: float = 80.0, rule: Rule | str = Rule.all
) -> OverlapResult:
    """Flag shop pairs and cliques (>= 3 shops) whose visitor profiles overlap above ``threshold``."""
    if not 0 <= threshold <= 100:
        raise InputError(f"--threshold must be between 0 and 100, got {threshold!r}")
    rule = Rule(rule)
    frame, notes, name = load_profiles(profiles)
    present = frame.select("account_id", "shop_id", "dimension").unique()
    shops = present.select("account_id", "shop_id").unique()
    for dim in SCORED_DIMENSIONS:
        have = present.filter(pl.col("dimension") == dim).select("account_id", "shop_id")
        missing = shops.join(have, on=["account_id", "shop_id"], how="anti").sort("shop_id")
        if missing.height:
            notes.append(
                f"warning: {name}: shop(s) {', '.join(missing['shop_id'])} have no {dim!r} distribution; "
                f"their pairs are not scored (export the {dim} profile too)"
            )
    pairs: pl.DataFrame | None = None
    for dim in DIMENSIONS:
        part = _ordered(_pairs_for_dimension(frame, dim))
        pairs = (
            part
            if pairs is None
            else pairs.join(part, on=["account_id", "shop_a", "shop_b"], how="full", coalesce=True)
        )
    assert pairs is not None
    scored = pairs.drop_nulls(["region_overlap", "age_overlap"])
    comb = combine(scored["region_overlap"].to_numpy(), scored["age_overlap"].to_numpy(), rule)
    scored = scored.with_columns(combined=pl.Series(np.round(comb, 4))).filter(
        pl.col("combined") > threshold
    )
    rc, fix_zh, fix_en = advice.check_fix("overlap")
    pair_rows = scored.select(
        kind=pl.lit("pair"),
        shops=pl.concat_str(["shop_a", "shop_b"], separator=","),
        account_id="account_id",
        region_overlap="region_overlap",
        age_overlap="age_overlap",
        gender_overlap="gender_overlap",
        combined="combined",
    )
    groups = _groups(scored)
    out = pl.concat([pair_rows, groups], how="vertical_relaxed").with_columns(
        rule=pl.lit(rule.value), root_cause=pl.lit(rc), fix_zh=pl.lit(fix_zh), fix_en=pl.lit(fix_en)
    )
    out = out.sort(["kind", "combined"], descending=[False, True])  # groups first
    return OverlapResult(findings=out, notes=notes)


def _groups(flagged: pl.DataFrame) -> pl.DataFrame:
    """Maximal cliques of >= 3 shops in the flagged-pair graph, with their weakest overlaps."""
    rows: list[dict[str, object]] = []
    for (acc,), grp in flagged.group_by("account_id", maintain_order=True):
        adj: dict[str, set[str]] = {}
        for a, b in grp.select("shop_a", "shop_b").iter_rows():  # edges of a small shop graph
            adj.setdefault(a, set()).add(b)
            adj.setdefault(b, set()).add(a)
        for clique in maximal_cliques(adj):
            if len(clique) < 3:
                continue
            inner = grp.filter(pl.col("shop_a").is_in(clique) & pl.col("shop_b").is_in(clique))
            rows.append(
                {
                    "kind": "group",
                    "shops": ",".join(clique),
                    "account_id": acc,
                    "region_overlap": inner["region_overlap"].min(),
                    "age_overlap": inner["age_overlap"].min(),
                    "gender_overlap": inner["gender_overlap"].min(),
                    "combined": inner["combined"].min(),
                }
            )
    schema = {
        "kind": pl.String,
        "shops": pl.String,
        "account_id": pl.String,
        "region_overlap": pl.Float64,
        "age_overlap": pl.Float64,
        "gender_overlap": pl.Float64,
        "combined": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
