"""Commands of the analyze/explore/report area: analyze, errors, show, health, incidents, report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from opsrca import api
from opsrca.cli._app import DEFAULT_DB_PATH, DbOption, app, console
from opsrca.paths import DEFAULT_OUT
from opsrca.report.analyze import analyze as run_analyze


class Lang(StrEnum):
    """Language of root-cause names and fixes in the terminal summary."""

    zh = "zh"
    en = "en"


class Format(StrEnum):
    """Output format of a listing command."""

    table = "table"
    csv = "csv"
    json = "json"


OutOption = Annotated[
    Path, typer.Option("--out", help="Output folder (created when missing).", file_okay=False)
]
FullOption = Annotated[
    bool, typer.Option("--full", help="Print every section (default: the short summary).")
]
OpenOption = Annotated[
    bool, typer.Option("--open", help="Open report.html in the default browser afterwards.")
]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of labels, names and fixes.")]
FormatOption = Annotated[Format, typer.Option("--format", help="table (terminal), csv or json.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        dir_okay=False,
        help="Write to this file instead of stdout (CSV gets a UTF-8 BOM for Excel).",
    ),
]


def emit(
    frame: pl.DataFrame,
    fmt: Format,
    output: Path | None,
    *,
    title: str = "",
    table_columns: list[str | pl.Expr] | None = None,
) -> None:
    """Print or write ``frame`` as a rich table, CSV (BOM when written to a file) or JSON.

    ``table_columns`` narrows the terminal table (CSV and JSON always carry every column);
    the first column never wraps, so ids stay copyable.
    """
    if fmt is Format.csv:
        if output is not None:
            frame.write_csv(output, include_bom=True)
        else:
            sys.stdout.write(frame.write_csv())
    elif fmt is Format.json:
        text = frame.write_json()
        if output is not None:
            output.write_text(text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text + "\n")
    else:
        if output is not None:
            raise typer.BadParameter("--output needs --format csv or json", param_hint="--output")
        shown = frame.select(table_columns) if table_columns else frame
        table = Table(title=title or None, title_justify="left", show_lines=False)
        for i, col in enumerate(shown.columns):
            numeric = shown.schema[col].is_numeric()
            table.add_column(
                col, justify="right" if numeric else "left", overflow="fold", no_wrap=i == 0
            )
        for row in shown.iter_rows():
            table.add_row(*(Text("–" if v is None else str(v)) for v in row))
        console.print(table)
        console.print(f"[dim]{frame.height} rows[/]")
    if output is not None:
        console.print(f"wrote {frame.height} rows to {escape(str(output))}")


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Dump files or folders (default: the bundled sample dump)."),
    ] = None,
    out: OutOption = DEFAULT_OUT,
    db: DbOption = DEFAULT_DB_PATH,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of names and fixes.")] = Lang.zh,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model folder (default: models/default).")
    ] = None,
    redecide_all: Annotated[
        bool,
        typer.Option("--all", help="Decide every template again (default: only new or stale)."),
    ] = False,
    full: FullOption = False,
    open_: OpenOption = False,
) -> None:
    """Ingest a dump, classify failures, run listing checks, print the summary, write the report.

    Writes events.parquet, summary.csv (UTF-8 with BOM) and report.html to --out.
    Prints a short summary (what broke, what to fix first, shops most affected, where the
    report is); --full prints every section; --open opens report.html in the browser.
    The summary covers everything the database holds (files already ingested are
    skipped as duplicates); "new patterns" compares this run's files with earlier ones.
    Exits 0 when the run completed, also when some input rows were rejected (they
    are listed under "rejects" and kept in the rejects table); exits 2 on errors.

    Example: opsrca analyze data/samples/dump --out opsrca-out --lang en --open
    """
    result = run_analyze(
        paths or None,
        db=db,
        out=out,
        lang=lang.value,
        model_dir=model,
        console=console,
        redecide_all=redecide_all,
        full=full,
    )
    if open_:
        _open(result.outputs.report_html)


def _open(path: Path) -> None:
    """Open the report in the browser, or say where it is when no browser starts."""
    from opsrca.report.html import open_report

    if not open_report(path):
        console.print(f"no browser could be started; open {escape(path.resolve().as_uri())}")


@app.command()
def errors(
    db: DbOption = DEFAULT_DB_PATH,
    platform: Annotated[
        list[str] | None, typer.Option(help="Platform (repeatable): qimen, tiktok, ozon, taobao.")
    ] = None,
    shop: Annotated[list[str] | None, typer.Option(help="Shop id, exact (repeatable).")] = None,
    endpoint: Annotated[str | None, typer.Option(help="API endpoint contains this text.")] = None,
    status: Annotated[list[int] | None, typer.Option(help="HTTP status (repeatable).")] = None,
    code: Annotated[
        list[str] | None, typer.Option(help="Error code or sub-code (repeatable).")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(help="Root cause id or family, e.g. auth.token_expired or auth (repeatable)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this UTC date/time (ISO), inclusive.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Before this UTC date/time; a bare date includes the day.")
    ] = None,
    min_retries: Annotated[
        int | None, typer.Option("--min-retries", min=0, help="Retried at least N times.")
    ] = None,
    search: Annotated[
        str | None, typer.Option(help="Text in the message, template or payload.")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most N rows, newest first (0 = all).")] = 50,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """List failed events with console-style filters (all filters combine with AND).

    Example: opsrca errors --platform ozon --category auth --min-retries 3 --format csv -o auth.csv
    """
    frame = api.errors(
        db,
        platform=platform,
        shop=shop,
        endpoint=endpoint,
        status=status,
        code=code,
        category=category,
        since=since,
        until=until,
        min_retries=min_retries,
        search=search,
        limit=limit or None,
    )
    if fmt is Format.table and limit and frame.height == limit:
        console.print(f"[dim]showing the newest {limit}; --limit 0 shows all[/]")
    emit(
        frame,
        fmt,
        output,
        title="errors",
        table_columns=[
            "event_id",
            pl.col("occurred_at").dt.strftime("%m-%d %H:%M").alias("UTC"),
            "platform",
            pl.col("shop_id").alias("shop"),
            pl.col("http_status").alias("status"),
            pl.col("retry_count").alias("retries"),
            "root_cause",
            "message",
        ],
    )


@app.command()
def show(
    event_id: Annotated[
        str, typer.Argument(help="The event id (first column of `opsrca errors`).")
    ],
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Print one event whole: fields, raw request/response payload, classification, evidence, fix.

    Example: opsrca show 7f3a9c2e41d0b5aa
    """
    detail = api.show(event_id, db=db)
    fields = Table(show_header=False, box=None)
    fields.add_column(style="bold")
    fields.add_column()
    for key, value in detail.event.items():
        fields.add_row(key, Text("–" if value is None else str(value)))
    console.print(Panel(fields, title=f"event {escape(event_id)}", title_align="left"))
    console.print(
        Panel(
            Syntax(detail.payload_json(), "json", word_wrap=True, theme="ansi_dark")
            if detail.payload is not None and not isinstance(detail.payload, str)
            else Text(detail.payload_json()),
            title="payload (raw request/response)",
            title_align="left",
        )
    )
    cls = detail.classification
    if cls is None:
        console.print(
            Panel(
                "not classified (a success row, or run `opsrca classify`)",
                title="classification",
                title_align="left",
            )
        )
        return
    info = Table(show_header=False, box=None)
    info.add_column(style="bold")
    info.add_column()
    for key in (
        "root_cause",
        "root_cause_zh",
        "root_cause_en",
        "confidence",
        "method",
        "rule_id",
        "evidence",
        "template",
        "retryable",
        "owner",
        "model_version",
    ):
        info.add_row(key, Text("–" if cls.get(key) is None else str(cls[key])))
    console.print(Panel(info, title="classification", title_align="left"))
    console.print(
        Panel(
            Text(f"{cls.get('fix_zh') or '–'}\n\n{cls.get('fix_en') or '–'}"),
            title="fix / 修复建议",
            title_align="left",
        )
    )


@app.command()
def health(
    db: DbOption = DEFAULT_DB_PATH, fmt: FormatOption = Format.table, output: OutputOption = None
) -> None:
    """Token health per platform and shop: auth errors, token expiry, success share, quota headroom.

    Example: opsrca health --format csv -o health.csv
    """
    frame = api.health(db)
    emit(
        frame,
        fmt,
        output,
        title="token health / 令牌健康度",
        table_columns=[
            "platform",
            pl.col("shop_id").alias("shop"),
            pl.col("auth_errors").alias("auth"),
            (pl.col("auth_share") * 100).round(1).alias("auth %"),
            pl.col("token_expired").alias("expired"),
            pl.col("first_token_expired").dt.strftime("%m-%d %H:%M").alias("first expiry"),
            pl.col("last_token_expired").dt.strftime("%m-%d %H:%M").alias("last expiry"),
            (pl.col("success_share") * 100).round(1).alias("success %"),
            pl.format(
                "{}/{}",
                pl.col("peak_calls_per_min"),
                pl.col("quota_per_min").cast(pl.String).fill_null("–"),
            ).alias("peak/quota per min"),
            pl.col("cc_write_calls").alias("cc writes"),
            pl.col("flags").alias("verdict"),
        ],
    )


@app.command()
def incidents(
    db: DbOption = DEFAULT_DB_PATH,
    bucket_minutes: Annotated[
        int, typer.Option("--bucket-minutes", min=1, help="Bucket size.")
    ] = 10,
    factor: Annotated[
        float, typer.Option(min=1.0, help="Burst = more than FACTOR × rolling median.")
    ] = 3.0,
    min_count: Annotated[
        int, typer.Option("--min-count", min=1, help="Least errors in a burst bucket.")
    ] = 5,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """Bursts of one root cause in one shop, merged into one line each.

    Example: opsrca incidents --bucket-minutes 10 --factor 3
    """
    frame = api.incidents(db, bucket_minutes=bucket_minutes, factor=factor, min_count=min_count)
    if fmt is Format.table and output is None:
        if frame.height == 0:
            console.print("no incidents / 无突发事件")
        for line in frame["line"].to_list():
            console.print(Text(line))
        return
    emit(frame, fmt, output)


@app.command()
def summary(
    db: DbOption = DEFAULT_DB_PATH,
    lang: LangOption = Lang.zh,
    full: FullOption = False,
) -> None:
    """Print the summary of what the database holds (the one analyze prints), writing nothing.

    Short by default: totals, the root causes to fix first with their fix, the shops most
    affected, incidents, and what to run next; --full prints every section.

    Example: opsrca summary --lang en --full
    """
    from opsrca.report import terminal

    s = api.summarize(db)
    if full:
        terminal.render(s, console, lang=lang.value)
    else:
        terminal.render_brief(s, console, lang=lang.value,
                              db=None if db == DEFAULT_DB_PATH else db)


@app.command()
def report(
    db: DbOption = DEFAULT_DB_PATH,
    out: OutOption = DEFAULT_OUT,
    lang: LangOption = Lang.zh,
    open_: OpenOption = False,
) -> None:
    """Write report.html, summary.csv and events.parquet for what the database holds.

    --lang picks the language of the report's labels; --open opens it in the browser.

    Example: opsrca report --db opsrca.duckdb --out opsrca-out --open
    """
    files = api.report(db, out, lang=lang.value)
    for path in (files.report_html, files.summary_csv, files.events_parquet):
        console.print(f"wrote {escape(str(path))}")
    if open_:
        _open(files.report_html)
