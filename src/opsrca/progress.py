"""The one progress display of long steps: a bar over counted units (bytes ingested,
templates decided, training fits) or a spinner with elapsed time; rich, transient."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol


class Advance(Protocol):
    """``advance(n, description)``: n more units done (a negative n takes some back, as a
    restarted file does), optionally naming what is being worked on."""

    def __call__(self, n: int, description: str | None = None, /) -> None: ...


def quiet(n: int, description: str | None = None, /) -> None:
    """No bar: progress is not shown."""


@contextmanager
def progress_bar(
    enabled: bool, total: int, label: str, *, unit: str = "count"
) -> Iterator[Advance]:
    """A transient bar over ``total`` units (``unit`` "count" or "bytes") labelled ``label``,
    or a no-op when not ``enabled``."""
    if not enabled or total <= 0:
        yield quiet
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn(f"[bold]{label}[/] {{task.description}}"),
        BarColumn(),
        DownloadColumn() if unit == "bytes" else MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    with prog:
        task = prog.add_task("", total=total)

        def advance(n: int, description: str | None = None, /) -> None:
            if description is None:
                prog.update(task, advance=n)
            else:
                prog.update(task, advance=n, description=description)

        yield advance


@contextmanager
def spinner(enabled: bool, label: str, *, console: Any = None) -> Iterator[None]:
    """A transient spinner with the elapsed time for a step with no countable units (a
    summary, a report), so no step over a couple of seconds runs silent; a no-op when not
    ``enabled``. ``console``: the rich console to draw on (default: stdout)."""
    if not enabled:
        yield
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn(f"[bold]{label}[/]"),
        TimeElapsedColumn(),
        transient=True,
        console=console,
    ) as prog:
        prog.add_task("", total=None)
        yield
