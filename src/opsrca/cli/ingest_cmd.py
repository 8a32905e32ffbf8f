"""Commands of the ingest area: ``ingest``, ``query``, ``export``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from opsrca.cli._app import DEFAULT_DB_PATH, DbOption, app, console, err_console, fail

# The library (polars, duckdb) is imported inside each command: `--help` stays fast.


class SourceFormat(StrEnum):
    """Source formats ``--format`` can force."""

    tiktok_csv = "tiktok_csv"
    qimen_log = "qimen_log"
    ozon_jsonl = "ozon_jsonl"
    taobao_jsonl = "taobao_jsonl"
    generic = "generic"


class OutputFormat(StrEnum):
    """How ``query`` prints rows."""

    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(StrEnum):
    """File formats of ``export``."""

    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    parquet = "parquet"


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Export files or folders (walked recursively).")
    ],
    db: DbOption = DEFAULT_DB_PATH,
    fmt: Annotated[
        SourceFormat | None,
        typer.Option(
            "--format", help="Force the source format instead of detecting it from the header/keys."
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone of timestamps without one (default: the database's `tz` "
            "setting, else Asia/Shanghai).",
        ),
    ] = None,
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Extra column mapping SOURCE_COLUMN=field (repeatable), e.g. 'Fehler=message'.",
        ),
    ] = None,
    keep_pii: Annotated[
        bool,
        typer.Option(
            "--keep-pii", help="Do NOT mask phones, ID cards, e-mails, addresses (opt-out)."
        ),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="A file with any rejected row is not loaded; exit 2.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Load exports (TikTok CSV, Qimen 同步日志 CSV/XLSX, Ozon / Taobao JSON Lines) into the database.

    Prints rows in = events + rejects per file. Exit code 0 when everything
    loaded cleanly, 1 when rows were rejected or a file could not be read.

    Example: opsrca ingest data/samples/dump --db opsrca.duckdb --map 错误详情=message
    """
    from opsrca import store
    from opsrca.ingest import ingest_paths, parse_mappings, summary_table
    from opsrca.settings import load_settings

    tz = tz or load_settings(db).tz
    mappings = parse_mappings(maps)
    con = store.connect(db)
    try:
        report = ingest_paths(
            paths,
            con,
            fmt=fmt.value if fmt else None,
            tz=tz,
            mappings=mappings,
            keep_pii=keep_pii,
            progress=not quiet and sys.stderr.isatty(),
            strict=strict,
        )
    finally:
        con.close()
    console.print(summary_table(report))
    for f in report.files:
        if f.error:
            label = "[dim]note:[/]" if f.status == "skipped" else "[bold red]error:[/]"
            err_console.print(f"{label} {escape(f.error)}", highlight=False, soft_wrap=True)
    if report.rejects:
        console.print(
            f"{report.rejects:,} row(s) rejected; see them with: "
            f"opsrca query \"SELECT source_file, source_line, reason FROM rejects WHERE batch_id = '{report.batch_id}'\"",
            highlight=False,
            soft_wrap=True,
        )
    if strict and not report.ok:
        raise fail(
            f"--strict: {report.rejects:,} row(s) rejected; fix the files or run without --strict"
        )
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="One SQL statement (DuckDB dialect).")],
    db: DbOption = DEFAULT_DB_PATH,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="table, csv or json.")
    ] = OutputFormat.table,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Print at most this many rows.")
    ] = 100,
) -> None:
    """Run SQL on the database (read-only, confined to it) and print the result.

    The table shows at most 1,000 characters of a value; csv and json carry every character.

    The SQL can read the database's tables and views and nothing else: reading or writing
    files (read_csv, COPY ... TO, ATTACH), installing or loading extensions and changing
    settings are refused. Use `opsrca export` to write a table to a file.

    Tables: events, rejects, ingested_files, templates, taxonomy, dupe_pairs, overlap_findings,
    lint_findings; views: events_classified (events with their root cause), classifications.

    Example: opsrca query "SELECT platform, count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC"
    """
    import polars as pl

    from opsrca import store
    from opsrca.ingest.export import run_query, sandbox
    from opsrca.safety import TERMINAL_LIMIT, cut, neutralize_frame, strip_control

    con = store.connect(db, read_only=True)
    try:
        frame, total = run_query(sandbox(con), sql, limit=limit)
    finally:
        con.close()
    if output is OutputFormat.csv:
        sys.stdout.write(strip_control(neutralize_frame(frame).write_csv()))
        return
    if output is OutputFormat.json:
        sys.stdout.write(strip_control(frame.write_json()) + "\n")
        return
    table = Table(show_lines=False)
    for col in frame.columns:
        # ids never break across lines: an id column is as wide as its longest value
        is_id = col.endswith("_id") and frame.schema[col] == pl.String and frame.height > 0
        widest = frame[col].str.len_chars().max() if is_id else None
        table.add_column(
            col, overflow="fold", min_width=min(int(widest or 0), 40) if is_id else None
        )
    for row in frame.iter_rows():
        table.add_row(
            *(Text("" if v is None else cut(strip_control(str(v)), TERMINAL_LIMIT)) for v in row)
        )
    console.print(table)
    shown = (
        f"showing {frame.height:,} of {total:,} rows" if total > frame.height else f"{total:,} rows"
    )
    console.print(f"[dim]{shown}[/]")


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)],
    db: DbOption = DEFAULT_DB_PATH,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            help="csv (UTF-8 with BOM, ids kept as text), xlsx, json or parquet "
            "(default: from the --out extension, else csv).",
        ),
    ] = None,
    table: Annotated[
        str, typer.Option("--table", help="Table or view to export, e.g. events_classified.")
    ] = "events",
) -> None:
    """Export every row of a table to CSV (UTF-8 with BOM; long ids stay text in Excel),
    XLSX (text cells for ids, frozen header), JSON or Parquet.

    Example: opsrca export --out events.xlsx --table events_classified
    """
    from opsrca import store
    from opsrca.ingest.export import export_table

    con = store.connect(db, read_only=True)
    try:
        rows = export_table(con, table, out, fmt=fmt.value if fmt else None)
    finally:
        con.close()
    console.print(f"wrote {rows:,} rows of {escape(table)} to {escape(str(out))}", highlight=False)
