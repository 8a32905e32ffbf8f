"""Route dump files to the listing checks and store their results in DuckDB.

``analyze`` calls :func:`run_checks` with the files it routed (``opsrca.ingest.route``
recognizes them by their headers, one read per file); every check that applies runs, and
each file's results replace that file's previous rows (by ``source_file``) so re-running
never duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from opsrca import schema, store
from opsrca.ingest.boundary import INTERRUPTS, READ_ERRORS, unreadable
from opsrca.ingest.route import RoutedFile, route, sniff
from opsrca.listings.dupes import DupesResult, find_duplicates
from opsrca.listings.kinds import KINDS
from opsrca.listings.lint import LintResult, lint_products
from opsrca.listings.overlap import OverlapResult, find_overlaps

_T = TypeVar("_T")


def detect_kind(path: Path | str) -> str | None:
    """ "listings" | "profiles" | "products" | "categories" | None, from the name and header.

    Never raises for a damaged file (None: it is no listing-check input).
    """
    try:
        kind, _ = sniff(Path(path))
    except INTERRUPTS:
        raise
    except READ_ERRORS:
        return None
    return kind if kind in KINDS else None


def _guarded(result: ChecksResult, path: Path, check: Callable[[], _T]) -> _T | None:
    """Run one file's check; a file it cannot read is noted, the other checks still run."""
    try:
        return check()
    except INTERRUPTS:
        raise
    except READ_ERRORS as exc:
        result.unreadable.append((path, unreadable(path, exc)))
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
    #: files a check could not read: ``(path, "<path>: file unreadable: <reason>")``
    unreadable: list[tuple[Path, str]] = field(default_factory=list)


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
    paths: Sequence[Path | str | RoutedFile] | Path | str,
    con: duckdb.DuckDBPyConnection | None = None,
    *,
    categories: Path | str | None = None,
) -> ChecksResult:
    """Run every listing check that applies to ``paths`` (files, folders or routed files).

    Files and folders are routed here (``opsrca.ingest.route``); ``analyze``
    passes the files it routed already, so none is sniffed twice.
    """
    routed = route([paths] if isinstance(paths, str | Path) else paths)
    result = ChecksResult(files={k: [f.path for f in routed if f.kind == k] for k in KINDS})
    cats: Path | str | None = categories
    if cats is None and result.files["categories"]:
        cats = result.files["categories"][0]
    dupes, clusters, overlaps, lint = [], [], [], []
    read: dict[str, list[Path]] = {k: [] for k in ("listings", "profiles", "products")}
    for f in result.files["listings"]:
        if (d := _guarded(result, f, lambda f=f: find_duplicates(f))) is None:
            continue
        read["listings"].append(f)
        result.notes.extend(d.notes)
        dupes.append(dupes_frame(d, str(f)))
        clusters.append(d.clusters.with_columns(source_file=pl.lit(str(f))))
    for f in result.files["profiles"]:
        if (o := _guarded(result, f, lambda f=f: find_overlaps(f))) is None:
            continue
        read["profiles"].append(f)
        result.notes.extend(o.notes)
        overlaps.append(overlap_frame(o, str(f)))
    for f in result.files["products"]:
        if (lr := _guarded(result, f, lambda f=f: lint_products(f, categories=cats))) is None:
            continue
        read["products"].append(f)
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
            for f, frame in zip(read[kind], frames, strict=True):
                save(con, table, frame, str(f))
    return result
