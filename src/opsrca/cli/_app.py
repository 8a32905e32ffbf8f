"""The shared typer app and the CLI's conventions.

The ``opsrca.cli`` package is the only place that imports typer. Each command
module registers its commands on ``app`` and calls one library function;
``main`` turns any ``OpsrcaError`` into a one-line message and exit code 2.

Command modules import the library (polars, duckdb, scikit-learn, jieba, plotly) inside
their functions, so ``opsrca --help`` and ``opsrca COMMAND --help`` start fast; a test
checks that importing ``opsrca.cli`` loads none of them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup, _click

from opsrca.errors import OpsrcaError
from opsrca.paths import DEFAULT_DB
from opsrca.safety import safe_console

# every line the CLI prints passes safety.strip_control (log text may carry escape sequences)
console = safe_console()
err_console = safe_console(stderr=True)


#: exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it
INTERRUPTED = 130


class _Group(TyperGroup):
    """Turns any library ``OpsrcaError`` into a one-line message and exit code 2, usage
    errors (a bad option value, a missing argument) into one line too, instead of typer's
    boxed panel, which is five lines that wrap and break a log or a pipe, and a Ctrl-C
    (Python's, or DuckDB's ``InterruptException`` mid-query) into ``interrupted`` and
    exit code 130.

    Done once here, so every command (and ``CliRunner`` in tests) behaves the same.
    Ingest commits file by file, so after a Ctrl-C a re-run skips what was stored.
    """

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _click.exceptions.NoArgsIsHelpError as exc:
            exc.show()
            raise SystemExit(exc.exit_code) from None
        except _click.exceptions.ClickException as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(_one_line(exc))}", highlight=False, soft_wrap=True
            )
            raise SystemExit(exc.exit_code) from None
        except typer.Abort:
            err_console.print("aborted", highlight=False)
            raise SystemExit(1) from None
        raise SystemExit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            err_console.print("interrupted", highlight=False)
            raise typer.Exit(code=INTERRUPTED) from None
        except OpsrcaError as exc:
            err_console.print(
                f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(code=2) from None
        except Exception as exc:
            if not _interrupted(exc):
                raise
            err_console.print("interrupted", highlight=False)
            raise typer.Exit(code=INTERRUPTED) from None


def _interrupted(exc: BaseException) -> bool:
    """DuckDB's Ctrl-C mid-query (checked without importing duckdb: ``--help`` stays fast)."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(exc, duckdb.InterruptException)


app = typer.Typer(
    cls=_Group,
    name="opsrca",
    help="Offline root-cause analyzer for e-commerce integration errors "
    "(Qimen 奇门 WMS, TikTok Shop, Ozon, Taobao). Run `opsrca analyze` to start.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # logs carry tokens and keys
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _one_line(exc: Any) -> str:
    """A click error as one line, naming the command's --help for usage errors."""
    text = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, _click.exceptions.UsageError) and ctx is not None:
        text += f"; see `{ctx.command_path} --help`"
    return text


def _print_version(value: bool) -> None:
    if value:
        from opsrca import __version__

        console.print(f"opsrca {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    # no docstring: the app's help above is the top-level help text
    pass


DbOption = Annotated[
    Path,
    typer.Option("--db", help="DuckDB database file (created when missing).", dir_okay=False),
]
DEFAULT_DB_PATH: Path = DEFAULT_DB


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)


def model_hint(model: Path, db: Path) -> None:
    """Say that ``--model`` is for this run only when it is not the database's model."""
    from opsrca.settings import load_settings

    if model.resolve() != load_settings(db).model_dir.resolve():
        console.print(
            f"[dim]--model is for this run; the next plain run uses the database's model "
            f"again (keep this one with: opsrca config set model {model} --db {db})[/]",
            highlight=False,
        )
