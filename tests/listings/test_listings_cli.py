"""CLI: exit codes, outputs (CSV with BOM / Parquet), --db, one-line errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import store
from opsrca.cli import app
from opsrca.listings.samples import write_listing_samples

runner = CliRunner()


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dump")
    write_listing_samples(out)
    return out


def test_dupes_csv_and_db(dump: Path, tmp_path: Path) -> None:
    out, db = tmp_path / "pairs.csv", tmp_path / "x.duckdb"
    res = runner.invoke(
        app, ["dupes", str(dump / "listings.csv"), "--output", str(out), "--db", str(db)]
    )
    assert res.exit_code == 0, res.output
    assert "cluster" in res.output and "Fix:" in res.output and "修复" in res.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(out)
    assert {
        "item_id_a",
        "item_id_b",
        "title_score",
        "selling_points_score",
        "score",
        "reason",
        "cluster_id",
    } <= set(frame.columns)
    con = store.connect(db)
    assert store.table(con, "dupe_pairs").height == frame.height
    con.close()


def test_dupes_parquet_threshold_scope(dump: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.parquet"
    res = runner.invoke(
        app,
        [
            "dupes",
            str(dump / "listings.csv"),
            "--threshold",
            "99.5",
            "--scope",
            "all",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(out)["reason"].to_list().count("sku_only_difference") == 2


def test_overlap_and_lint(dump: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "overlap",
            str(dump / "visitor_profiles.csv"),
            "--rule",
            "mean",
            "-o",
            str(tmp_path / "o.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "S1,S2,S3" in res.output
    res = runner.invoke(
        app,
        [
            "lint",
            str(dump / "products.csv"),
            "--categories",
            str(dump / "open_categories.txt"),
            "-o",
            str(tmp_path / "l.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pl.read_csv(tmp_path / "l.csv")["rule"].n_unique() == 13


def test_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("店铺,foo\nA,1\n", encoding="utf-8")
    res = runner.invoke(app, ["dupes", str(bad)])
    assert res.exit_code == 2
    assert "missing column" in res.output and "bad.csv" in res.output
    neg = tmp_path / "neg.csv"
    neg.write_text("店铺,维度,分组,占比\nA,地域,x,-1\n", encoding="utf-8")
    res = runner.invoke(app, ["overlap", str(neg)])
    assert res.exit_code == 2 and "line 2" in res.output


def test_bad_options(dump: Path) -> None:
    assert (
        runner.invoke(app, ["dupes", str(dump / "listings.csv"), "--scope", "planet"]).exit_code
        == 2
    )
    assert runner.invoke(app, ["overlap", str(dump / "nope.csv")]).exit_code == 2
    res = runner.invoke(app, ["dupes", str(dump / "listings.csv"), "--threshold", "101"])
    assert res.exit_code == 2 and "between 0 and 100" in res.output


@pytest.mark.parametrize("command", ["dupes", "overlap", "lint"])
def test_help_has_example(command: str) -> None:
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0 and "Example:" in res.output
