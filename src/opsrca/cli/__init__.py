"""Command-line interface: ``opsrca COMMAND``. A thin layer over the library."""

from __future__ import annotations

import sys

from rich.markup import escape

from opsrca.cli import (  # noqa: F401  (importing registers the commands)
    classify_cmd,
    config_cmd,
    generate_cmd,
    ingest_cmd,
    listings_cmd,
    report_cmd,
    spark_cmd,
)
from opsrca.cli._app import app, err_console
from opsrca.errors import OpsrcaError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``opsrca`` console script."""
    try:
        app()
    except OpsrcaError as exc:  # raised outside a command (e.g. while parsing): still one line
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        sys.exit(2)
