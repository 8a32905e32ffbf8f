"""Knowledge base of documented platform error codes (``opsrca/data/kb/*.csv``).

Each row is ``platform, code, sub_code, message, category, source``: an error the platform
documents, its category (labeled with the labeling guide) and where it is documented (a URL or
a repository path). The rows serve twice: as exact lookups in the decision (a documented code
decides like a rule, with the source as evidence, ``hybrid.decide``) and as training rows.

A lookup key is used only when the knowledge base gives it one category: a code that the
platform overloads (TikTok Shop ``36009004``) is left to rules and the model. The guide labels
TOP envelopes by their sub code, so an event that carries a sub code is looked up by it
(with its code, then alone) and never by its bare envelope code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz

from opsrca.classify.keys import key_columns
from opsrca.classify.taxonomy import label_ids
from opsrca.errors import ConfigError
from opsrca.paths import data_file, files_sha256

__all__ = [
    "KB_COLUMNS",
    "KB_CONFIDENCE",
    "KB_PRIORITY",
    "apply_kb",
    "code_decides",
    "kb_sha256",
    "kb_training_rows",
    "load_kb",
    "shared_code_yields",
]

KB_COLUMNS: tuple[str, ...] = ("platform", "code", "sub_code", "message", "category", "source")
KB_CONFIDENCE = 0.98
KB_PRIORITY = 83
"""Rules above this priority outrank a documented code: face verification (491/492, the
platform documents that it outranks parameter errors) and the 429 precedence (quota header,
IP ban, expired token). Rules at or below it are text patterns, which a documented code
outranks."""

# A code decides alone only where it names one error. `other` (every ERP, SDK and gateway) and
# `qimen` (every WMS behind the gateway) gather many vendors, whose bare numbers of up to four
# digits (-1, 1001, HTTP statuses) mean different things from vendor to vendor; and an HTTP status
# is the outer envelope, which the labeling guide never labels by. TOP's own numeric codes stay.
_MANY_VENDORS = ("other", "qimen")
# Longer codes on those platforms decide too, but a code documented by one vendor may be another
# vendor's (WeChat's `300018` image error against Kuaishou's documented `300018` refund status):
# there the message, which means the same whoever sends it, outranks the code when the model
# reads it confidently as a category the documented code is not even the runner-up of.
KB_DISSENT = 0.5
TEXT_AGREES = 90  # rapidfuzz partial_ratio of a documented message inside the event's template
_SHORT_NUMBER = r"^-?\d{1,4}$"
_HTTP_STATUS = r"^[1-5]\d\d$"
_OWN_NUMBERS = ("taobao",)

# Codes written inside the message when the export has no code columns (real pasted errors).
_SUB_IN_TEXT = r"(?i)\b((?:isv|isp)\.[a-z0-9_.\-]*[a-z0-9])"
# A masked sub code (`"sub_code": "<NUM>"`) still says the envelope is not the error: it keeps
# the event from a lookup by its bare envelope code, and matches no documented row itself.
_SUB_FIELD = r"(?i)sub_?code[\"'\s]*[:=]\s*[\"']?(<[a-z]+>|[a-z0-9_.\-]+)"


def kb_dir() -> Path:
    """The folder of the shipped knowledge-base files."""
    return data_file("kb")


def _clean(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.strip_chars().replace("", None)


def _read(path: Path, labels: set[str]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ConfigError(f"cannot read knowledge-base file {str(path)!r}: {exc}") from exc
    if tuple(frame.columns) != KB_COLUMNS:
        raise ConfigError(f"{str(path)!r}: header {frame.columns}; expected {list(KB_COLUMNS)}")
    frame = frame.with_columns(
        _clean("platform").str.to_lowercase(),
        _clean("code"),
        _clean("sub_code").str.to_lowercase(),
        _clean("message"),
        _clean("category"),
        _clean("source"),
    ).with_row_index("line", offset=2)
    for col in ("platform", "category", "source"):
        empty = frame.filter(pl.col(col).is_null())
        if empty.height:
            raise ConfigError(f"{str(path)!r} line {empty['line'][0]}: {col} is empty")
    bad = frame.filter(~pl.col("category").is_in(sorted(labels)))
    if bad.height:
        raise ConfigError(
            f"{str(path)!r} line {bad['line'][0]}: category {bad['category'][0]!r} "
            "is not a taxonomy id"
        )
    return frame.with_columns(pl.lit(path.name).alias("file"))


@lru_cache(maxsize=4)
def load_kb(folder: Path | None = None) -> pl.DataFrame:
    """Every row of every ``*.csv`` in the knowledge-base folder, checked against the taxonomy.

    Columns: ``KB_COLUMNS`` plus ``file`` and ``line`` (for messages that name the row).
    """
    src = folder or kb_dir()
    files = sorted(src.glob("*.csv")) if src.is_dir() else []
    labels = set(label_ids())
    frames = [_read(path, labels) for path in files]
    if not frames:
        return pl.DataFrame(
            schema={**dict.fromkeys(KB_COLUMNS, pl.String), "line": pl.UInt32, "file": pl.String}
        )
    return pl.concat(frames, how="vertical")


def kb_sha256(folder: Path | None = None) -> str:
    """Hash of the knowledge-base files (recorded in a model's manifest)."""
    src = folder or kb_dir()
    return files_sha256(sorted(src.glob("*.csv")) if src.is_dir() else [])


def code_decides() -> pl.Expr:
    """True where a row's ``code`` may decide a lookup without a sub code (see ``_MANY_VENDORS``)."""
    code = pl.col("code")
    platform = pl.col("platform")
    shared = platform.is_in(_MANY_VENDORS) & code.str.contains(_SHORT_NUMBER)
    status = ~platform.is_in(_OWN_NUMBERS) & code.str.contains(_HTTP_STATUS)
    return code.is_not_null() & ~shared & ~status


def _text_agrees(template: str, documented: list[str]) -> bool:
    """Does the event's text carry one of the messages documented for its code? Then the code
    is the documenting vendor's own, whatever the platform column says."""
    text = template.lower()
    return any(
        fuzz.partial_ratio(doc.lower(), text) >= TEXT_AGREES for doc in documented if doc.strip()
    )


def shared_code_yields() -> pl.Expr:
    """True where a documented code of a many-vendor platform yields to the model's reading of
    the message (``KB_DISSENT``): over decision verdicts with the model columns. A code whose
    documented message the event carries never yields."""
    model = pl.col("model_label")
    return (
        pl.col("platform").str.to_lowercase().is_in(_MANY_VENDORS)
        & ~pl.col("kb_text_agrees").fill_null(False)
        & (pl.col("model_confidence") >= KB_DISSENT)
        & (model != pl.col("kb_label"))
        & (pl.col("model_label_2").fill_null("") != pl.col("kb_label"))
    ).fill_null(False)


def _unambiguous(kb: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """One row per lookup key that the knowledge base gives exactly one category."""
    return (
        kb.group_by(keys, maintain_order=True)
        .agg(
            pl.col("category").n_unique().alias("n"),
            pl.col("category").first().alias("kb_label"),
            pl.col("source").first().alias("kb_source"),
            pl.col("message").first().alias("kb_message"),
            pl.col("message").drop_nulls().unique(maintain_order=True).alias("kb_messages"),
        )
        .filter(pl.col("n") == 1)
        .drop("n")
    )


@lru_cache(maxsize=4)
def _lookups(folder: Path | None = None) -> dict[str, pl.DataFrame]:
    kb = load_kb(folder).select("platform", "code", "sub_code", "message", "category", "source")
    with_sub = kb.filter(pl.col("sub_code").is_not_null())
    return {
        "exact": _unambiguous(
            with_sub.filter(pl.col("code").is_not_null()), ["platform", "code", "sub_code"]
        ),
        "sub": _unambiguous(with_sub, ["platform", "sub_code"]),
        "code": _unambiguous(
            kb.filter(pl.col("sub_code").is_null() & code_decides()), ["platform", "code"]
        ),
    }


def apply_kb(keys: pl.DataFrame, *, folder: Path | None = None) -> pl.DataFrame:
    """Add ``kb_id, kb_label, kb_reason`` (nulls where no documented code decides).

    The event's sub code is its ``sub_code`` key, else an ``isv.*``/``isp.*`` code or a
    ``sub_code=…`` field written in its template.
    """
    frame = keys.with_columns(key_columns(keys.columns))
    code = pl.col("error_code").cast(pl.String).str.strip_chars().replace("", None)
    sub = pl.coalesce(
        pl.col("sub_code").str.strip_chars().replace("", None),
        pl.col("template").str.extract(_SUB_FIELD, 1),
        pl.col("template").str.extract(_SUB_IN_TEXT, 1),
    ).str.to_lowercase()
    probe = frame.select(
        pl.col("platform").str.to_lowercase().alias("platform"),
        code.alias("code"),
        sub.alias("sub_code"),
    ).with_row_index("__i")
    tables = _lookups(folder)
    found = []
    for level, on in (
        ("exact", ["platform", "code", "sub_code"]),
        ("sub", ["platform", "sub_code"]),
        ("code", ["platform", "code"]),
    ):
        rows = probe if level != "code" else probe.filter(pl.col("sub_code").is_null())
        hit = rows.join(tables[level], on=on, how="inner").with_columns(
            pl.lit(level).alias("level")
        )
        found.append(
            hit.select(
                "__i",
                "platform",
                "code",
                "sub_code",
                "kb_label",
                "kb_source",
                "kb_message",
                "kb_messages",
                "level",
            )
        )
    rank = {"exact": 0, "sub": 1, "code": 2}
    hits = (
        pl.concat(found)
        .with_columns(pl.col("level").replace_strict(rank, return_dtype=pl.Int8).alias("rank"))
        .sort("__i", "rank")
        .unique("__i", keep="first")
    )
    named = pl.concat_str(
        [
            pl.col("platform"),
            pl.when(pl.col("level") == "sub").then(None).otherwise(pl.col("code")),
            pl.when(pl.col("level") == "code").then(None).otherwise(pl.col("sub_code")),
        ],
        separator="/",
        ignore_nulls=True,
    )
    # only the keys a code matched (few) are compared, not every template
    templates = frame["template"].fill_null("").gather(hits["__i"]).to_list()
    agrees = [
        _text_agrees(text, docs)
        for text, docs in zip(templates, hits["kb_messages"].to_list(), strict=True)
    ]
    hits = hits.with_columns(pl.Series("kb_text_agrees", agrees, dtype=pl.Boolean))
    hits = hits.select(
        "__i",
        "kb_text_agrees",
        (pl.lit("kb:") + named).alias("kb_id"),
        "kb_label",
        (
            pl.lit("documented code ")
            + named
            + pl.lit(": ")
            + pl.col("kb_message").fill_null("").str.slice(0, 120)
            + pl.lit(" (source: ")
            + pl.col("kb_source")
            + pl.lit(")")
        ).alias("kb_reason"),
    )
    joined = probe.select("__i").join(hits, on="__i", how="left", maintain_order="left")
    return keys.with_columns(
        joined["kb_id"], joined["kb_label"], joined["kb_reason"], joined["kb_text_agrees"]
    )


def kb_training_rows(folder: Path | None = None) -> pl.DataFrame:
    """Knowledge-base rows in the labeled-data shape (message, label, platform, error_code,
    sub_code, source, group): the documented message is a training row. Each platform's
    rows form one source family, so leave-one-source-out holds out a whole platform."""
    kb = load_kb(folder).filter(pl.col("message").is_not_null())
    return kb.select(
        "message",
        pl.col("category").alias("label"),
        "platform",
        pl.col("code").alias("error_code"),
        "sub_code",
        (pl.lit("kb:") + pl.col("platform")).alias("source"),
        pl.lit(None, pl.String).alias("group"),
    )
