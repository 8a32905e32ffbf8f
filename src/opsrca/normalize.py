"""Message normalizer: turn an error message into a template by masking its volatile parts.

Classification works once per template rather than per row, so the masks decide how much
work a dump costs. The masks are data (``opsrca/data/masks.toml``: ordered name, regex,
placeholder) applied with Polars' vectorized regex engine; the one-message function uses
the same engine so both paths always agree.

Normalizing is idempotent (``template(template(x)) == template(x)``): placeholders contain
no digits or mask characters, raw input is clipped before masking and the template is
clipped on a word boundary afterwards.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file

__all__ = [
    "MAX_TEMPLATE_CHARS",
    "Mask",
    "fold_digits",
    "load_masks",
    "template",
    "template_expr",
    "templates",
]

RAW_CLIP_CHARS = 4096
"""Only the head of a message is read: root causes are stated first, 1 MB bodies are noise."""
MAX_TEMPLATE_CHARS = 1000


@dataclass(frozen=True)
class Mask:
    """One ordered mask: ``regex`` matches are replaced with ``replace`` (may use ``${1}``)."""

    name: str
    regex: str
    replace: str
    example: str
    expect: str


@lru_cache(maxsize=8)
def load_masks(path: Path | None = None) -> tuple[Mask, ...]:
    """Read the ordered masks from ``masks.toml`` (the shipped one by default)."""
    source = path or data_file("masks.toml")
    try:
        with open(source, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read masks file {str(source)!r}: {exc}") from exc
    masks: list[Mask] = []
    for i, entry in enumerate(raw.get("mask", []), start=1):
        try:
            masks.append(
                Mask(
                    name=str(entry["name"]),
                    regex=str(entry["regex"]),
                    replace=str(entry["replace"]),
                    example=str(entry["example"]),
                    expect=str(entry["expect"]),
                )
            )
        except KeyError as exc:
            raise ConfigError(
                f"{source}: mask #{i} lacks field {exc.args[0]!r} "
                "(needs name, regex, replace, example, expect)"
            ) from exc
    if not masks:
        raise ConfigError(f"{source}: no [[mask]] entries")
    return tuple(masks)


def template_expr(expr: pl.Expr, masks: tuple[Mask, ...] | None = None) -> pl.Expr:
    """Polars expression computing the template of a String expression (null -> "")."""
    out = expr.cast(pl.String).fill_null("").str.slice(0, RAW_CLIP_CHARS)
    for mask in masks or load_masks():
        out = out.str.replace_all(mask.regex, mask.replace)
    out = out.str.strip_chars()
    # Clip long templates on a word boundary, so a clipped word never becomes a new match.
    clipped = out.str.slice(0, MAX_TEMPLATE_CHARS).str.replace(r"\S*$", "").str.strip_chars()
    return pl.when(out.str.len_chars() > MAX_TEMPLATE_CHARS).then(clipped).otherwise(out)


def fold_digits(expr: pl.Expr) -> pl.Expr:
    """Every ASCII digit replaced by ``1``: the template does not change (masks only care
    whether a character is a digit, and every digit ends inside a placeholder), but messages
    differing only in their ids collapse, so fewer unique messages need the masks."""
    return expr.str.replace_all("[0-9]", "1")


def templates(messages: pl.Series, *, masks: tuple[Mask, ...] | None = None) -> pl.Series:
    """Templates of a Series of messages (vectorized; nulls give "")."""
    frame = pl.DataFrame({"m": messages.cast(pl.String, strict=False)})
    return frame.select(template_expr(pl.col("m"), masks).alias(messages.name or "template"))[
        messages.name or "template"
    ]


def _as_text(message: object) -> str:
    """Any value as valid UTF-8 text: bytes decoded leniently, lone surrogates replaced."""
    if message is None:
        return ""
    if isinstance(message, bytes | bytearray | memoryview):
        text = bytes(message).decode("utf-8", errors="replace")
    else:
        text = message if isinstance(message, str) else str(message)
    return text.encode("utf-8", errors="replace").decode("utf-8")


def template(message: object) -> str:
    """Template of one message; never raises (bytes, None, numbers and huge text welcome)."""
    text = _as_text(message)
    return str(templates(pl.Series("m", [text], dtype=pl.String))[0])
