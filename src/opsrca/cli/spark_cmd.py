"""``opsrca spark``: the same pipeline on Apache Spark (``pip install 'opsrca[spark]'``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from opsrca.cli._app import app, console, err_console, fail
from opsrca.cli.ingest_cmd import SourceFormat

spark_app = typer.Typer(
    help="Run analyze on Apache Spark (local or a cluster); read its store on a laptop.\n\n"
    "Example: opsrca spark analyze data/samples/dump --out spark-store --master local[2]",
    no_args_is_help=True,
)
app.add_typer(spark_app, name="spark")


@spark_app.command("analyze")
def spark_analyze(
    paths: Annotated[
        list[Path], typer.Argument(help="Export files or dump folders, readable by every executor.")
    ],
    out: Annotated[
        str, typer.Option("--out", help="Store folder (local, hdfs://, s3a://); replaced.")
    ],
    master: Annotated[
        str | None,
        typer.Option("--master", help="Spark master URL (default: spark-submit's, else local[*])."),
    ] = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="Model folder (default: models/default).")
    ] = None,
    fmt: Annotated[
        SourceFormat | None, typer.Option("--format", help="Force the source format.")
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="Time zone of timestamps without one.")
    ] = "Asia/Shanghai",
    maps: Annotated[
        list[str] | None,
        typer.Option("--map", help="Extra column mapping SOURCE_COLUMN=field (repeatable)."),
    ] = None,
    keep_pii: Annotated[
        bool, typer.Option("--keep-pii", help="Do NOT mask buyer personal data (opt-out).")
    ] = False,
) -> None:
    """Ingest and classify on Spark; write STORE/events, templates, rejects as Parquet.

    Same readers, PII masks, templates, model and decisions as `opsrca analyze`; prints
    rows in = events + rejects per file. A local STORE also gets STORE/opsrca.duckdb, so
    `opsrca report --db STORE/opsrca.duckdb` works on it.

    Example: opsrca spark analyze data/samples/dump --out spark-store --master local[2]
    """
    try:
        from opsrca.spark import analyze, attach, session
    except ImportError as exc:
        raise fail(f"PySpark is not installed ({exc}); run: pip install 'opsrca[spark]'") from None
    from opsrca.ingest import IngestReport, parse_mappings, summary_table

    mappings = parse_mappings(maps)
    spark = session(master)
    run = analyze(
        spark,
        list(paths),
        out,
        model_dir=model,
        fmt=fmt.value if fmt else None,
        tz=tz,
        mappings=mappings,
        keep_pii=keep_pii,
    )
    console.print(summary_table(IngestReport(batch_id=run.batch_id, files=run.files)))
    for f in run.files:
        if f.error:
            err_console.print(
                f"[bold red]error:[/] {escape(f.error)}", highlight=False, soft_wrap=True
            )
    console.print(f"{run.templates:,} templates; failed events per root cause:")
    for cause, n in run.root_causes.items():
        console.print(f"  {n:>10,}  {escape(cause)}", highlight=False)
    local = Path(out)
    if "://" not in out and local.is_dir():
        db = attach(local)
        console.print(
            f"wrote {escape(out)}/; read it here with: opsrca report --db {escape(str(db))}"
        )


@spark_app.command("attach")
def spark_attach(
    store: Annotated[Path, typer.Argument(help="A store written by `opsrca spark analyze`.")],
    db: Annotated[
        Path | None,
        typer.Option("--db", dir_okay=False, help="DuckDB file (default: STORE/opsrca.duckdb)."),
    ] = None,
) -> None:
    """Make a DuckDB file whose tables are views over a Spark store's Parquet (no copy).

    Example: opsrca spark attach spark-store && opsrca report --db spark-store/opsrca.duckdb
    """
    from opsrca.spark.attach import attach

    path = attach(store, db)  # an InputError becomes one line (cli._app)
    console.print(f"wrote {escape(str(path))}; e.g. opsrca report --db {escape(str(path))}")
