"""The one progress bar of long steps (bytes ingested, templates decided): rich, transient."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


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
