"""Listing risk checks: ``opsrca dupes``, ``opsrca overlap``, ``opsrca lint``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from opsrca.cli._app import app, console, err_console
from opsrca.listings.choices import Rule, Scope

if TYPE_CHECKING:  # the checks (polars, rapidfuzz, duckdb) load when a command runs
    import polars as pl

InFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write findings here (CSV with BOM; .xlsx, .json or .parquet by extension).",
    ),
]
DbOpt = Annotated[
    Path | None,
    typer.Option("--db", help="Also store results in this DuckDB file.", dir_okay=False),
]


def _write(frame: pl.DataFrame, path: Path | None) -> None:
    if path is None:
        return
    from opsrca.report.tables import write_table  # the one writer of user-facing files

    write_table(frame, path, fmt="csv")  # .xlsx/.json/.parquet by extension, else CSV
    console.print(f"wrote {frame.height} row(s) to {path}")


def _notes(notes: list[str]) -> None:
    for note in notes:
        err_console.print(f"[yellow]{note}[/]", highlight=False, soft_wrap=True)


def _store(db: Path | None, table: str, frame: pl.DataFrame, source: Path) -> None:
    if db is None:
        return
    from opsrca import store
    from opsrca.listings import checks

    con = store.connect(db)
    try:
        checks.save(con, table, frame, str(source))
    finally:
        con.close()


@app.command()
def dupes(
    listings: InFile,
    threshold: Annotated[
        float, typer.Option(help="Flag pairs scoring strictly above this (0-100).")
    ] = 65.0,
    scope: Annotated[
        Scope, typer.Option(help="Compare within one account, one shop, or everything.")
    ] = Scope.account,
    output: OutOption = None,
    db: DbOpt = None,
) -> None:
    """Find listings whose title/selling points repeat other listings of the same account.

    Example: opsrca dupes data/samples/dump/listings.csv --threshold 65 --output dupes.csv
    """
    from opsrca.listings import checks
    from opsrca.listings.dupes import find_duplicates

    result = find_duplicates(
        listings, threshold=threshold, scope=scope, progress=console.is_terminal
    )
    _notes(result.notes)
    frame = checks.dupes_frame(result, str(listings))
    _write(frame, output)
    _store(db, "dupe_pairs", frame, listings)
    if result.clusters.height == 0:
        console.print(f"no pair of listings above {threshold:g}% similar")
        return
    table = Table(
        title=f"{result.pairs.height} duplicate pair(s) in {result.clusters.height} cluster(s)"
    )
    for col in ("cluster", "account", "size", "items", "shops", "max score", "reason"):
        table.add_column(col)
    for row in result.clusters.head(20).iter_rows(named=True):
        score = "-" if row["max_score"] is None else f"{row['max_score']:.1f}"
        table.add_row(
            str(row["cluster_id"]),
            row["account_id"],
            str(row["size"]),
            row["items"],
            row["shops"],
            score,
            row["reasons"],
        )
    console.print(table)
    fixes = result.clusters.unique(["reasons"], keep="first", maintain_order=True)
    for row in fixes.iter_rows(named=True):  # one fix per kind of finding (text / SKU only)
        console.print(
            f"[bold]{row['root_cause']}[/] ({row['reasons']})\n"
            f"修复: {row['fix_zh']}\nFix: {row['fix_en']}"
        )


@app.command()
def overlap(
    profiles: InFile,
    threshold: Annotated[
        float, typer.Option(help="Flag overlaps strictly above this percent.")
    ] = 80.0,
    rule: Annotated[
        Rule, typer.Option(help="all: region AND age above; mean: their mean; any: either.")
    ] = Rule.all,
    output: OutOption = None,
    db: DbOpt = None,
) -> None:
    """Find shops whose visitor profiles (region/age) overlap, and groups of 3+ shops that all do.

    Example: opsrca overlap data/samples/dump/visitor_profiles.csv --threshold 80 --rule all
    """
    from opsrca.listings import checks
    from opsrca.listings.overlap import find_overlaps

    result = find_overlaps(profiles, threshold=threshold, rule=rule)
    _notes(result.notes)
    frame = checks.overlap_frame(result, str(profiles))
    _write(frame, output)
    _store(db, "overlap_findings", frame, profiles)
    if result.findings.height == 0:
        console.print(f"no shops overlap above {threshold:g}% (rule {rule.value})")
        return
    table = Table(title=f"visitor-profile overlap > {threshold:g}% (rule {rule.value})")
    for col in ("kind", "shops", "region", "age", "gender", "combined"):
        table.add_column(col)

    def fmt(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}"

    for r in result.findings.iter_rows(named=True):
        table.add_row(
            r["kind"],
            r["shops"],
            fmt(r["region_overlap"]),
            fmt(r["age_overlap"]),
            fmt(r["gender_overlap"]),
            fmt(r["combined"]),
        )
    console.print(table)
    first = result.findings.row(0, named=True)
    console.print(
        f"[bold]{first['root_cause']}[/]\n修复: {first['fix_zh']}\nFix: {first['fix_en']}"
    )


@app.command()
def lint(
    products: InFile,
    categories: Annotated[
        Path | None,
        typer.Option(
            help="Open category ids: text file one a line, or CSV with category_id.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    output: OutOption = None,
    db: DbOpt = None,
) -> None:
    """Check an ERP product export before syncing (item codes, titles, banned words, images, stock, setup).

    Example: opsrca lint data/samples/dump/products.csv --categories data/samples/dump/open_categories.txt
    """
    import polars as pl

    from opsrca.listings import checks
    from opsrca.listings.lint import lint_products

    result = lint_products(products, categories=categories)
    _notes(result.notes)
    frame = checks.lint_frame(result, str(products))
    _write(frame, output)
    _store(db, "lint_findings", frame, products)
    if result.findings.height == 0:
        console.print("no lint findings")
        return
    counts = (
        result.findings.group_by("rule", "root_cause")
        .agg(n=pl.len(), example=pl.col("value").first())
        .sort("n", descending=True)
    )
    table = Table(title=f"{result.findings.height} lint finding(s)")
    for col in ("rule", "root cause", "count", "example value"):
        table.add_column(col)
    for r in counts.iter_rows(named=True):
        table.add_row(r["rule"], r["root_cause"], str(r["n"]), str(r["example"])[:40])
    console.print(table)
