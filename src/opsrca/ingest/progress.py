"""The ingest progress bar: bytes read so far, named after the file being written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: ``advance(nbytes, file_name)``; a negative ``nbytes`` takes back bytes of a restarted file
Advance = Callable[[int, str], None]


def _quiet(nbytes: int, name: str) -> None:
    """No bar: progress is not shown."""


@contextmanager
def progress_bar(enabled: bool, total: int) -> Iterator[Advance]:
    """A transient rich bar over ``total`` input bytes, or a no-op when not ``enabled``."""
    if not enabled:
        yield _quiet
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    prog = Progress(
        TextColumn("[bold]ingest[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    with prog:
        task = prog.add_task("", total=total)

        def advance(nbytes: int, name: str) -> None:
            prog.update(task, advance=nbytes, description=name)

        yield advance
