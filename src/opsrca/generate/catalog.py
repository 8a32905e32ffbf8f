"""The message-template catalog (``opsrca/data/generator_catalog.toml``) as Polars frames.

The catalog is data: each group of templates carries its true label and the
status/code fields the platform sends with it. This module flattens it into one
row per (template, platform) so generators can pick templates by index with numpy.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from opsrca.errors import ConfigError
from opsrca.paths import data_file

PLATFORMS: tuple[str, ...] = ("tiktok", "qimen", "ozon", "taobao")
PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")

LABELS: tuple[str, ...] = (
    "auth.token_expired",
    "auth.authorization_revoked",
    "auth.insufficient_permission",
    "auth.invalid_credentials",
    "auth.environment_mismatch",
    "access.rate_limited",
    "access.ip_restricted",
    "integration.route_unreachable",
    "platform.server_error",
    "config.base_setup_missing",
    "validation.missing_field",
    "validation.invalid_value",
    "policy.prohibited_content",
    "policy.distribution_source",
    "catalog.category_invalid",
    "media.image_invalid",
    "inventory.stock_unavailable",
    "data.sync_conflict",
    "risk.face_verification",
    "risk.duplicate_listing",
    "account.restricted",
    "integration.api_misuse",
    "erp.internal_error",
    "unknown",
)

TEMPLATE_SCHEMA: dict[str, Any] = {
    "tid": pl.Int32,
    "label": pl.String,
    "platform": pl.String,
    "text": pl.String,
    "http_status": pl.Int32,
    "error_code": pl.String,
    "sub_code": pl.String,
    "rate_limit_remaining": pl.Int32,
    "weight": pl.Float64,
}


@dataclass(frozen=True)
class Catalog:
    """Templates (one row per template and platform) plus value pools and shops."""

    templates: pl.DataFrame
    pools: dict[str, list[str]]
    shops: dict[str, list[str]]
    endpoints: dict[str, list[str]]
    tiktok_endpoints_by_label: dict[str, list[str]]
    success_share: dict[str, float]

    def for_platform(self, platform: str, label: str | None = None) -> pl.DataFrame:
        """Templates of one platform (optionally one label), weights normalised to 1."""
        sub = self.templates.filter(pl.col("platform") == platform)
        if label is not None:
            sub = sub.filter(pl.col("label") == label)
        if sub.height == 0:
            raise ConfigError(
                f"generator catalog has no template for platform={platform!r} label={label!r}"
            )
        return sub.with_columns(pl.col("weight") / pl.col("weight").sum())

    def pick(
        self, rng: np.random.Generator, n: int, platform: str, label: str | None = None
    ) -> np.ndarray:
        """Draw ``n`` template ids (``tid``) of a platform by catalog weight."""
        sub = self.for_platform(platform, label)
        if n == 0:
            return np.zeros(0, dtype=np.int32)
        return rng.choice(sub["tid"].to_numpy(), size=n, p=sub["weight"].to_numpy())


def _flatten(raw: dict[str, Any], source: Path) -> pl.DataFrame:
    label_weights: dict[str, float] = raw.get("label_weights", {})
    rows: list[dict[str, Any]] = []
    for i, group in enumerate(raw.get("group", [])):
        label = group.get("label")
        if label not in LABELS:
            raise ConfigError(
                f"{source}: group {i} has label {label!r}; expected one of the taxonomy ids"
            )
        texts = group.get("texts") or []
        platforms = group.get("platforms") or []
        bad = [p for p in platforms if p not in PLATFORMS]
        if not texts or not platforms or bad:
            raise ConfigError(
                f"{source}: group {i} ({label}) needs texts and platforms in {PLATFORMS}, got {platforms!r}"
            )
        group_weight = float(label_weights.get(label, 1.0)) * float(group.get("weight", 1.0))
        for platform in platforms:
            code = str(group["error_code"]) if "error_code" in group else None
            sub_code = group.get("sub_code")
            if platform == "taobao" and code is not None and not code.lstrip("-").isdigit():
                # TOP answers business errors as code 15 with the isv.* cause in sub_code.
                code, sub_code = "15", sub_code or code
            for text in texts:
                rows.append(
                    {
                        "label": label,
                        "platform": platform,
                        "text": text,
                        "http_status": group.get("http_status"),
                        "error_code": code,
                        "sub_code": sub_code,
                        "rate_limit_remaining": group.get("rate_limit_remaining"),
                        "weight": group_weight / len(texts),
                    }
                )
    frame = pl.DataFrame(rows, schema={k: v for k, v in TEMPLATE_SCHEMA.items() if k != "tid"})
    # A label's total weight on a platform is its label weight, however many groups it has.
    frame = frame.with_columns(
        (
            pl.col("weight")
            / pl.col("weight").sum().over("platform", "label")
            * pl.col("label").replace_strict(
                {k: float(v) for k, v in label_weights.items()},
                default=1.0,
                return_dtype=pl.Float64,
            )
        ).alias("weight")
    )
    return (
        frame.with_row_index("tid")
        .with_columns(pl.col("tid").cast(pl.Int32))
        .select(list(TEMPLATE_SCHEMA))
    )


@lru_cache(maxsize=4)
def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate the template catalog (cached: it is read-only data)."""
    source = path or data_file("generator_catalog.toml")
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read generator catalog {source}: {exc}") from exc
    templates = _flatten(raw, source)
    pools = {k: [str(v) for v in vals] for k, vals in raw.get("pools", {}).items()}
    shops = {k: [str(v) for v in vals] for k, vals in raw.get("shops", {}).items()}
    endpoint_table = raw.get("endpoints", {})
    endpoints = {
        k: [str(v) for v in vals] for k, vals in endpoint_table.items() if isinstance(vals, list)
    }
    by_label = {
        k: [str(v) for v in vals] for k, vals in endpoint_table.get("tiktok_by_label", {}).items()
    }
    share = {k: float(v) for k, v in raw.get("success_share", {}).items()}
    return Catalog(
        templates=templates,
        pools=pools,
        shops=shops,
        endpoints=endpoints,
        tiktok_endpoints_by_label=by_label,
        success_share=share,
    )


def placeholders(text: str) -> list[str]:
    """Placeholder names used in a template text, in order of appearance."""
    return PLACEHOLDER_RE.findall(text)
