"""The analyst's loop: label exports unknown/low-confidence templates, train --add learns them,
and the relabeled templates are re-decided right after training."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca import store
from opsrca.classify import decide_templates
from opsrca.classify.datasets import read_analyst_file
from opsrca.classify.labeling import EXPORT_COLUMNS, templates_to_label
from opsrca.classify.persist import load_model
from opsrca.cli import app
from opsrca.ingest import ingest_paths
from opsrca.paths import SAMPLE_DUMP_DIR

runner = CliRunner()
EVENT_FILES = sorted(
    p for p in SAMPLE_DUMP_DIR.iterdir() if p.name.startswith(("tiktok", "qimen", "ozon", "taobao"))
)


@pytest.fixture(scope="module")
def decided_db(tmp_path_factory: pytest.TempPathFactory, small_model_dir: Path) -> Path:
    """The sample dump ingested and decided by the small model at a high threshold, so
    there are unknown and low-confidence templates to export."""
    path = tmp_path_factory.mktemp("loop") / "sample.duckdb"
    con = store.connect(path)
    ingest_paths(EVENT_FILES, con)
    decide_templates(con, model_dir=small_model_dir, threshold=0.9)
    con.close()
    return path


@pytest.fixture
def db(decided_db: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(decided_db, tmp_path / "db.duckdb"))


def _decision(db: Path, template_id: str) -> tuple[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT root_cause, method FROM templates WHERE template_id = ?", [template_id]
        ).fetchall()
    finally:
        con.close()
    return rows[0][0], rows[0][1]


def test_label_exports_largest_unknowns_first(db: Path) -> None:
    con = store.connect(db)
    try:
        rows = templates_to_label(con, below=0.6, limit=50)
    finally:
        con.close()
    assert rows.columns == list(EXPORT_COLUMNS)
    assert rows.height > 0
    assert rows["events"].to_list() == sorted(rows["events"].to_list(), reverse=True)
    assert rows["label"].is_null().all()
    offered = rows.filter(pl.col("root_cause") != "unknown")
    assert (offered["method"] == "model").all() and (offered["confidence"] < 0.6).all()
    assert rows["root_cause_2"].is_not_null().any()


@pytest.mark.parametrize("view", ["events_classified", "classifications"])
def test_views_carry_the_runner_up(db: Path, view: str) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        (n,) = con.execute(
            f"SELECT count(*) FROM {view} WHERE root_cause_2 IS NOT NULL "
            "AND root_cause_2 <> root_cause AND confidence_2 BETWEEN 0 AND 1"
        ).fetchall()[0]
    finally:
        con.close()
    assert n > 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_label_then_train_add_redecides_the_relabeled_template(
    db: Path, tmp_path: Path, small_labeled: Path, small_model_dir: Path, suffix: str
) -> None:
    out = tmp_path / f"to_label{suffix}"
    result = runner.invoke(app, ["label", str(out), "--db", str(db), "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "train" in result.output
    exported = pl.read_excel(out) if suffix == ".xlsx" else pl.read_csv(out, infer_schema=False)
    first = exported.row(0, named=True)
    before, _ = _decision(db, first["template_id"])
    new_label = "erp.internal_error" if before != "erp.internal_error" else "media.image_invalid"
    filled = exported.with_columns(
        pl.when(pl.col("template_id") == first["template_id"])
        .then(pl.lit(new_label))
        .otherwise(None)
        .alias("label")
    )
    if suffix == ".xlsx":
        filled.write_excel(out)
    else:
        filled.write_csv(out)

    model = tmp_path / "model"
    shutil.copytree(small_model_dir, model)
    result = runner.invoke(
        app,
        ["train", str(small_labeled), "--model", str(model), "--add", str(out), "--db", str(db)],
    )
    assert result.exit_code == 0, result.output
    assert "re-decided" in result.output
    assert _decision(db, first["template_id"]) == (new_label, "label")
    loaded = load_model(model)
    assert loaded.analyst_labels == {first["template_id"]: new_label}
    assert loaded.manifest["version"] == 2
    card = (model / "model_card.md").read_text(encoding="utf-8")
    assert "version 2" in card and f"1 templates relabeled from {out.name}" in card


def test_analyst_file_without_template_id_uses_the_message(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    pl.DataFrame(
        {
            "message": ["打印机脱机", "库存不足"],
            "platform": ["other", "qimen"],
            "label": ["unknown", ""],
        }
    ).write_csv(path)
    rows, labels = read_analyst_file(path)
    assert rows.height == 1 and list(labels.values()) == ["unknown"]
    assert len(next(iter(labels))) == 16


def test_analyst_file_with_a_bad_label_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    pl.DataFrame({"message": ["a", "b"], "label": ["unknown", "auth.expired"]}).write_csv(path)
    result = runner.invoke(app, ["train", str(path), "--add", str(path)])
    assert result.exit_code != 0
    assert "'auth.expired' (line 3) is not a taxonomy id" in result.output


def test_label_without_database_suggests_analyze(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["label", str(tmp_path / "x.csv"), "--db", str(tmp_path / "none.duckdb")]
    )
    assert result.exit_code != 0
    assert "opsrca analyze" in result.output


def test_label_refuses_other_formats(db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["label", str(tmp_path / "x.json"), "--db", str(db)])
    assert result.exit_code != 0
    assert ".csv or .xlsx" in result.output


def test_show_prints_the_runner_up(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        event_id, second = con.execute(
            "SELECT event_id, root_cause_2 FROM events_classified "
            "WHERE root_cause_2 IS NOT NULL ORDER BY event_id LIMIT 1"
        ).fetchall()[0]
    finally:
        con.close()
    result = runner.invoke(app, ["show", event_id, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "root_cause_2" in result.output and second in result.output
