"""`opsrca generate`: writes the sample dump, the truth sidecar and an optional bench dump."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from opsrca.cli import app

runner = CliRunner()


def test_generate_writes_files(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "generate",
            "--out",
            str(tmp_path),
            "--seed",
            "3",
            "--rows-per-source",
            "80",
            "--bench-rows",
            "500",
        ],
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "dump").iterdir()}
    assert len(names) == 10  # 6 event-log files + listings, profiles, products, open categories
    assert {"listings.csv", "visitor_profiles.csv", "products.csv", "open_categories.txt"} <= names
    assert (tmp_path / "truth" / "labels.csv").exists()
    assert len(list((tmp_path / "bench").iterdir())) == 4
    assert "qimen_sync_log_20261105.xlsx" in result.output


def test_generate_help_and_bad_size(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    bad = runner.invoke(app, ["generate", "--out", str(tmp_path), "--rows-per-source", "5"])
    assert bad.exit_code != 0
    assert not (tmp_path / "dump").exists()
