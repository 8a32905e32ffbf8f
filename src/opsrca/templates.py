"""Templates: the unit of work and of storage.

A template is what decides a root cause: the masked message (``normalize``) plus the
structured fields that rules and model read (platform, HTTP status, codes, quota flag,
garbage flag). Every failed event gets a ``template_id`` — a stable hash of those keys —
in the same pass that parses it, so classification, storage and reports work once per
template (thousands) instead of once per event (millions).

The hash is computed once per distinct key (not per row) and is stable across processes,
Polars versions and machines (BLAKE2b of a canonical text of the keys), so ids written by
ingest today still match the ids a later ``classify`` or a Spark job computes.
"""

from __future__ import annotations

import hashlib

import polars as pl

from opsrca.classify.keys import DECISION_KEYS
from opsrca.normalize import (
    CONTEXT_COLUMNS,
    MIN_CONTEXT_CHARS,
    RAW_CLIP_CHARS,
    clip,
    context_from_columns,
    mask_context,
    prefold,
    template_expr,
)

__all__ = [
    "DECISION_KEYS",
    "RAW_COLUMNS",
    "add_keys",
    "key_ids",
    "template_keys",
]

RAW_COLUMNS: tuple[str, ...] = (
    "message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "rate_limit_remaining",
    "shop_id",
    "shop_name",
    "item_code",
)
"""The event columns the decision keys are computed from (shop and item are context: found
in the event's own message they are masked, see ``normalize.CONTEXT_COLUMNS``)."""

_CODE_IN_TEXT = (
    r"(?i)(?:^|[^a-z_])\"?(?:error_?code|err_?code|errcode|err_?no|errno|code)\"?\s*[:=]\s*\"?"
    r"(-?[0-9]{1,10})(?:[^0-9.]|$)"
)
GARBAGE_SHARE = 0.2
"""Share of control / replacement characters above which a message counts as binary."""


def _text(columns: list[str], name: str) -> pl.Expr:
    """A code-like column as trimmed text; "" becomes null."""
    if name not in columns:
        return pl.lit(None, dtype=pl.String).alias(name)
    value = pl.col(name).cast(pl.String, strict=False).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value).alias(name)


def _key_exprs(columns: list[str]) -> list[pl.Expr]:
    """Decision-key expressions; ``garbage`` here is only the binary-share test."""
    message = pl.col("message").cast(pl.String, strict=False).fill_null("")
    head = message.str.slice(0, RAW_CLIP_CHARS)
    bad = head.str.count_matches(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{fffd}]")
    garbage = (bad > head.str.len_chars() * GARBAGE_SHARE).alias("garbage")
    status = (
        pl.col("http_status").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
        if "http_status" in columns
        else pl.lit(None, dtype=pl.Int64)
    )
    remaining = (
        pl.col("rate_limit_remaining").cast(pl.Float64, strict=False)
        if "rate_limit_remaining" in columns
        else pl.lit(None, dtype=pl.Float64)
    )
    return [
        template_expr(pl.col("message"), context=context_from_columns(columns)).alias("template"),
        _text(columns, "platform").str.to_lowercase().alias("platform"),
        status.alias("http_status"),
        # A code written in the message (`code=15`, `"error_code":30002`) when the export has no
        # code column: masking turns it into <NUM>, so the key keeps it for knowledge-base lookups.
        pl.coalesce(_text(columns, "error_code"), head.str.extract(_CODE_IN_TEXT, 1)).alias(
            "error_code"
        ),
        _text(columns, "sub_code"),
        (remaining <= 0).alias("rate_limit_exhausted"),
        garbage,
    ]


def add_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (with ``message`` and any of platform, http_status, error_code, sub_code,
    rate_limit_remaining) plus the decision-key columns; those fields are replaced by their
    normalized form."""
    return (
        frame.lazy()
        .with_columns(_key_exprs(frame.columns))
        .with_columns(
            # Text-free: nothing but placeholders, digits and punctuation is left.
            pl.col("garbage")
            | ~pl.col("template").str.replace_all(r"<[A-Z]+>", "").str.contains(r"\p{L}")
        )
        .collect(engine="streaming")
    )


def key_ids(keys: pl.DataFrame) -> pl.Series:
    """Stable ``template_id`` (16 hex characters) of each row of decision keys."""
    canon = keys.select(
        pl.concat_str(
            [
                pl.col(k).cast(pl.String).fill_null("\x00") if k in keys.columns else pl.lit("\x00")
                for k in DECISION_KEYS
            ],
            separator="\x1f",
        ).alias("k")
    )["k"]
    ids = [hashlib.blake2b(s.encode(), digest_size=8).hexdigest() for s in canon.to_list()]
    return pl.Series("template_id", ids, dtype=pl.String)


def _remaining_class(remaining: pl.Expr) -> pl.Expr:
    """The rate-limit count as the key reads it: exhausted ("0"), not ("1") or unknown (null).

    The raw count takes a thousand values; only ``<= 0`` decides, so rows that differ only in
    the count share one distinct combination before the masks run.
    """
    value = remaining.cast(pl.String, strict=False).cast(pl.Float64, strict=False)
    return pl.when(value <= 0).then(pl.lit("0")).when(value.is_not_null()).then(pl.lit("1"))


def _own_context_masked(frame: pl.DataFrame) -> pl.Series:
    """The clipped message with the row's own shop / item values masked (``mask_context``),
    computed only on the rows that contain one: a literal per-row ``contains`` is ~100x
    cheaper than the split-and-join that replaces it, and few messages name their shop."""
    message = clip(pl.col("message"))
    context = context_from_columns(frame.columns)
    if not context:
        return frame.select(message)["message"]
    found = pl.lit(False)
    for values in context.values():
        for value in values:
            needle = value.cast(pl.String).str.strip_chars().fill_null("")
            found = found | (
                (needle.str.len_chars() >= MIN_CONTEXT_CHARS)
                & message.str.contains(needle, literal=True)
            )
    marked = frame.with_columns(message.alias("message"), found.alias("__ctx"))
    idx = marked["__ctx"].fill_null(False).arg_true()
    out = marked["message"]
    if idx.len() == 0:
        return out
    fixed = marked[idx].select(mask_context(pl.col("message"), context))["message"]
    return out.scatter(idx, fixed)


def template_keys(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(frame + template_id, one row per template_id with its decision keys)``.

    Rows are reduced to distinct raw values first (the message prefolded with the row's own
    shop and item masked: rows that differ only in ids share a template anyway), so the
    masks run once per distinct message shape and the hash once per template.
    """
    raw = [c for c in RAW_COLUMNS if c in frame.columns and c not in CONTEXT_COLUMNS]
    tags = [f"__r_{c}" for c in raw]
    # The folds are a few regex passes over every row: run on the streaming engine, they
    # spread over the cores (one select over one column runs on one; 3.5M messages 5.2 -> 3.7 s
    # with a test suite on the other core).
    own = frame.select(raw).with_columns(
        _own_context_masked(frame).alias("message") if "message" in raw else []
    )
    tagged = (
        own.lazy()
        .select(
            (
                prefold(pl.col("message"))
                if c == "message"
                else _remaining_class(pl.col(c))
                if c == "rate_limit_remaining"
                else pl.col(c).cast(pl.String, strict=False)
            ).alias(t)
            for c, t in zip(raw, tags, strict=True)
        )
        .collect(engine="streaming")
    )
    combos = tagged.lazy().unique().collect(engine="streaming")
    keyed = add_keys(combos.rename(dict(zip(tags, raw, strict=True))))
    keyed = keyed.with_columns(pl.Series(k, combos[k]) for k in tags)
    # Many raw combinations share one template: hash each distinct key once.
    keys = keyed.select(DECISION_KEYS).unique()
    keys = keys.select(key_ids(keys), *DECISION_KEYS)
    lookup = keyed.join(keys, on=list(DECISION_KEYS), how="left", nulls_equal=True).select(
        *tags, "template_id"
    )
    # Streamed: the hash tables of a 10M-row in-memory join would double the peak memory.
    ids = (
        tagged.lazy()
        .join(lookup.lazy(), on=tags, how="left", nulls_equal=True, maintain_order="left")
        .select("template_id")
        .collect(engine="streaming")
    )
    # Only the id column is joined back: the frame's own columns are never copied.
    return frame.with_columns(ids["template_id"]), keys


def with_template_ids(frame: pl.DataFrame, *, failed_only: bool = True) -> pl.DataFrame:
    """``frame`` plus ``template_id``; with ``failed_only`` success rows get null (they are
    never classified, so templating them would be wasted work)."""
    frame = frame.drop("template_id", strict=False)
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.String).alias("template_id"))
    if not failed_only or "is_error" not in frame.columns:
        return template_keys(frame)[0]
    index = "__row"
    numbered = frame.with_row_index(index)
    failed = numbered.filter(pl.col("is_error").fill_null(False))
    ids = template_keys(failed.select(index, *[c for c in RAW_COLUMNS if c in frame.columns]))[0]
    return numbered.join(
        ids.select(index, "template_id"), on=index, how="left", maintain_order="left"
    ).drop(index)
