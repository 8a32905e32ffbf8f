"""Templates are the unit of work: ingest tags failed events, classify decides templates once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from opsrca import store
from opsrca.classify import decide_templates, root_cause_counts
from opsrca.ingest import ingest_paths
from opsrca.paths import SAMPLE_DUMP_DIR
from opsrca.templates import DECISION_KEYS, key_ids, template_keys

EVENT_FILES = sorted(
    p for p in SAMPLE_DUMP_DIR.iterdir() if p.name.startswith(("tiktok", "qimen", "ozon", "taobao"))
)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample dump ingested (not yet classified)."""
    path = tmp_path_factory.mktemp("tpl") / "sample.duckdb"
    con = store.connect(path)
    ingest_paths(EVENT_FILES, con)
    con.close()
    return path


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(sample_db, tmp_path / "db.duckdb"))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchall()[0]
    assert row is not None
    return row[0]


def test_ingest_tags_every_failed_event_with_its_template(sample_db: Path) -> None:
    con = store.connect(sample_db, read_only=True)
    try:
        assert (
            _scalar(con, "SELECT count(*) FROM events WHERE is_error AND template_id IS NULL") == 0
        )
        assert (
            _scalar(
                con, "SELECT count(*) FROM events WHERE NOT is_error AND template_id IS NOT NULL"
            )
            == 0
        )
        assert _scalar(con, "SELECT count(*) FROM templates") == 0  # nothing decided yet
    finally:
        con.close()


def test_decisions_are_per_template_and_a_rerun_decides_nothing(db: Path) -> None:
    con = store.connect(db)
    try:
        failed = _scalar(con, "SELECT count(*) FROM events WHERE is_error")
        distinct = _scalar(con, "SELECT count(DISTINCT template_id) FROM events WHERE is_error")
        first = decide_templates(con)
        assert first.templates_added == first.templates_decided == first.templates_total == distinct
        assert distinct < failed  # fewer decisions than events
        assert _scalar(con, "SELECT sum(events) FROM templates") == failed
        assert _scalar(con, "SELECT count(*) FROM classifications") == failed
        assert _scalar(con, "SELECT count(*) FROM events_classified") == _scalar(
            con, "SELECT count(*) FROM events"
        )
        stamps = con.sql("SELECT template_id, classified_at FROM templates ORDER BY 1").pl()

        again = decide_templates(con)
        assert (again.templates_added, again.templates_decided) == (0, 0)
        assert (
            con.sql("SELECT template_id, classified_at FROM templates ORDER BY 1")
            .pl()
            .equals(stamps)
        )

        forced = decide_templates(con, redecide_all=True)
        assert forced.templates_decided == distinct
        counts = root_cause_counts(con)
        assert int(counts["events"].sum()) == failed
    finally:
        con.close()


def test_a_new_model_redecides_templates_not_events(db: Path, small_model_dir: Path) -> None:
    con = store.connect(db)
    try:
        bundled = decide_templates(con)
        other = decide_templates(con, model_dir=small_model_dir)
        assert other.templates_decided == bundled.templates_total
        assert other.model_version != bundled.model_version
        versions = con.sql("SELECT DISTINCT model_version FROM templates").pl()["model_version"]
        assert versions.to_list() == [other.model_version]
        assert decide_templates(con, model_dir=small_model_dir).templates_decided == 0
        assert decide_templates(
            con, model_dir=small_model_dir, threshold=0.9
        ).templates_decided == (bundled.templates_total)
    finally:
        con.close()


def test_only_new_templates_are_decided_after_more_data(db: Path, tmp_path: Path) -> None:
    con = store.connect(db)
    try:
        decide_templates(con)
        extra = tmp_path / "extra.csv"
        extra.write_text(
            "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
            "e-new-1,/api/products,400,12052048,a brand new failure nobody has seen,2026-11-05T10:00:00Z,0\n"
            "e-new-2,/api/products,400,12052048,a brand new failure nobody has seen,2026-11-05T10:01:00Z,0\n",
            encoding="utf-8",
        )
        ingest_paths([extra], con)
        run = decide_templates(con)
        assert (run.templates_added, run.templates_decided) == (1, 1)
        row = con.sql(
            "SELECT events, first_seen, last_seen, example_message FROM templates "
            "WHERE template = 'a brand new failure nobody has seen'"
        ).pl()
        assert row["events"].item() == 2
        assert row["first_seen"].item() < row["last_seen"].item()
        assert row["example_message"].item() == "a brand new failure nobody has seen"
    finally:
        con.close()


def test_plain_duckdb_sees_the_wide_views_from_another_folder(db: Path, tmp_path: Path) -> None:
    con = store.connect(db)
    decide_templates(con)
    con.close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = Path.cwd()
    os.chdir(elsewhere)
    try:
        plain = duckdb.connect(str(db), read_only=True)
        wide = plain.sql(
            "SELECT root_cause, fix_zh, owner FROM events_classified WHERE is_error"
        ).pl()
        plain.close()
    finally:
        os.chdir(cwd)
    assert wide["root_cause"].null_count() == 0
    assert wide["fix_zh"].null_count() == 0


def test_an_older_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A database made before templates: a classifications table, events without template_id."""
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE events (event_id VARCHAR, platform VARCHAR, message VARCHAR, "
        "is_error BOOLEAN, occurred_at TIMESTAMP, http_status INTEGER)"
    )
    old.execute(
        "INSERT INTO events VALUES ('a', 'tiktok', 'access_token expired', true, "
        "TIMESTAMP '2026-11-01 00:00:00', 401), ('b', 'tiktok', 'ok', false, "
        "TIMESTAMP '2026-11-01 00:01:00', 200)"
    )
    old.execute("CREATE TABLE classifications (event_id VARCHAR, root_cause VARCHAR)")
    old.execute("INSERT INTO classifications VALUES ('a', 'unknown')")
    old.close()
    con = store.connect(path)
    try:
        run = decide_templates(con)
        assert run.events_templated == 1 and run.templates_added == 1
        cls = store.table(con, "classifications")
        assert cls["event_id"].to_list() == ["a"]
        assert cls["root_cause"].item() == "auth.token_expired"
    finally:
        con.close()


def test_template_ids_are_stable_and_shared_by_equal_keys() -> None:
    frame = pl.DataFrame(
        {
            "message": ["request 9f8e7d6c5b4a3210 failed", "request 0123456789abcdef failed"],
            "platform": ["TikTok", "tiktok"],
            "http_status": ["500", "500.0"],
        }
    )
    rows, keys = template_keys(frame)
    assert rows["template_id"].n_unique() == 1 and keys.height == 1
    assert list(keys.columns) == ["template_id", *DECISION_KEYS]
    # Golden value: a changed id would orphan every decision stored by earlier versions.
    fixed = pl.DataFrame({"template": ["x <NUM>"], "platform": ["ozon"], "http_status": [400]})
    assert key_ids(fixed).item() == "dbcd23f4cd05b310"


def test_realistic_dump_collapses_to_templates(tmp_path: Path) -> None:
    """Real-shaped ids, names and shop names in messages: every row loads (quoted empty cells
    are nulls) and failed events collapse to a few templates per underlying message."""
    from opsrca.generate import write_realistic_dump

    paths = write_realistic_dump(tmp_path, rows=20_000, seed=3)
    truth = pl.read_parquet(paths[-1]).filter(pl.col("is_error"))
    con = store.connect(tmp_path / "r.duckdb")
    try:
        report = ingest_paths([tmp_path / "realistic"], con)
        distinct_messages = _scalar(
            con, "SELECT count(DISTINCT message) FROM events WHERE is_error"
        )
        templates = _scalar(con, "SELECT count(DISTINCT template_id) FROM events WHERE is_error")
    finally:
        con.close()
    assert report.rows_in == report.events == 20_000 and report.rejects == 0
    underlying = truth["template_id"].n_unique()
    assert isinstance(templates, int) and isinstance(distinct_messages, int)
    assert templates < 6 * underlying  # wrappers, codes and statuses multiply it a little
    assert distinct_messages > 3 * templates  # ids made most messages distinct


def test_template_ids_stay_aligned_with_their_rows_at_scale() -> None:
    """The id join is streamed: every row must still get the id of its own message."""
    import numpy as np

    rng = np.random.default_rng(5)
    n = 200_000
    kinds = np.array(
        [
            "access_token expired for shop {}",
            "库存不足: SKU-AB12-{}-XL",
            "request {} rejected by gateway",
            "类目 {} 不存在",
        ]
    )
    picks = rng.integers(0, len(kinds), n)
    ids = rng.integers(0, 10**9, n)
    frame = pl.DataFrame(
        {
            "message": [kinds[k].format(f"{i:x}") for k, i in zip(picks, ids, strict=True)],
            "http_status": rng.choice(["400", "401", "500"], n),
        }
    )
    whole = template_keys(frame)[0]["template_id"]
    pieces = pl.concat(
        [template_keys(part)[0].select("template_id") for part in frame.iter_slices(5_000)]
    )["template_id"]
    assert whole.equals(pieces)
