"""Masking of buyer personal data (phones, ID cards, e-mails, addresses) at ingest.

The patterns are data (``opsrca/data/pii.toml``), applied in order as vectorized
Polars ``str.replace_all`` expressions. Each pattern runs only on the rows its cheap
prefilter flags. (The prefilters joined into one alternation were measured slower than
scanning them one by one: counted digit runs blow up Rust-regex's lazy DFA.)

Values hide in encodings: ``%40`` for ``@``, ``\\u0040``, ``\\u``-escaped
Chinese, full-width digits ``１３８…``. Cells that contain such an encoding
(a cheap ``contains`` first) are decoded before matching; when the decoded
text holds PII, the decoded and masked text is stored, otherwise the cell is
left exactly as it was. Decoding keeps JSON valid: a quote, a backslash or a
control character is written back as its JSON escape, never raw.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file


@dataclass(frozen=True)
class PiiPattern:
    """One masking rule of ``pii.toml``."""

    name: str
    prefilter: str
    regex: str
    mask: str
    example: str
    expected: str
    keep: tuple[str, ...]
    prefilter_any: tuple[str, ...] = ()  # literals (ASCII case ignored) instead of ``prefilter``

    def flags(self, values: pl.Series) -> pl.Series:
        """Which cells may hold a match: a superset of the rows the full pattern changes."""
        if self.prefilter_any:
            hit = values.str.contains_any(list(self.prefilter_any), ascii_case_insensitive=True)
        else:
            hit = values.str.contains(self.prefilter)
        return hit.fill_null(False)

    @property
    def prefilter_key(self) -> tuple[str, ...]:
        """Patterns with the same prefilter share one scan."""
        return self.prefilter_any or (self.prefilter,)


@lru_cache(maxsize=4)
def load_patterns(path: Path | None = None) -> tuple[PiiPattern, ...]:
    """Read the ordered masking patterns (the shipped ``pii.toml`` by default)."""
    source = path or data_file("pii.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read PII patterns {str(source)!r}: {exc}") from exc
    patterns = []
    for i, entry in enumerate(raw.get("pattern", []), start=1):
        try:
            patterns.append(
                PiiPattern(
                    name=entry["name"],
                    prefilter=entry.get("prefilter", ""),
                    regex=entry["regex"],
                    mask=entry["mask"],
                    example=entry["example"],
                    expected=entry["expected"],
                    keep=tuple(entry.get("keep", [])),
                    prefilter_any=tuple(entry.get("prefilter_any", [])),
                )
            )
        except KeyError as exc:
            raise ConfigError(f"{source}: pattern #{i} lacks key {exc}") from exc
        if not (patterns[-1].prefilter or patterns[-1].prefilter_any):
            raise ConfigError(f"{source}: pattern #{i} needs prefilter or prefilter_any")
    return tuple(patterns)


# --- decoding ---------------------------------------------------------------------------------

# Full-width forms that spell identifiers (NFKC of U+FF01..U+FF5E, and the ideographic
# space); full-width punctuation such as ，：（） is everywhere in Chinese text and is left
# alone unless a cell is decoded for another reason.
_FULLWIDTH_FROM = [chr(c) for c in range(0xFF01, 0xFF5F) if chr(c) not in "＂＼"] + ["\u3000"]
_FULLWIDTH_TO = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in "＂＼"] + [" "]
# what makes a cell worth decoding: a percent sign, a \u escape, full-width letters,
# digits, @ or +, or an ideographic space; literals, so one Aho-Corasick scan finds them
DECODE_TRIGGER: tuple[str, ...] = (
    "%",
    "\\u",
    "＠",
    "＋",
    "\u3000",
    *(chr(c) for c in range(ord("０"), ord("９") + 1)),
    *(chr(c) for c in range(ord("Ａ"), ord("Ｚ") + 1)),
    *(chr(c) for c in range(ord("ａ"), ord("ｚ") + 1)),
)
_ESCAPES = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair
    r"|\\u[0-9a-fA-F]{4}"
    r"|(?:%[0-9A-Fa-f]{2})+"
)
_JSON_SAFE = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _json_safe(text: str) -> str:
    """Text that can sit inside a JSON string: quotes, backslashes and controls escaped."""
    out = []
    for ch in text:
        if ch in _JSON_SAFE:
            out.append(_JSON_SAFE[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _decode_one(match: re.Match[str]) -> str:
    s = match.group(0)
    if s[0] == "%":
        try:
            return _json_safe(bytes.fromhex(s.replace("%", "")).decode("utf-8"))
        except UnicodeDecodeError:
            return s
    if len(s) == 12:  # surrogate pair
        hi, lo = int(s[2:6], 16), int(s[8:12], 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
    return _json_safe(chr(int(s[2:], 16)))


def decode_text(text: str) -> str:
    """``text`` with percent-escapes, ``\\uXXXX`` escapes and full-width forms decoded.

    What the masks match against; JSON stays JSON (see ``_json_safe``).
    """
    text = _ESCAPES.sub(_decode_one, text)
    return text.translate({ord(a): b for a, b in zip(_FULLWIDTH_FROM, _FULLWIDTH_TO, strict=True)})


def decode_series(values: pl.Series) -> pl.Series:
    """``decode_text`` over a String Series: escapes in Python (only cells that have one),
    full-width forms vectorized."""
    has_escape = values.str.contains(r"%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}").fill_null(False)
    out = values
    idx = has_escape.arg_true()
    if idx.len():
        fixed = pl.Series(
            [_ESCAPES.sub(_decode_one, t) for t in values.gather(idx).to_list()], dtype=pl.String
        )
        out = values.clone().scatter(idx, fixed)
    return out.str.replace_many(_FULLWIDTH_FROM, _FULLWIDTH_TO)


# --- masking ----------------------------------------------------------------------------------


def mask_expr(expr: pl.Expr, patterns: tuple[PiiPattern, ...] | None = None) -> pl.Expr:
    """``expr`` (a String expression) with every PII pattern replaced by its mask, in order.

    No decoding (expressions cannot call Python); ``mask_series`` is the full rule.
    """
    pats = patterns if patterns is not None else load_patterns()
    masked = expr
    for pat in pats:
        masked = masked.str.replace_all(pat.regex, pat.mask)
    return masked


def mask_text(text: str, patterns: tuple[PiiPattern, ...] | None = None) -> str:
    """Mask one string (reasons, error lines, tests); same rules as the columns."""
    return str(mask_series(pl.Series([text], dtype=pl.String), patterns).item())


def _apply(values: pl.Series, pats: tuple[PiiPattern, ...]) -> pl.Series:
    """Every pattern in order, each on the rows its prefilter flags."""
    out = values
    # patterns sharing a prefilter share its scan: a mask token holds no digit, so a row
    # a later pattern could match was already flagged (a stale flag only costs a retry)
    flagged: dict[tuple[str, ...], pl.Series] = {}
    for pat in pats:
        if pat.prefilter_key not in flagged:
            flagged[pat.prefilter_key] = pat.flags(out).arg_true()
        idx = flagged[pat.prefilter_key]
        if idx.len() == 0:
            continue
        fixed = out.gather(idx).str.replace_all(pat.regex, pat.mask)
        out = out.clone().scatter(idx, fixed) if out is values else out.scatter(idx, fixed)
    return out


def mask_series(
    values: pl.Series, patterns: tuple[PiiPattern, ...] | None = None, *, unique: bool = False
) -> pl.Series:
    """Masked copy of a String Series (decoding first where a cell is encoded).

    Each pattern runs on the rows its prefilter flags; cells holding a literal of
    ``DECODE_TRIGGER`` are also decoded and masked again. With ``unique`` the work
    is done once per distinct value (messages repeat a lot).
    """
    pats = patterns if patterns is not None else load_patterns()
    if values.len() == 0 or values.null_count() == values.len() or not pats:
        return values
    if unique:
        distinct = values.unique().drop_nulls()
        masked = mask_series(distinct, pats)
        changed = distinct != masked
        if not changed.any():
            return values
        return values.replace(distinct.filter(changed), masked.filter(changed))
    out = _apply(values, pats)
    enc_idx = values.str.contains_any(list(DECODE_TRIGGER)).fill_null(False).arg_true()
    if enc_idx.len():
        decoded = decode_series(values.gather(enc_idx))
        masked = _apply(decoded, pats)
        # an encoded cell with nothing to mask is kept as it was, byte for byte
        keep = (masked == decoded).fill_null(True)
        chosen = out.gather(enc_idx).zip_with(keep, masked)
        out = (out.clone() if out is values else out).scatter(enc_idx, chosen)
    return out


def mask_frame(
    frame: pl.DataFrame, columns: tuple[str, ...], *, unique: tuple[str, ...] = ()
) -> pl.DataFrame:
    """``frame`` with each of ``columns`` (String) masked; ``unique`` ones once per value."""
    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    if not present or frame.height == 0:
        return frame
    return frame.with_columns(mask_series(frame[c], unique=c in unique).alias(c) for c in present)
