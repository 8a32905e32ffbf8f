"""Route dump files to the listing checks and store their results in DuckDB.

``analyze`` calls :func:`run_checks` on the dump folder: files are recognized by their
headers (:func:`detect_kind`), every check that applies runs, and each file's results
replace that file's previous rows (by ``source_file``) so re-running never duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema, store
from opsrca.errors import OpsrcaError
from opsrca.listings.dupes import DupesResult, find_duplicates
from opsrca.listings.io import alias_map, header
from opsrca.listings.lint import LintResult, lint_products
from opsrca.listings.overlap import OverlapResult, find_overlaps

KINDS = ("listings", "profiles", "products", "categories")
_TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls", ".parquet"}
# Headers of error logs (Qimen sync log, TikTok export): never product/listing files.
_LOG_HEADERS = {
    "错误信息",
    "错误码",
    "同步状态",
    "error_message",
    "error_code",
    "同步时间",
    "error_id",
}
_PRODUCT_EXTRA = {
    "stock",
    "category_id",
    "listing_status",
    "image_width",
    "image_format",
    "logistics_template",
    "after_sales_address",
}


def _canonical(cols: list[str], section: str) -> set[str]:
    mapping = alias_map(section)
    return {
        mapping.get(c.strip().lstrip("\ufeff").strip().lower().replace(" ", "_"), c) for c in cols
    }


def detect_kind(path: Path | str) -> str | None:
    """ "listings" | "profiles" | "products" | "categories" | None, from the name and header."""
    path = Path(path)
    suffix = path.suffix.lower()
    stem = path.stem.lower()
    if suffix == ".txt":
        return "categories" if ("categor" in stem or "类目" in stem) else None
    if suffix not in _TABLE_SUFFIXES or not path.is_file():
        return None
    try:
        cols = header(path)
    except (OpsrcaError, OSError, pl.exceptions.PolarsError):
        return None
    raw = {c.strip().lstrip("\ufeff").strip() for c in cols}
    if raw & _LOG_HEADERS:
        return None
    if {"shop_id", "dimension"} <= _canonical(cols, "profiles"):
        return "profiles"
    listing = _canonical(cols, "listings")
    if {"item_id", "title"} <= listing and listing & {"selling_points", "account_id", "main_image"}:
        return "listings"
    product = _canonical(cols, "products")
    if "item_code" in product and product & _PRODUCT_EXTRA:
        return "products"
    if product == {"category_id"} or _canonical(cols, "categories") == {"category_id"}:
        return "categories"
    return None


@dataclass
class ChecksResult:
    """Frames of every check that ran, the files per kind, and notes (skips, warnings)."""

    dupes: pl.DataFrame = field(default_factory=lambda: schema.empty_frame(schema.DUPE_PAIRS))
    clusters: pl.DataFrame = field(default_factory=pl.DataFrame)
    overlaps: pl.DataFrame = field(
        default_factory=lambda: schema.empty_frame(schema.OVERLAP_FINDINGS)
    )
    lint: pl.DataFrame = field(default_factory=lambda: schema.empty_frame(schema.LINT_FINDINGS))
    files: dict[str, list[Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _walk(paths: list[Path | str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p])
    return out


def _stamp(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    now = datetime.now(UTC).replace(tzinfo=None)
    return frame.with_columns(
        source_file=pl.lit(source), checked_at=pl.lit(now, dtype=pl.Datetime("us"))
    )


def save(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, source: str) -> int:
    """Replace ``table``'s rows of ``source`` with ``frame`` in one transaction."""
    with store.transaction(con):
        con.execute(f'DELETE FROM "{table}" WHERE source_file = ?', [source])
        return store.append(con, table, frame)


def dupes_frame(result: DupesResult, source: str) -> pl.DataFrame:
    """Pairs of a dupes run shaped as the ``dupe_pairs`` table."""
    return schema.conform(_stamp(result.pairs, source), schema.DUPE_PAIRS)


def overlap_frame(result: OverlapResult, source: str) -> pl.DataFrame:
    """Findings of an overlap run shaped as the ``overlap_findings`` table."""
    return schema.conform(_stamp(result.findings, source), schema.OVERLAP_FINDINGS)


def lint_frame(result: LintResult, source: str) -> pl.DataFrame:
    """Findings of a lint run shaped as the ``lint_findings`` table."""
    return schema.conform(_stamp(result.findings, source), schema.LINT_FINDINGS)


def run_checks(
    paths: list[Path | str] | Path | str,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    categories: Path | str | None = None,
) -> ChecksResult:
    """Run every listing check that applies to ``paths`` (files or folders)."""
    files = _walk([paths] if isinstance(paths, str | Path) else list(paths))
    result = ChecksResult(files={k: [] for k in KINDS})
    for f in files:
        kind = detect_kind(f)
        if kind:
            result.files[kind].append(f)
    cats: Path | str | None = categories
    if cats is None and result.files["categories"]:
        cats = result.files["categories"][0]
    dupes, clusters, overlaps, lint = [], [], [], []
    for f in result.files["listings"]:
        d = find_duplicates(f)
        result.notes.extend(d.notes)
        dupes.append(dupes_frame(d, str(f)))
        clusters.append(d.clusters.with_columns(source_file=pl.lit(str(f))))
    for f in result.files["profiles"]:
        o = find_overlaps(f)
        result.notes.extend(o.notes)
        overlaps.append(overlap_frame(o, str(f)))
    for f in result.files["products"]:
        lr = lint_products(f, categories=cats)
        result.notes.extend(lr.notes)
        lint.append(lint_frame(lr, str(f)))
    if dupes:
        result.dupes = pl.concat(dupes)
        result.clusters = pl.concat(clusters)
    if overlaps:
        result.overlaps = pl.concat(overlaps)
    if lint:
        result.lint = pl.concat(lint)
    if con is not None:
        for table, frames, kind in (
            ("dupe_pairs", dupes, "listings"),
            ("overlap_findings", overlaps, "profiles"),
            ("lint_findings", lint, "products"),
        ):
            for f, frame in zip(result.files[kind], frames, strict=True):
                save(con, table, frame, str(f))
    return result
