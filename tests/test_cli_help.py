"""Every CLI command registered on the app has help text with an ``Example:`` line."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from opsrca.cli import app

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_report_area_commands_are_registered() -> None:
    assert {"analyze", "errors", "show", "health", "incidents", "report"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_an_example(name: str) -> None:
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert command.help and command.help.strip(), f"`opsrca {name}` has no help text"
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output, f"`opsrca {name} --help` shows no 'Example:' line"


def test_top_level_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_version_and_short_help() -> None:
    from opsrca import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"opsrca {__version__}"
    short = CliRunner().invoke(app, ["-h"])
    assert short.exit_code == 0 and "analyze" in short.output
    assert CliRunner().invoke(app, ["analyze", "-h"]).exit_code == 0


def test_importing_the_cli_loads_no_heavy_library() -> None:
    """`opsrca --help` stays fast: the library loads when a command runs, not on import."""
    import subprocess
    import sys

    heavy = ("sklearn", "polars", "duckdb", "jieba", "plotly", "pyarrow", "rapidfuzz", "scipy")
    code = f"import sys, opsrca.cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"importing opsrca.cli loaded {done.stdout.strip()}"
