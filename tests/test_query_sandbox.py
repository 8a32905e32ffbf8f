"""`opsrca query` reads the database and nothing else: no files, extensions or settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsrca import store
from opsrca.cli import app
from opsrca.ingest import ingest_paths

runner = CliRunner()
DATA = Path(__file__).parent / "data" / "ingest"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("q") / "q.duckdb"
    con = store.connect(path)
    try:
        ingest_paths([DATA / "tiktok_ops_errors_small.csv"], con)
    finally:
        con.close()
    return path


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT platform, count(*) AS n FROM events GROUP BY 1",
        "SELECT count(*) FROM events_classified",
        "SELECT count(*) FROM rejects JOIN ingested_files ON true",
        "SELECT * FROM (SELECT message FROM events ORDER BY message) LIMIT 2",
        "SELECT current_setting('enable_external_access')",
    ],
)
def test_select_over_tables_and_views_works(db: Path, sql: str) -> None:
    res = runner.invoke(app, ["query", sql, "--db", str(db), "--format", "csv"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(
    "sql",
    [
        "COPY events TO '{tmp}/stolen.csv'",
        "COPY (SELECT 1) TO '{tmp}/stolen.parquet' (FORMAT parquet)",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '{tmp}/other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "RESET lock_configuration",
        "SET autoinstall_known_extensions = true",
    ],
)
def test_files_extensions_and_settings_are_refused(db: Path, tmp_path: Path, sql: str) -> None:
    res = runner.invoke(
        app, ["query", sql.format(tmp=tmp_path), "--db", str(db), "--format", "csv"]
    )
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1, res.output
    # a bare path is not even looked up as a file: DuckDB reports an unknown table instead
    assert lines[0].startswith("error: query refused") or "does not exist" in lines[0]
    assert "root:" not in res.output
    assert not list(tmp_path.iterdir())  # nothing written


def test_help_says_what_query_can_touch() -> None:
    res = runner.invoke(app, ["query", "--help"])
    assert "confined" in res.output and "COPY" in res.output and "export" in res.output
