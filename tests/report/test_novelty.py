"""New patterns: first seen in this batch vs. the database; unseen in the model's training."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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
    (model / "manifest.json").write_text(json.dumps({
        "training_template_hashes": [hashlib.sha256(t.encode()).hexdigest() for t in seen[:1]],
        "training_templates": seen[1:],
    }))
    con = _con(report_db)
    try:
        frame, note = novelty.unseen_templates(con, model)
    finally:
        con.close()
    assert "access token expired" not in frame["template"].to_list()
    assert "Too many requests" not in frame["template"].to_list()
    assert "仓库代码<*>不存在" in frame["template"].to_list()
    assert "listed training templates" in note


def test_unseen_skipped_without_a_model(report_db: Path, tmp_path: Path) -> None:
    con = _con(report_db)
    try:
        frame, note = novelty.unseen_templates(con, tmp_path / "no-model")
    finally:
        con.close()
    assert frame.height == 0 and "skipped" in note
