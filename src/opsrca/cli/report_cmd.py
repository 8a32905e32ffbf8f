"""Commands of the analyze/explore/report area: analyze, errors, show, health, incidents, report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from opsrca.cli._app import DEFAULT_DB_PATH, DbOption, app, console, err_console, model_hint
from opsrca.errors import OpsrcaError
from opsrca.settings import load_settings

if TYPE_CHECKING:  # polars, duckdb and the library load when a command runs, not for --help
    import polars as pl


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
    Path | None,
    typer.Option(
        "--out",
        help="Output folder (created when missing; default: the database's `out` setting, "
        "else opsrca-out).",
        file_okay=False,
    ),
]
FullOption = Annotated[
    bool, typer.Option("--full", help="Print every section (default: the short summary).")
]
OpenOption = Annotated[
    bool, typer.Option("--open", help="Open report.html in the default browser afterwards.")
]
LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang", help="Language of labels, names and fixes (default: the `lang` setting, else zh)."
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", help="table (terminal), csv or json.")]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        dir_okay=False,
        help="Write every matching row to this file; .csv (UTF-8 BOM, ids kept as text), "
        ".xlsx, .json or .parquet by its extension.",
    ),
]

TERMINAL_ROWS = 50
"""Rows a terminal table shows when --limit is not given (files get every row)."""

_ID_COLUMNS = frozenset({"event_id", "shop", "shop_id", "template_id", "item_code"})


def ensure_classified(db: Path) -> None:
    """Decide the root causes of errors ingested but not classified yet, and say so in one
    line (on stderr, so piped CSV/JSON stay clean)."""
    from opsrca.report.pending import classify_pending

    try:
        done = classify_pending(db, progress=sys.stderr.isatty())
    except OpsrcaError as exc:  # no model, database busy: show what there is, say what is missing
        err_console.print(
            f"[yellow]warning:[/] errors without a root cause were not classified ({escape(str(exc))}); "
            "run `opsrca classify`",
            highlight=False,
            soft_wrap=True,
        )
        return
    if done.events:
        err_console.print(
            f"[dim]classified {done.events:,} new failed event(s) first "
            f"({done.templates_decided:,} template(s), model {escape(done.model_version)}); "
            "`opsrca classify` does this step on its own[/]",
            highlight=False,
            soft_wrap=True,
        )


def _longest_word(column: pl.Series) -> int:
    """Length of the longest space-free run in a column (at most 48): the width an id needs."""
    import polars as pl

    if column.len() == 0:
        return 0
    words = column.cast(pl.String).str.extract_all(r"\S+").list.eval(pl.element().str.len_chars())
    return min(int(words.list.max().max() or 0), 48)


def emit(
    frame: pl.DataFrame,
    fmt: Format,
    output: Path | None,
    *,
    title: str = "",
    table_columns: list[str | pl.Expr] | None = None,
    total: int | None = None,
) -> None:
    """Print ``frame`` as a rich table, CSV or JSON, or write it to ``output`` (its format
    from the extension, else ``--format``) through the one table writer.

    ``table_columns`` narrows the terminal table (files, CSV and JSON carry every column);
    id columns never wrap, so ids stay copyable. ``total``: rows that matched before a limit.
    """
    if output is not None:
        from opsrca.report.tables import table_format, write_table

        if table_format(output) is None and fmt is Format.table:
            raise typer.BadParameter(
                f"cannot tell the format of {str(output)!r}; end it in .csv, .xlsx, .json or "
                ".parquet (or give --format csv|json)",
                param_hint="--output",
            )
        rows = write_table(frame, output, fmt=fmt.value, progress=console.is_terminal)
        of = f" of {total:,} matching" if total is not None and total > rows else ""
        console.print(f"wrote {rows:,} rows{of} to {escape(str(output))}", highlight=False)
        return
    from opsrca.safety import TERMINAL_LIMIT, cut, neutralize_frame, strip_control

    if fmt is Format.csv:
        sys.stdout.write(strip_control(neutralize_frame(frame).write_csv()))
        return
    if fmt is Format.json:
        sys.stdout.write(strip_control(frame.write_json()) + "\n")
        return
    shown = frame.select(table_columns) if table_columns else frame
    table = Table(title=title or None, title_justify="left", show_lines=False)
    for i, col in enumerate(shown.columns):
        numeric = shown.schema[col].is_numeric()
        # an id column is at least as wide as its longest word: "Kawa Beauty GB (7301…)"
        # may wrap between words, an id itself never breaks across lines
        is_id = i == 0 or col in _ID_COLUMNS
        table.add_column(
            col,
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=_longest_word(shown[col]) if is_id else None,
        )
    for row in shown.iter_rows():  # log text: controls stripped before layout, cells cut
        table.add_row(
            *(Text("–" if v is None else cut(strip_control(str(v)), TERMINAL_LIMIT)) for v in row)
        )
    console.print(table)
    if total is not None and total > frame.height:
        console.print(
            f"[dim]showing {frame.height:,} of {total:,}; --limit 0 for all[/]", highlight=False
        )
    else:
        console.print(f"[dim]{frame.height:,} rows[/]", highlight=False)


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Dump files or folders (default: the bundled sample dump)."),
    ] = None,
    out: OutOption = None,
    db: DbOption = DEFAULT_DB_PATH,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang", help="Language of names and fixes (default: the `lang` setting, else zh)."
        ),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            "--model",
            help="Model folder (default: the database's model, see `opsrca config`, "
            "else the bundled one).",
        ),
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
    from opsrca.report.analyze import analyze as run_analyze

    settings = load_settings(db)
    result = run_analyze(
        paths or None,
        db=db,
        out=out or settings.out,
        lang=lang.value if lang else settings.lang,
        tz=settings.tz,
        model_dir=model,
        console=console,
        redecide_all=redecide_all,
        full=full,
    )
    if model is not None:
        model_hint(model, db)
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
    shop: Annotated[
        list[str] | None, typer.Option(help="Shop id or shop name, exact (repeatable).")
    ] = None,
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
    limit: Annotated[
        int | None,
        typer.Option(
            min=0,
            help=f"At most N rows, newest first (0 = all). Default: {TERMINAL_ROWS} in the "
            "terminal, every row in a file or CSV/JSON.",
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
) -> None:
    """List failed events with console-style filters (all filters combine with AND).

    An unknown platform or root cause, a shop that matches nothing, or --since after
    --until is an error (exit 2), so "no errors" and "typo" look different.

    Example: opsrca errors --platform ozon --category auth --min-retries 3 -o auth.xlsx
    """
    import polars as pl

    from opsrca import api
    from opsrca.report.views import shop_label

    ensure_classified(db)
    if limit is None:
        limit = TERMINAL_ROWS if fmt is Format.table and output is None else 0
    page = api.error_page(
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
    emit(
        page.rows,
        fmt,
        output,
        title="errors",
        total=page.total,
        table_columns=[
            "event_id",
            pl.col("occurred_at").dt.strftime("%m-%d %H:%M").alias("UTC"),
            "platform",
            shop_label().alias("shop"),
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
    from rich.syntax import Syntax

    from opsrca import api
    from opsrca.safety import strip_control

    ensure_classified(db)
    detail = api.show(event_id, db=db)
    fields = Table(show_header=False, box=None)
    fields.add_column(style="bold")
    fields.add_column()
    for key, value in detail.event.items():
        fields.add_row(key, Text("–" if value is None else strip_control(str(value))))
    title = f"event {escape(strip_control(str(detail.event.get('event_id'))))}"
    console.print(Panel(fields, title=title, title_align="left"))
    console.print(
        Panel(
            Syntax(strip_control(detail.payload_json()), "json", word_wrap=True, theme="ansi_dark")
            if detail.payload is not None and not isinstance(detail.payload, str)
            else Text(strip_control(detail.payload_json())),
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
        "root_cause_2",
        "confidence_2",
        "template",
        "retryable",
        "owner",
        "model_version",
    ):
        info.add_row(key, Text("–" if cls.get(key) is None else strip_control(str(cls[key]))))
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
    import polars as pl

    from opsrca import api

    ensure_classified(db)
    frame = api.health(db)
    emit(
        frame,
        fmt,
        output,
        title="token health / 令牌健康度",
        table_columns=[
            "platform",
            "shop",
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
    from opsrca import api

    ensure_classified(db)
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
    lang: LangOption = None,
    full: FullOption = False,
) -> None:
    """Print the summary of what the database holds (the one analyze prints), writing nothing.

    Short by default: totals, the root causes to fix first with their fix, the shops most
    affected, incidents, and what to run next; --full prints every section.

    Example: opsrca summary --lang en --full
    """
    from opsrca import api
    from opsrca.report import terminal

    ensure_classified(db)
    chosen = lang.value if lang else load_settings(db).lang
    s = api.summarize(db)
    if full:
        terminal.render(s, console, lang=chosen)
    else:
        terminal.render_brief(s, console, lang=chosen, db=None if db == DEFAULT_DB_PATH else db)


@app.command()
def report(
    db: DbOption = DEFAULT_DB_PATH,
    out: OutOption = None,
    lang: LangOption = None,
    open_: OpenOption = False,
) -> None:
    """Write report.html, summary.csv and events.parquet for what the database holds.

    --lang picks the language of the report's labels; --open opens it in the browser.

    Example: opsrca report --db opsrca.duckdb --out opsrca-out --open
    """
    from opsrca import api
    from opsrca.progress import spinner

    ensure_classified(db)
    settings = load_settings(db)
    with spinner(console.is_terminal, "summarize and write the report", console=console):
        files = api.report(db, out or settings.out, lang=lang.value if lang else settings.lang)
    for path in (files.report_html, files.summary_csv, files.events_parquet):
        console.print(f"wrote {escape(str(path))}")
    if open_:
        _open(files.report_html)
