"""Spark and the single machine give the same answers (one local[2] session for the module).

Compared per event: ``event_id → template_id, root_cause``; per root cause: the counts;
per file: rows in, events and rejects. The sample dump goes through ``opsrca spark analyze``
(and the laptop tools read the store through ``attach``); the realistic dump through the
library with small pieces, so the piecewise path is compared too.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from opsrca import store
from opsrca.classify.engine import decide_templates, root_cause_counts
from opsrca.cli import app
from opsrca.ingest import ingest_paths
from opsrca.paths import SAMPLE_DUMP_DIR
from opsrca.spark.attach import attach

SAMPLE = SAMPLE_DUMP_DIR


def _single(
    paths: list[Path], db: Path
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, tuple[int, int, int]]]:
    con = store.connect(db)
    try:
        report = ingest_paths(paths, con)
        decide_templates(con)
        events = store.query(con, "SELECT event_id, template_id, root_cause FROM events_classified")
        counts = root_cause_counts(con).select("root_cause", "events")
    finally:
        con.close()
    files = {Path(f.path).name: (f.rows_in, f.events, f.rejects) for f in report.files}
    return events, counts, files


def _store(out: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    events = pl.read_parquet(out / "events" / "*.parquet").select(
        "event_id", "template_id", "root_cause"
    )
    db = attach(out)
    con = store.connect(db, read_only=True)
    try:
        counts = root_cause_counts(con).select("root_cause", "events")
    finally:
        con.close()
    return events, counts


def _same(a: pl.DataFrame, b: pl.DataFrame, key: str) -> None:
    a, b = a.sort(key), b.sort(key)
    assert a.height == b.height
    diff = a.join(b, on=key, how="full", nulls_equal=True, suffix="_spark").filter(
        pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_spark")) for c in a.columns if c != key)
    )
    assert diff.height == 0, diff.head(5).rows()


def test_the_sample_dump_gives_the_same_answers(spark: object, tmp_path: Path) -> None:
    events, counts, files = _single([SAMPLE], tmp_path / "single.duckdb")
    out = tmp_path / "store"
    result = CliRunner().invoke(app, ["spark", "analyze", str(SAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "opsrca report --db" in result.output
    spark_events, spark_counts = _store(out)
    _same(events, spark_events, "event_id")
    _same(counts, spark_counts, "root_cause")
    rejects = pl.read_parquet(out / "rejects" / "*.parquet")
    assert rejects.height == sum(r for _, _, r in files.values()) == 6
    report = CliRunner().invoke(
        app, ["report", "--db", str(out / "opsrca.duckdb"), "--out", str(tmp_path / "rep")]
    )
    assert report.exit_code == 0, report.output


def test_a_realistic_dump_gives_the_same_answers(
    spark: object, realistic_dump: Path, tmp_path: Path
) -> None:
    from opsrca.spark import analyze

    events, counts, files = _single([realistic_dump], tmp_path / "single.duckdb")
    assert files["zz_tiktok_overlap.csv"] == (5, 0, 5)  # its five error_ids were loaded before
    out = tmp_path / "store"
    run = analyze(spark, [realistic_dump], str(out), piece_bytes=256 << 10)  # type: ignore[arg-type]
    assert {Path(f.path).name: (f.rows_in, f.events, f.rejects) for f in run.files} == files
    spark_events, spark_counts = _store(out)
    _same(events, spark_events, "event_id")
    _same(counts, spark_counts, "root_cause")
    assert run.root_causes == dict(counts.iter_rows())
    reasons = pl.read_parquet(out / "rejects" / "*.parquet")["reason"]
    assert reasons.str.contains("is already loaded from").sum() == 5


def test_a_missing_model_is_one_line(spark: object, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["spark", "analyze", str(SAMPLE), "--out", str(tmp_path / "s"), "--model", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "--model" in result.output
