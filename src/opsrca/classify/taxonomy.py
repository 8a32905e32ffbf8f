"""The root-cause taxonomy (``opsrca/data/taxonomy.toml``) as a Polars frame.

The ids are a contract shared by rules, model labels, reports and the labeled data; the
fix advice (zh and en) and the retryable flag are looked up here by id.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file

__all__ = ["OWNERS", "REQUIRED_FIELDS", "UNKNOWN", "label_ids", "load_taxonomy"]

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


@lru_cache(maxsize=8)
def _load(path: Path) -> pl.DataFrame:
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
    return frame


def load_taxonomy(path: Path | str | None = None) -> pl.DataFrame:
    """One row per category (incl. ``unknown``): id, names, description, fix zh/en, owner, retryable, examples."""
    return _load(Path(path) if path else data_file("taxonomy.toml"))


def label_ids(path: Path | str | None = None) -> list[str]:
    """The category ids in file order."""
    return load_taxonomy(path)["id"].to_list()
