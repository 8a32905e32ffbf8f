"""Declarative rules (``opsrca/data/rules.toml``), evaluated vectorized over unique keys.

A rule is a conjunction of conditions over platform, HTTP status, error/sub code, the
template and the quota header; the highest-priority matching rule decides. All rules
become one Polars expression (a ``coalesce`` over rules sorted by priority), so a frame of
a few thousand unique templates is decided in one pass without a Python row loop.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from opsrca.classify.keys import key_columns
from opsrca.classify.taxonomy import label_ids
from opsrca.errors import ConfigError
from opsrca.paths import data_file

__all__ = ["Rule", "apply_rules", "load_rules", "rules_sha256"]

_QUOTA = {"== 0", "> 0", "missing"}
_KNOWN = {
    "id",
    "label",
    "priority",
    "reason",
    "confidence",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "message",
    "not_message",
    "rate_limit_remaining",
    "http_error",
    "example",
}


@dataclass(frozen=True)
class Rule:
    """One rule; every condition given must hold."""

    id: str
    label: str
    priority: int
    reason: str
    confidence: float = 0.97
    platform: tuple[str, ...] = ()
    http_status: tuple[int, ...] = ()
    error_code: tuple[str, ...] = ()
    sub_code: str | None = None
    message: str | None = None
    not_message: str | None = None
    rate_limit_remaining: tuple[str, ...] = ()
    # False: only rows whose HTTP status is absent or below 400 (a status says more than a vague text)
    http_error: bool | None = None
    example: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def expr(self) -> pl.Expr:
        """Boolean expression over a keys frame: does this rule match the row?"""
        conds: list[pl.Expr] = []
        if self.platform:
            conds.append(pl.col("platform").str.to_lowercase().is_in(list(self.platform)))
        if self.http_status:
            conds.append(pl.col("http_status").is_in(list(self.http_status)))
        if self.error_code:
            conds.append(pl.col("error_code").is_in(list(self.error_code)))
        if self.sub_code:
            conds.append(pl.col("sub_code").str.contains(f"(?i){self.sub_code}"))
        if self.message:
            conds.append(pl.col("template").str.contains(f"(?i){self.message}"))
        if self.not_message:
            conds.append(~pl.col("template").str.contains(f"(?i){self.not_message}"))
        if self.rate_limit_remaining:
            flag = pl.col("rate_limit_exhausted")
            states = {"== 0": flag.eq(True), "> 0": flag.eq(False), "missing": flag.is_null()}
            any_state = pl.lit(False)
            for state in self.rate_limit_remaining:
                any_state = any_state | states[state].fill_null(False)
            conds.append(any_state)
        if self.http_error is not None:
            is_error = pl.col("http_status").fill_null(0) >= 400
            conds.append(is_error if self.http_error else ~is_error)
        out = pl.lit(True)
        for cond in conds:
            out = out & cond.fill_null(False)
        return out


def _rule(entry: dict[str, Any], source: Path, labels: set[str]) -> Rule:
    rid = entry.get("id", "?")
    unknown = set(entry) - _KNOWN
    if unknown:
        raise ConfigError(f"{source}: rule {rid!r} has unknown fields {sorted(unknown)}")
    for key in ("id", "label", "priority", "reason", "example"):
        if key not in entry:
            raise ConfigError(f"{source}: rule {rid!r} lacks {key!r}")
    if entry["label"] not in labels:
        raise ConfigError(f"{source}: rule {rid!r} has label {entry['label']!r}, not a taxonomy id")
    raw_quota = entry.get("rate_limit_remaining", ())
    quota = (raw_quota,) if isinstance(raw_quota, str) else tuple(raw_quota)
    if any(q not in _QUOTA for q in quota):
        raise ConfigError(
            f"{source}: rule {rid!r}: rate_limit_remaining {raw_quota!r}; "
            f"expected one (or a list) of {sorted(_QUOTA)}"
        )
    conditions = (
        "platform",
        "http_status",
        "error_code",
        "sub_code",
        "message",
        "rate_limit_remaining",
    )
    if not any(k in entry for k in conditions):
        raise ConfigError(f"{source}: rule {rid!r} has no condition")
    return Rule(
        id=str(entry["id"]),
        label=str(entry["label"]),
        priority=int(entry["priority"]),
        reason=str(entry["reason"]),
        confidence=float(entry.get("confidence", 0.97)),
        platform=tuple(str(p).lower() for p in entry.get("platform", [])),
        http_status=tuple(int(s) for s in entry.get("http_status", [])),
        error_code=tuple(str(c) for c in entry.get("error_code", [])),
        sub_code=entry.get("sub_code"),
        message=entry.get("message"),
        not_message=entry.get("not_message"),
        rate_limit_remaining=quota,
        http_error=None if "http_error" not in entry else bool(entry["http_error"]),
        example=dict(entry["example"]),
    )


_FRAGMENT = re.compile(r"\{\{([a-z_]+)\}\}")


def _expand(entry: dict[str, Any], fragments: dict[str, str], source: Path) -> dict[str, Any]:
    """``{{name}}`` in a rule's regexes read as the file's ``[fragments]`` entry of that name, so
    a wording two rules share (one claims it, the other vetoes it) is written once."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in fragments:
            raise ConfigError(
                f"{source}: rule {entry.get('id', '?')!r} uses unknown fragment {{{{{name}}}}}"
            )
        return str(fragments[name])

    return {
        k: _FRAGMENT.sub(fill, v) if k in ("message", "not_message", "sub_code") else v
        for k, v in entry.items()
    }


@lru_cache(maxsize=8)
def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """Rules sorted by priority (highest first), validated against the taxonomy."""
    source = path or data_file("rules.toml")
    try:
        with open(source, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read rules file {str(source)!r}: {exc}") from exc
    labels = set(label_ids())
    fragments = raw.get("fragments", {})
    rules = [
        _rule(_expand(entry, fragments, source), source, labels) for entry in raw.get("rule", [])
    ]
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"{source}: duplicate rule ids {dupes}")
    # Stable sort: among equal priorities the file order decides.
    return tuple(sorted(rules, key=lambda r: -r.priority))


def rules_sha256(path: Path | None = None) -> str:
    """Hash of the rules file (recorded in a model's manifest)."""
    return hashlib.sha256((path or data_file("rules.toml")).read_bytes()).hexdigest()


def apply_rules(keys: pl.DataFrame, rules: tuple[Rule, ...] | None = None) -> pl.DataFrame:
    """Add ``rule_id, rule_label, rule_confidence, rule_reason, rule_priority`` (nulls where no
    rule is certain)."""
    rules = load_rules() if rules is None else rules
    frame = keys.with_columns(key_columns(keys.columns))
    if not rules:
        return keys.with_columns(
            pl.lit(None, pl.String).alias("rule_id"),
            pl.lit(None, pl.String).alias("rule_label"),
            pl.lit(None, pl.Float64).alias("rule_confidence"),
            pl.lit(None, pl.String).alias("rule_reason"),
            pl.lit(None, pl.Int64).alias("rule_priority"),
        )
    winner = pl.coalesce([pl.when(r.expr()).then(pl.lit(r.id)) for r in rules])
    ids = frame.select(winner.alias("rule_id"))["rule_id"]
    meta = pl.DataFrame(
        {
            "rule_id": [r.id for r in rules],
            "rule_label": [r.label for r in rules],
            "rule_confidence": [r.confidence for r in rules],
            "rule_reason": [r.reason for r in rules],
            "rule_priority": [r.priority for r in rules],
        },
        schema_overrides={"rule_priority": pl.Int64},
    )
    return keys.with_columns(ids).join(meta, on="rule_id", how="left", maintain_order="left")
