"""New patterns: first seen in this batch vs. the database; unseen in the model's training."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from opsrca import api
from opsrca.report import novelty
from opsrca.report.views import prepare


def test_new_templates_of_the_latest_batch(report_db: Path) -> None:
    frame = api.new_patterns(report_db)  # latest ingest = batch b2
    assert frame["template"].to_list() == ["brand new <*>"]
    assert frame["events"].to_list() == [2]


def test_explicit_batches(report_db: Path) -> None:
    assert api.new_patterns(report_db, batches=["b2"]).height == 1
    # b1 holds everything else; templates there were never seen "before" b1 either,
    # but "brand new" is in b2 only, so it is not reported for b1
    b1 = api.new_patterns(report_db, batches=["b1"])
    assert "brand new <*>" not in b1["template"].to_list()
    assert b1.height > 0


def test_first_batch_ever_reports_nothing(report_db: Path) -> None:
    """With nothing ingested before, "new" would be everything: report nothing instead."""
    assert api.new_patterns(report_db, batches=["b1", "b2"]).height == 0


def _con(db: Path):  # type: ignore[no-untyped-def]
    from opsrca import store

    return prepare(store.connect(db, read_only=True))


def test_unseen_from_listed_training_templates(report_db: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    seen = ["access token expired", "Too many requests"]
    (model / "manifest.json").write_text(
        json.dumps(
            {
                "training_template_hashes": [
                    hashlib.sha256(t.encode()).hexdigest() for t in seen[:1]
                ],
                "training_templates": seen[1:],
            }
        )
    )
    con = _con(report_db)
    try:
        frame, note = novelty.unseen_templates(con, model)
    finally:
        con.close()
    assert "access token expired" not in frame["template"].to_list()
    assert "Too many requests" not in frame["template"].to_list()
    assert "仓库代码<*>不存在" in frame["template"].to_list()
    assert "listed training templates" in note


def test_unseen_skipped_when_templates_carry_no_vocabulary_share(
    report_db: Path, tmp_path: Path
) -> None:
    con = _con(report_db)  # the factory's templates were not decided by a model
    try:
        frame, note = novelty.unseen_templates(con, tmp_path / "no-model")
    finally:
        con.close()
    assert frame.height == 0 and "skipped" in note


def test_unseen_comes_from_the_stored_share_without_loading_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opsrca import store
    from opsrca.classify import decide_templates, engine
    from opsrca.ingest import ingest_paths

    path = tmp_path / "n.duckdb"
    data = tmp_path / "e.csv"
    data.write_text(
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
        "a1,/api/x,400,1,access_token expired,2026-11-05T10:00:00Z,0\n"
        "a2,/api/x,400,1,zorblax quuxified the frobnicator,2026-11-05T10:00:00Z,0\n",
        encoding="utf-8",
    )
    con = store.connect(path)
    ingest_paths([data], con)
    decide_templates(con)

    def no_model(*_: object, **__: object) -> object:
        raise AssertionError("the report loaded a model")

    monkeypatch.setattr(engine, "get_model", no_model)
    prepare(con)
    frame, note = novelty.unseen_templates(con, tmp_path / "no-model")
    con.close()
    assert frame["template"].to_list() == ["zorblax quuxified the frobnicator"]
    assert frame["oov_share"].item() == 0.75  # "the" is a word the model knows
    assert "1 of 2 templates" in note
