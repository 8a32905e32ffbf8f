"""Read the listing-check inputs: CSV (any common Chinese encoding), XLSX or Parquet.

Headers are matched to canonical names through ``listing_aliases.toml`` so an export
with ``店铺,维度,分组,占比`` reads the same as ``shop_id,dimension,bucket,share``.
Every frame keeps ``_line``, the line of the row in its file, for error messages.
"""

from __future__ import annotations

import io
import tomllib
from functools import cache
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

from opsrca.errors import ConfigError, InputError
from opsrca.paths import data_file

LINE = "_line"
_ENCODINGS = ("utf-8-sig", "gb18030")


@cache
def aliases() -> dict[str, dict[str, list[str]]]:
    """The alias table of ``listing_aliases.toml`` (section -> canonical -> aliases)."""
    path = data_file("listing_aliases.toml")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc


def _key(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def alias_map(section: str) -> dict[str, str]:
    """Lower-cased header -> canonical name for one section (canonical names map to themselves)."""
    out: dict[str, str] = {}
    for canonical, names in aliases()[section].items():
        out[_key(canonical)] = canonical
        for name in names:
            out.setdefault(_key(name), canonical)
    return out


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding of a CSV: UTF-8 (with or without BOM), GB18030, else detected."""
    for enc in _ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None:
        raise InputError(
            f"{path}: cannot detect the text encoding; save it as UTF-8 (Excel: CSV UTF-8) and retry"
        )
    return str(best), best.encoding


def read_raw(path: Path | str) -> pl.DataFrame:
    """All columns as strings plus ``_line`` (1-based line in the file, header = line 1)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm", ".xls"}:
            frame = pl.read_excel(path, infer_schema_length=0)
        elif suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            text, _ = decode(path.read_bytes(), path)
            frame = pl.read_csv(
                io.StringIO(text),
                infer_schema=False,
                truncate_ragged_lines=True,
            )
    except InputError:
        raise
    except Exception as exc:  # polars/fastexcel raise many types for a broken file
        raise InputError(
            f"{path}: cannot read as a table ({exc}); export it again as CSV or XLSX"
        ) from exc
    frame = frame.select(pl.all().cast(pl.String))
    return frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))


def canonicalize(frame: pl.DataFrame, section: str) -> pl.DataFrame:
    """Rename known headers to canonical names (first match wins, the rest are kept as is)."""
    mapping = alias_map(section)
    renames: dict[str, str] = {}
    taken: set[str] = set(frame.columns)
    for col in frame.columns:
        canonical = mapping.get(_key(col))
        if canonical and canonical != col and canonical not in taken:
            renames[col] = canonical
            taken.add(canonical)
    frame = frame.rename(renames)
    strip = [pl.col(c).str.strip_chars() for c in frame.columns if c != LINE]
    return frame.with_columns(strip)


def read_table(path: Path | str, section: str) -> pl.DataFrame:
    """Read a file and canonicalize its headers for ``section`` (listings, profiles, ...)."""
    return canonicalize(read_raw(path), section)


def require(frame: pl.DataFrame, needed: list[str], path: Path | str, what: str) -> None:
    """Raise an ``InputError`` naming the file, the missing and the present columns."""
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        present = [c for c in frame.columns if c != LINE]
        hint = ", ".join(
            f"{c} ({'/'.join(aliases()[_section_of(what)].get(c, [])[:2])})" for c in missing
        )
        raise InputError(
            f"{path}: not a {what} file: missing column(s) {hint}; columns present: "
            f"{', '.join(present) or '(none)'}"
        )


def _section_of(what: str) -> str:
    return {"listings": "listings", "visitor-profile": "profiles", "product": "products"}.get(
        what, "listings"
    )
