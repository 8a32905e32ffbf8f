"""A stand-in for ``progress_bar`` that records what a bar was told, for the progress tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Recorder:
    """Every bar opened through it: total, label, how far it got and its notes."""

    def __init__(self) -> None:
        self.bars: list[dict[str, object]] = []

    @contextmanager
    def __call__(self, enabled: bool, total: int, label: str, **_: object) -> Iterator[object]:
        bar: dict[str, object] = {"enabled": enabled, "total": total, "label": label, "done": 0}
        notes: list[str] = []
        bar["notes"] = notes
        self.bars.append(bar)

        def advance(n: int, description: str | None = None, /) -> None:
            bar["done"] = int(bar["done"]) + n  # type: ignore[call-overload]
            if description:
                notes.append(description)

        yield advance
