"""The root-cause taxonomy (``opsrca/data/taxonomy.toml``): the one reader of that file.

The ids are a contract shared by rules, model labels, reports, listing checks and the labeled
data; the names, fix advice (zh and en), owner and retryable flag are looked up here by id.
Everything that needs the taxonomy calls this module: ``categories`` (typed, by id),
``load_taxonomy`` (a Polars frame), ``label_ids`` and ``taxonomy_table`` (a DuckDB relation).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "OWNERS",
    "REQUIRED_FIELDS",
    "UNKNOWN",
    "Category",
    "categories",
    "label_ids",
    "load_taxonomy",
    "taxonomy_table",
]

UNKNOWN = "unknown"
OWNERS: frozenset[str] = frozenset({"seller_ops", "erp_admin", "developer", "platform"})
REQUIRED_FIELDS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "description",
    "fix_zh",
    "fix_en",
    "owner",
    "retryable",
)
_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String(),
    "name_zh": pl.String(),
    "name_en": pl.String(),
    "description": pl.String(),
    "description_zh": pl.String(),
    "fix_zh": pl.String(),
    "fix_en": pl.String(),
    "owner": pl.String(),
    "retryable": pl.Boolean(),
    "examples": pl.List(pl.String()),
}


@dataclass(frozen=True)
class Category:
    """One ``[[category]]`` of taxonomy.toml, field for field."""

    id: str
    name_zh: str
    name_en: str
    description: str
    description_zh: str | None
    fix_zh: str
    fix_en: str
    owner: str
    retryable: bool
    examples: tuple[str, ...]


def _resolve(path: Path | str | None) -> Path:
    return Path(path) if path else data_file("taxonomy.toml")


@lru_cache(maxsize=8)
def _read(path: Path) -> tuple[pl.DataFrame, Mapping[str, Category]]:
    """Parse and check the file once per path; the frame and the typed view share one parse."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read taxonomy {str(path)!r}: {exc}") from exc
    rows: list[dict[str, object]] = []
    for i, entry in enumerate(raw.get("category", []), start=1):
        missing = [f for f in REQUIRED_FIELDS if f not in entry]
        if missing:
            raise ConfigError(f"{path}: category #{i} ({entry.get('id')!r}) lacks {missing}")
        if entry["owner"] not in OWNERS:
            raise ConfigError(
                f"{path}: category {entry['id']!r} has owner {entry['owner']!r}; "
                f"expected one of {sorted(OWNERS)}"
            )
        rows.append({k: entry.get(k) for k in _SCHEMA} | {"examples": entry.get("examples", [])})
    frame = pl.DataFrame(rows, schema=_SCHEMA)
    if frame.height == 0 or UNKNOWN not in frame["id"].to_list():
        raise ConfigError(f"{path}: taxonomy needs [[category]] entries including {UNKNOWN!r}")
    dupes = frame.filter(pl.col("id").is_duplicated())["id"].unique().to_list()
    if dupes:
        raise ConfigError(f"{path}: duplicate category ids {dupes}")
    typed = {
        row["id"]: Category(**row | {"examples": tuple(row["examples"] or ())})
        for row in frame.iter_rows(named=True)
    }
    return frame, MappingProxyType(typed)


def load_taxonomy(path: Path | str | None = None) -> pl.DataFrame:
    """One row per category (incl. ``unknown``), in file order, columns named as in the file:
    id, name_zh, name_en, description, description_zh, fix_zh, fix_en, owner, retryable,
    examples."""
    return _read(_resolve(path))[0]


def categories(path: Path | str | None = None) -> Mapping[str, Category]:
    """The categories by id, in file order (read-only)."""
    return _read(_resolve(path))[1]


def label_ids(path: Path | str | None = None) -> list[str]:
    """The category ids in file order."""
    return list(categories(path))


def taxonomy_table(
    con: duckdb.DuckDBPyConnection,
    /,
    *,
    name: str = "taxonomy",
    persist: bool = False,
    path: Path | str | None = None,
) -> str:
    """Make ``load_taxonomy()`` a relation ``name`` on ``con`` and return its quoted name.

    SQL then joins ``ON t.id = c.root_cause`` for names, fixes, owner and retryable instead of
    storing them on every row. ``persist=False`` registers the frame on this connection only
    (works on read-only connections, nothing is written); ``persist=True`` writes (or
    replaces) a table in the database, so views stored there can join it.
    """
    if not name.strip():
        raise ValueError(f"name must be a table name, got {name!r}")
    quoted = '"' + name.replace('"', '""') + '"'
    frame = load_taxonomy(path).to_arrow()
    if not persist:
        con.register(name, frame)
        return quoted
    staging = "__opsrca_taxonomy_staging"
    con.register(staging, frame)
    try:
        con.execute(f"CREATE OR REPLACE TABLE {quoted} AS SELECT * FROM {staging}")
    finally:
        con.unregister(staging)
    return quoted
