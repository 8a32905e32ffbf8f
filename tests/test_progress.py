"""The one progress helper: steps with no countable units still show they are running."""

from __future__ import annotations

import io

from rich.console import Console

from opsrca.progress import spinner


def test_spinner_names_the_running_step_on_a_terminal() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80)
    with spinner(True, "summarize / 汇总", console=console):
        pass
    assert "summarize / 汇总" in buf.getvalue()


def test_spinner_is_silent_when_disabled() -> None:
    buf = io.StringIO()
    with spinner(False, "summarize", console=Console(file=buf, force_terminal=True)):
        pass
    assert buf.getvalue() == ""
