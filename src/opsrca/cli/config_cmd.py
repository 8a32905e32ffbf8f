"""`opsrca config`: show and set the settings that stick to a database (``opsrca.toml``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from opsrca.cli._app import DEFAULT_DB_PATH, app, console
from opsrca.settings import KEYS

Key = StrEnum("Key", {k: k for k in KEYS})  # type: ignore[misc]
"""The setting names, as a choice: an unknown key is a usage error listing the keys."""

config_app = typer.Typer(
    name="config",
    no_args_is_help=False,
    invoke_without_command=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(config_app)

ConfigDb = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB database whose settings these are (default ./opsrca.duckdb; "
        "the file is beside it: opsrca.duckdb → opsrca.toml).",
        dir_okay=False,
    ),
]


def _db(ctx: typer.Context, db: Path | None) -> Path:
    """``--db`` given to the subcommand, else to ``config``, else the default database."""
    if db is not None:
        return db
    parent = ctx.parent.params.get("db") if ctx.parent is not None else None
    return parent if parent is not None else DEFAULT_DB_PATH


def _show(db: Path) -> None:
    from rich.table import Table

    from opsrca.settings import load_settings

    settings = load_settings(db)
    table = Table(title=f"settings of {db} (file {settings.path})", title_justify="left", box=None)
    table.add_column("key", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    table.add_column("meaning", overflow="fold")
    for key, value, source in settings.shown():
        table.add_row(key, value, Path(source).name if source != "default" else source, KEYS[key])
    console.print(table)


@config_app.callback()
def config(ctx: typer.Context, db: ConfigDb = None) -> None:
    """Show the settings that stick to a database: model, language, time zone, output folder.

    `opsrca config set KEY VALUE` sets one, `opsrca config unset KEY` forgets it; `analyze`,
    `classify`, `evaluate`, `ingest` and `report` use them when no flag is given (a flag
    always wins). They live in a TOML file beside the database (opsrca.duckdb → opsrca.toml).

    Example: opsrca config set lang en
    """
    if ctx.invoked_subcommand is None:
        _show(_db(ctx, db))


@config_app.command("set")
def set_(
    ctx: typer.Context,
    key: Annotated[Key, typer.Argument(help="Setting: " + ", ".join(KEYS) + ".")],  # type: ignore[valid-type]
    value: Annotated[str, typer.Argument(help="New value (paths relative to here).")],
    db: ConfigDb = None,
) -> None:
    """Set one setting of the database (checked: a model folder must hold a model, a time
    zone must exist, the language is zh or en).

    Example: opsrca config set model models/20261203-101500-1a2b3c4d
    """
    from opsrca.settings import set_value

    path = _db(ctx, db)
    settings = set_value(path, key.value, value)
    value = {k: v for k, v, _ in settings.shown()}[key.value]
    console.print(f"{key.value} = {value} (in {settings.path})", highlight=False)


@config_app.command("unset")
def unset(
    ctx: typer.Context,
    key: Annotated[Key, typer.Argument(help="Setting: " + ", ".join(KEYS) + ".")],  # type: ignore[valid-type]
    db: ConfigDb = None,
) -> None:
    """Forget one setting: it goes back to its default (the bundled model, zh, Asia/Shanghai,
    opsrca-out).

    Example: opsrca config unset model
    """
    from opsrca.settings import unset_value

    path = _db(ctx, db)
    settings = unset_value(path, key.value)
    value = {k: v for k, v, _ in settings.shown()}[key.value]
    console.print(f"{key.value} = {value} (default)", highlight=False)
