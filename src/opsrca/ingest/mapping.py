"""Source columns → event fields, from the alias data file ``aliases.toml``.

Every column name opsrca knows lives in that one file; ``--map SOURCE=field``
adds aliases at run time. Matching is forgiving about case, spaces, '-' / '_'
and a stray BOM, because real exports differ in exactly those ways.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from opsrca import schema
from opsrca.errors import ConfigError, InputError
from opsrca.paths import data_file

#: Event fields a mapping may target: the events columns a source can feed plus
#: the intermediate fields the normalizer turns into columns.
MAPPABLE_FIELDS: tuple[str, ...] = (
    "event_id",
    "platform",
    "shop_id",
    "shop_name",
    "region",
    "api_endpoint",
    "http_method",
    "http_status",
    "error_code",
    "sub_code",
    "message",
    "is_error",
    "status",
    "occurred_at",
    "retry_count",
    "item_code",
    "warehouse_code",
    "token_type",
    "rate_limit_remaining",
    "request_payload",
    "response_payload",
    "owner_code",
    "details",
    "result",
)


@dataclass(frozen=True)
class FormatSpec:
    """One source format of ``aliases.toml``."""

    name: str
    platform: str
    region: str
    kind: str  # "table" | "json"
    priority: int
    detect: tuple[str, ...]
    required: tuple[str, ...]
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def with_mappings(self, mappings: dict[str, str] | None) -> FormatSpec:
        """A copy where user mappings (source column → field) come before the shipped aliases."""
        if not mappings:
            return self
        fields = {k: list(v) for k, v in self.fields.items()}
        for source, target in mappings.items():
            alias = source
            if self.kind == "json" and not source.startswith("$"):
                alias = "$." + source
            fields.setdefault(target, []).insert(0, alias)
        return FormatSpec(
            self.name,
            self.platform,
            self.region,
            self.kind,
            self.priority,
            self.detect,
            self.required,
            {k: tuple(v) for k, v in fields.items()},
        )


@dataclass(frozen=True)
class Aliases:
    """Everything in ``aliases.toml``."""

    formats: dict[str, FormatSpec]
    status_success: frozenset[str]
    status_failure: frozenset[str]
    flag_true: frozenset[str]
    flag_false: frozenset[str]
    platform_values: dict[str, str]


def norm_name(name: str) -> str:
    """Canonical spelling of a column name for matching (case, BOM, separators)."""
    text = name.replace("\ufeff", "").strip().strip('"').strip().lower()
    return re.sub(r"[\s_\-]+", "_", text)


@lru_cache(maxsize=4)
def load_aliases(path: Path | None = None) -> Aliases:
    """Read and check the alias file (the shipped one by default)."""
    source = path or data_file("aliases.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read column aliases {str(source)!r}: {exc}") from exc
    formats: dict[str, FormatSpec] = {}
    for name, body in raw.get("formats", {}).items():
        if name not in schema.SOURCE_FORMATS:
            raise ConfigError(
                f"{source}: unknown format {name!r}; expected one of {schema.SOURCE_FORMATS}"
            )
        fields = {k: tuple(v) for k, v in body.get("fields", {}).items()}
        bad = sorted(set(fields) - set(MAPPABLE_FIELDS))
        if bad:
            raise ConfigError(f"{source}: format {name!r} maps unknown fields {bad}")
        formats[name] = FormatSpec(
            name=name,
            platform=body["platform"],
            region=body.get("region", ""),
            kind=body["kind"],
            priority=int(body.get("priority", 5)),
            detect=tuple(body.get("detect", ())),
            required=tuple(body.get("required", ())),
            fields=fields,
        )
    platforms = {
        norm_name(alias): plat
        for plat, names in raw.get("platform_values", {}).items()
        for alias in names
    }
    low = lambda key, sub: frozenset(v.lower() for v in raw.get(key, {}).get(sub, []))  # noqa: E731
    return Aliases(
        formats=formats,
        status_success=low("status_values", "success"),
        status_failure=low("status_values", "failure"),
        flag_true=low("error_flag_values", "true"),
        flag_false=low("error_flag_values", "false"),
        platform_values=platforms,
    )


def parse_mappings(items: list[str] | None) -> dict[str, str]:
    """Parse ``--map SOURCE_COLUMN=field`` options into a dict, checking the field name."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"--map expects SOURCE_COLUMN=field, got {item!r}")
        source, target = (part.strip() for part in item.rsplit("=", 1))
        if not source or target not in MAPPABLE_FIELDS:
            raise InputError(
                f"--map {item!r}: unknown event field {target!r}; "
                f"use one of {', '.join(MAPPABLE_FIELDS)}"
            )
        out[source] = target
    return out


def resolve_columns(header: list[str], spec: FormatSpec) -> tuple[dict[str, str], list[str]]:
    """Match a table header against a format.

    Returns ``(field → source column, unmatched source columns)``; the unmatched
    ones are kept in the payload so nothing in the export is dropped.
    """
    by_norm: dict[str, str] = {}
    for col in header:
        by_norm.setdefault(norm_name(col), col)
    found: dict[str, str] = {}
    used: set[str] = set()
    for target, aliases in spec.fields.items():
        for alias in aliases:
            col = by_norm.get(norm_name(alias))
            if col is not None and col not in used:
                found[target] = col
                used.add(col)
                break
    extras = [c for c in header if c not in used]
    return found, extras
