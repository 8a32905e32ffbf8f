"""Message normalizer: turn an error message into a template by masking its volatile parts.

Classification works once per template rather than per row, so the masks decide how much
work a dump costs. The masks are data (``opsrca/data/masks.toml``: ordered name, regex,
placeholder) applied with Polars' vectorized regex engine; the one-message function uses
the same engine so both paths always agree.

Normalizing is idempotent (``template(template(x)) == template(x)``): placeholders contain
no digits or mask characters, raw input is clipped before masking and the template is
clipped on a word boundary afterwards.

Two helpers keep big dumps cheap: ``mask_context`` replaces the event's own shop, seller and
item values in its message (they are ids too, just not id-shaped), and ``prefold`` rewrites
id-shaped tokens to one canonical token per class so messages that differ only in their ids
collapse *before* the masks run, without changing any template.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file

__all__ = [
    "CONTEXT_COLUMNS",
    "MAX_TEMPLATE_CHARS",
    "Mask",
    "clip",
    "context_from_columns",
    "load_masks",
    "mask_context",
    "prefold",
    "template",
    "template_expr",
    "templates",
]

RAW_CLIP_CHARS = 4096
"""Only the head of a message is read: root causes are stated first, 1 MB bodies are noise."""
MAX_TEMPLATE_CHARS = 1000
MIN_CONTEXT_CHARS = 2
"""A context value shorter than this (a one-letter shop code) would eat ordinary text."""

CONTEXT_COLUMNS: dict[str, str] = {
    "shop_id": "<SHOP>",
    "shop_name": "<SHOP>",
    "seller_nick": "<NICK>",
    "item_code": "<ITEM>",
}
"""Event columns whose value, found literally in the event's own message, is masked."""

Context = Mapping[str, pl.Expr | Sequence[pl.Expr]]
"""Placeholder -> the expression(s) holding each row's own value for it."""


@dataclass(frozen=True)
class Mask:
    """One ordered mask: ``regex`` matches are replaced with ``replace`` (may use ``${1}``)."""

    name: str
    regex: str
    replace: str
    example: str
    expect: str


def _surnames() -> str:
    """``{{surnames}}`` of masks.toml: the surname list as a regex alternation."""
    lines = data_file("surnames.txt").read_text(encoding="utf-8").splitlines()
    names = [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]
    return "|".join(sorted(names, key=len, reverse=True))


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
            regex = str(entry["regex"])
            if "{{surnames}}" in regex:
                regex = regex.replace("{{surnames}}", _surnames())
            masks.append(
                Mask(
                    name=str(entry["name"]),
                    regex=regex,
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


def clip(expr: pl.Expr) -> pl.Expr:
    """The part of a message templates read: text, null as "", its first RAW_CLIP_CHARS."""
    return expr.cast(pl.String).fill_null("").str.slice(0, RAW_CLIP_CHARS)


def mask_context(expr: pl.Expr, context: Context) -> pl.Expr:
    """``expr`` with each row's own context values (shop name, seller nick, item code)
    replaced literally by their placeholder; values shorter than 2 characters are ignored.

    Polars cannot take a per-row pattern in ``str.replace_all`` ("dynamic pattern length"),
    so a row is split on its own value and joined with the placeholder.
    """
    out = expr
    for placeholder, values in context.items():
        for value in [values] if isinstance(values, pl.Expr) else values:
            needle = value.cast(pl.String).str.strip_chars().fill_null("")
            usable = needle.str.len_chars() >= MIN_CONTEXT_CHARS
            replaced = out.str.split(needle, literal=True).list.join(placeholder)
            out = pl.when(usable).then(replaced).otherwise(out)
    return out


def context_from_columns(columns: Sequence[str]) -> dict[str, list[pl.Expr]]:
    """The context of a frame with these columns (see ``CONTEXT_COLUMNS``)."""
    context: dict[str, list[pl.Expr]] = {}
    for column, placeholder in CONTEXT_COLUMNS.items():
        if column in columns:
            context.setdefault(placeholder, []).append(pl.col(column))
    return context


def template_expr(
    expr: pl.Expr,
    masks: tuple[Mask, ...] | None = None,
    *,
    context: Context | None = None,
) -> pl.Expr:
    """Polars expression computing the template of a String expression (null -> "").

    ``context`` maps a placeholder to the expression(s) holding each row's own value for it
    (``{"<SHOP>": pl.col("shop_id")}``); those values are masked before the regex masks.
    """
    out = clip(expr)
    if context:
        out = mask_context(out, context)
    for mask in masks or load_masks():
        out = out.str.replace_all(mask.regex, mask.replace)
    out = out.str.strip_chars()
    # Clip long templates on a word boundary, so a clipped word never becomes a new match.
    clipped = out.str.slice(0, MAX_TEMPLATE_CHARS).str.replace(r"\S*$", "").str.strip_chars()
    return pl.when(out.str.len_chars() > MAX_TEMPLATE_CHARS).then(clipped).otherwise(out)


# --- prefold ------------------------------------------------------------------------------
# A token is folded only when it stands between "hard" delimiters: whitespace, quotes,
# brackets, , ; or any non-ASCII character but 年月日 (dates read digits next to those).
# Between hard delimiters no mask reads a token's length or letters beyond its class, so
# swapping it for the canonical token of its class keeps the template. The delimiters are
# consumed and put back, so of two ids one delimiter apart only the first is folded in a
# pass. Canonical tokens are chosen outside their fold (a 9-character hex, a digit-led id,
# a UUID with a letter as version), so a second pass over the same text folds the rest.
# One class (not "...|[^\x00-\x7F年月日]"): non-ASCII but 年 U+5E74, 日 U+65E5, 月 U+6708.
_HARD = (
    r"""[\s"'<>,;()\[\]{}\x{80}-\x{5E73}\x{5E75}-\x{65E4}\x{65E6}-\x{6707}\x{6709}-\x{10FFFF}]"""
)


def _mixed(first: str, switch: str, rest: str, *, at_least: int = 10) -> str:
    """Tokens of >= ``at_least`` characters: a run of ``first``, one ``switch``, then ``rest``.

    Written by where the switch happens, so the regex engine's DFA stays small (a
    ``X*...X{8,}`` form would make it blow up).
    """
    n = at_least
    runs = [f"{first}{{{n - 1},}}{switch}{rest}*"]
    runs += [f"{first}{{{k}}}{switch}{rest}{{{n - 1 - k},}}" for k in range(1, n - 1)]
    return "|".join(runs)


def _digit_led_id() -> str:
    """10+ letters and digits led by digits, with a digit after a letter and the first letter
    not x: never a number with a unit or a size (3000ms, 800x600), which <NUM> takes."""
    w, letter = "[0-9A-Za-z]", "[a-wyzA-WYZ]"
    runs = [f"[0-9]{{9,}}{letter}[A-Za-z]*[0-9]{w}*"]
    for k in range(1, 9):
        rest = f"(?:[A-Za-z]*[0-9]{w}{{{8 - k},}}|{w}{{{8 - k},}}[0-9]{w}*)"
        runs.append(f"[0-9]{{{k}}}{letter}{rest}")
    return "|".join(runs)


_X = "[0-9a-fA-F]"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{fffd}]"
_HEX10 = _mixed("[0-9]", "[a-fA-F]", _X) + "|" + _mixed("[a-fA-F]", "[0-9]", _X)
_FOLDS: tuple[tuple[str, str], ...] = (
    # a UUID with a digit as its version nibble -> <UUID>
    (
        f"{_X}{{8}}-{_X}{{4}}-[0-9]{_X}{{3}}-{_X}{{4}}-{_X}{{12}}",
        "11111111-1111-a111-1111-111111111111",
    ),
    # padded base64 with a digit 6+ characters in and 7+ before the padding -> <B64>
    # (no '-': a UUID inside would be masked first)
    ("[+/-]*[A-Za-z0-9][A-Za-z0-9+/_]{5,}[0-9][A-Za-z0-9+/_]{7,}={1,2}", "AAAAAAAAAAAAA1=="),
    # 10+ hex characters mixing letters and digits -> <HEX>; twice, so none is left over
    (_HEX10, "1a1a1a1a1"),
    (_HEX10, "1a1a1a1a1"),
    # 10+ letters and digits (no hex one is left) -> <ID>
    (_mixed("[A-Za-z]", "[0-9]", "[0-9A-Za-z]") + "|" + _digit_led_id(), "1g1g1g1g1g"),
    # a number -> <NUM>
    ("[0-9]+", "1.1"),
)


def prefold(expr: pl.Expr, *, context: Context | None = None) -> pl.Expr:
    """A cheap rewrite with the same template: ``template(prefold(x)) == template(x)``.

    Ids make every row of a dump distinct, so deduping raw messages saves nothing; folded,
    the rows of one error collapse and the masks run once per distinct folded message.
    Six regex passes instead of all the masks. With ``context``, the event's own values are
    masked first (as ``template_expr`` does), so fold the message with the same context.
    """
    out = clip(expr)
    if context:
        out = mask_context(out, context)
    folded = out
    for token, canonical in _FOLDS:
        folded = folded.str.replace_all(
            f"(^|{_HARD})(?:{token})({_HARD}|$)", f"${{1}}{canonical}${{2}}"
        )
    # The classifier's binary test reads the share of control characters, which folding
    # would change: such (rare) messages are left as they are.
    return pl.when(out.str.contains(_CONTROL)).then(out).otherwise(folded)


def templates(
    messages: pl.Series,
    *,
    masks: tuple[Mask, ...] | None = None,
    context: Mapping[str, pl.Series | Sequence[pl.Series]] | None = None,
) -> pl.Series:
    """Templates of a Series of messages (vectorized; nulls give "").

    ``context`` maps a placeholder to row-aligned Series of each row's own value.
    """
    name = messages.name or "template"
    columns: dict[str, pl.Series] = {"m": messages.cast(pl.String, strict=False)}
    exprs: dict[str, list[pl.Expr]] = {}
    for placeholder, values in (context or {}).items():
        for series in [values] if isinstance(values, pl.Series) else values:
            key = f"c{len(columns)}"
            columns[key] = series.cast(pl.String, strict=False)
            exprs.setdefault(placeholder, []).append(pl.col(key))
    frame = pl.DataFrame(columns)
    return frame.select(template_expr(pl.col("m"), masks, context=exprs).alias(name))[name]


def _as_text(message: object) -> str:
    """Any value as valid UTF-8 text: bytes decoded leniently, lone surrogates replaced."""
    if message is None:
        return ""
    if isinstance(message, bytes | bytearray | memoryview):
        text = bytes(message).decode("utf-8", errors="replace")
    else:
        text = message if isinstance(message, str) else str(message)
    return text.encode("utf-8", errors="replace").decode("utf-8")


def template(message: object, *, context: Mapping[str, str | None] | None = None) -> str:
    """Template of one message; never raises (bytes, None, numbers and huge text welcome).

    ``context`` maps a placeholder to this message's own value (``{"<SHOP>": "kingdo"}``).
    """
    text = _as_text(message)
    ctx = {k: pl.Series([v], dtype=pl.String) for k, v in (context or {}).items()}
    return str(templates(pl.Series("m", [text], dtype=pl.String), context=ctx)[0])
