"""Pre-sync product lint: the field rules that make Douyin/Qimen drop a product silently.

Rules are data (``lint_rules.toml``); each is one columnar Polars expression over the
whole export. A rule whose column is absent is skipped and the notes say so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from opsrca.errors import ConfigError, InputError
from opsrca.listings import advice
from opsrca.listings.io import LINE, read_raw, read_table, require
from opsrca.listings.textnorm import fold_light_expr, load_word_list
from opsrca.paths import data_file

CHECKS = (
    "empty",
    "duplicated",
    "regex",
    "max_length",
    "banned_words",
    "in_list",
    "min_number",
    "min_exclusive",
    "allowed",
)
_FINDING_SCHEMA = {
    "item_code": pl.String,
    "rule": pl.String,
    "root_cause": pl.String,
    "field": pl.String,
    "value": pl.String,
    "fix_zh": pl.String,
    "fix_en": pl.String,
    "source_file": pl.String,
    "source_line": pl.Int64,
}


@dataclass
class LintResult:
    """One row per finding, plus notes (skipped rules)."""

    findings: pl.DataFrame
    notes: list[str] = field(default_factory=list)


@cache
def load_rules() -> list[dict[str, Any]]:
    """The rules of ``lint_rules.toml``, validated (unknown check -> ConfigError)."""
    path = data_file("lint_rules.toml")
    try:
        rules = tomllib.loads(path.read_text(encoding="utf-8"))["rule"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read lint rules {path}: {exc}") from exc
    for rule in rules:
        if rule.get("check") not in CHECKS:
            raise ConfigError(
                f"{path}: rule {rule.get('id')!r} has unknown check {rule.get('check')!r}"
            )
        advice.fix(rule["root_cause"])  # fails early on an id the taxonomy lacks
    return rules


def load_categories(path: Path | str) -> set[str]:
    """Open category ids: a text file one id a line ('#' comments) or a CSV with category_id."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: open-category file does not exist")
    if path.suffix.lower() in {".csv", ".xlsx", ".parquet"}:
        frame = read_table(path, "categories")
        require(frame, ["category_id"], path, "open-category")
        return {v.strip() for v in frame["category_id"].drop_nulls().to_list() if v.strip()}
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return {ln.split("#", 1)[0].strip() for ln in text.splitlines() if ln.split("#", 1)[0].strip()}


def _blank(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).str.strip_chars() == "")


def _number(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars().cast(pl.Float64, strict=False)


def rule_expr(rule: dict[str, Any], categories: set[str] | None) -> tuple[pl.Expr, pl.Expr]:
    """(violates, offending value) expressions of one rule."""
    col = rule["field"]
    check = rule["check"]
    value = pl.col(col).cast(pl.String)
    if check == "empty":
        return _blank(col), value.fill_null("")
    if check == "duplicated":
        return ~_blank(col) & (pl.len().over(col) > 1), value
    if check == "regex":
        return pl.col(col).str.contains(rule["pattern"]).fill_null(False), value
    if check == "max_length":
        length = pl.col(col).str.len_chars()
        return (length > rule["max"]).fill_null(False), pl.format("{} ({} chars)", value, length)
    if check == "banned_words":
        words = load_word_list(rule["words"], fold_punctuation=False)
        found = (
            fold_light_expr(pl.col(col))
            .str.extract_many(words, overlapping=True)
            .list.unique(maintain_order=True)
        )
        return found.list.len() > 0, found.list.join(",")
    if check == "in_list":
        assert categories is not None
        return ~_blank(col) & ~pl.col(col).str.strip_chars().is_in(sorted(categories)), value
    if check == "min_number":
        cols = rule.get("fields", [col])
        bad = pl.any_horizontal([(_number(c) < rule["min"]).fill_null(True) for c in cols])
        return bad, pl.concat_str([pl.col(c).fill_null("?") for c in cols], separator="x")
    if check == "min_exclusive":
        return (_number(col) <= rule["min"]).fill_null(True), value.fill_null("")
    allowed = [str(v).lower() for v in rule["values"]]
    return ~pl.col(col).str.strip_chars().str.to_lowercase().is_in(allowed).fill_null(
        False
    ), value.fill_null("")


def lint_products(
    products: pl.DataFrame | Path | str, /, *, categories: Path | str | set[str] | None = None
) -> LintResult:
    """Check a product export against every rule whose columns are present."""
    if isinstance(products, pl.DataFrame):
        frame, name = products.with_columns(pl.all().cast(pl.String)), "<frame>"
        if LINE not in frame.columns:
            frame = frame.with_row_index(LINE, offset=2).with_columns(pl.col(LINE).cast(pl.Int64))
    else:
        frame, name = read_table(products, "products"), str(products)
        if frame.height == 0 and not read_raw(products).columns:
            raise InputError(f"{name}: empty file")
    open_cats = load_categories(categories) if isinstance(categories, str | Path) else categories
    if "item_code" not in frame.columns:
        raise InputError(
            f"{name}: not a product file: missing column item_code (商品编码); columns present: "
            f"{', '.join(c for c in frame.columns if c != LINE) or '(none)'}"
        )
    notes: list[str] = []
    parts: list[pl.DataFrame] = []
    for rule in load_rules():  # loop over rules; each rule is one columnar pass
        cols = rule.get("fields", [rule["field"]])
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            notes.append(f"{name}: rule {rule['id']} skipped: column(s) {', '.join(absent)} absent")
            continue
        if rule["check"] == "in_list" and open_cats is None:
            notes.append(
                f"{name}: rule {rule['id']} skipped: no --categories list of open category ids given"
            )
            continue
        bad, value = rule_expr(rule, open_cats)
        fix_zh, fix_en = advice.fix(rule["root_cause"])
        parts.append(
            frame.filter(bad).select(
                item_code=pl.col("item_code"),
                rule=pl.lit(rule["id"]),
                root_cause=pl.lit(rule["root_cause"]),
                field=pl.lit(",".join(cols)),
                value=value.cast(pl.String),
                fix_zh=pl.lit(fix_zh),
                fix_en=pl.lit(fix_en),
                source_file=pl.lit(name),
                source_line=pl.col(LINE),
            )
        )
    findings = pl.concat(parts) if parts else pl.DataFrame(schema=_FINDING_SCHEMA)
    return LintResult(
        findings=findings.cast(_FINDING_SCHEMA).sort("source_line", "rule"), notes=notes
    )
