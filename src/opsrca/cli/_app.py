"""The shared typer app and the CLI's conventions.

The ``opsrca.cli`` package is the only place that imports typer. Each command
module registers its commands on ``app`` and calls one library function;
``main`` turns any ``OpsrcaError`` into a one-line message and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup, _click

from opsrca.errors import OpsrcaError
from opsrca.paths import DEFAULT_DB

console = Console()
err_console = Console(stderr=True)


class _Group(TyperGroup):
    """Turns any library ``OpsrcaError`` into a one-line message and exit code 2, and usage
    errors (a bad option value, a missing argument) into one line too, instead of typer's
    boxed panel, which is five lines that wrap and break a log or a pipe.

    Done once here, so every command (and ``CliRunner`` in tests) behaves the same.
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
        except OpsrcaError as exc:
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None


app = typer.Typer(
    cls=_Group,
    name="opsrca",
    help="Offline root-cause analyzer for e-commerce integration errors "
    "(Qimen 奇门 WMS, TikTok Shop, Ozon, Taobao). Run `opsrca analyze` to start.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # logs carry tokens and keys
    add_completion=False,
    rich_markup_mode="rich",
)

def _one_line(exc: Any) -> str:
    """A click error as one line, naming the command's --help for usage errors."""
    text = " ".join(exc.format_message().split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, _click.exceptions.UsageError) and ctx is not None:
        text += f"; see `{ctx.command_path} --help`"
    return text


DbOption = Annotated[
    Path,
    typer.Option("--db", help="DuckDB database file (created when missing).", dir_okay=False),
]
DEFAULT_DB_PATH: Path = DEFAULT_DB


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a one-line error on stderr and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=code)
