"""One progress bar for counted work (templates decided, rows written): rich, transient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: ``advance(n)``: n more units done
Step = Callable[[int], None]


def _quiet(n: int) -> None:
    """No bar: progress is not shown."""


@contextmanager
def progress_bar(enabled: bool, total: int, label: str) -> Iterator[Step]:
    """A transient bar over ``total`` units labelled ``label``, or a no-op when not ``enabled``."""
    if not enabled or total <= 0:
        yield _quiet
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    with prog:
        task = prog.add_task(label, total=total)
        yield lambda n: prog.update(task, advance=n)
