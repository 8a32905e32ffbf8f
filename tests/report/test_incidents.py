"""Incidents: bursts merged into one line per shop and root cause.

The sparse query must return exactly what the old dense one did (``_incidents_reference``,
the oracle): on the report fixture, on the bundled sample dump and on generated loads.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_analyze import require_pipeline

from opsrca import api, paths, store
from opsrca.generate.incident_load import IncidentLoad, make_incident_load
from opsrca.report import incidents as incidents_module
from opsrca.report import views
from opsrca.report._incidents_reference import dense_incidents
from opsrca.report.incidents import incidents, incidents_sql


def test_token_expiry_burst_is_one_incident(report_db: Path) -> None:
    frame = api.incidents(report_db)
    tok = frame.filter(frame["root_cause"] == "auth.token_expired")
    assert tok.height == 1
    row = tok.row(0, named=True)
    assert row["shop_id"] == "OZ1"
    assert row["start"] == datetime(2026, 11, 2, 2, 0)
    assert row["end"] == datetime(2026, 11, 2, 2, 40)
    assert row["errors"] == 40 and row["buckets"] == 4 and row["peak"] == 10
    assert row["line"] == "shop OZ1: auth.token_expired 11-02 02:00–02:40 UTC, 40 errors"


def test_quiet_baseline_is_not_an_incident(report_db: Path) -> None:
    frame = api.incidents(report_db)
    assert "validation.invalid_value" not in frame["root_cause"].to_list()  # 1 per hour
    assert "config.base_setup_missing" not in frame["root_cause"].to_list()  # 3 < min_count


def test_min_count_and_bucket_size(report_db: Path) -> None:
    assert api.incidents(report_db, min_count=50).height == 0
    hourly = api.incidents(report_db, bucket_minutes=60)
    tok = hourly.filter(hourly["root_cause"] == "auth.token_expired").row(0, named=True)
    assert tok["errors"] == 40 and tok["buckets"] == 1


def test_steady_load_is_not_a_burst(tmp_path: Path) -> None:
    """A shop failing 6 times every 10 minutes all day has no burst after the first bucket."""
    from datetime import timedelta

    import polars as pl

    t0 = datetime(2026, 11, 2)
    n = 6 * 24 * 6
    events = pl.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "platform": ["tiktok"] * n,
            "shop_id": ["S"] * n,
            "is_error": [True] * n,
            "occurred_at": [t0 + timedelta(minutes=10 * (i // 6), seconds=i % 6) for i in range(n)],
            "message": ["x"] * n,
        }
    )
    cls = pl.DataFrame(
        {
            "event_id": events["event_id"],
            "root_cause": ["platform.server_error"] * n,
            "template": ["x"] * n,
        }
    )
    con = store.connect(":memory:")
    store.append(con, "events", events)
    store.save_decisions(con, cls)
    views.prepare(con)
    frame = incidents(con)
    assert frame["buckets"].sum() <= 1  # only the very first bucket (no baseline yet) may flag


def test_bad_parameters() -> None:
    con = store.connect(":memory:")
    views.prepare(con)
    with pytest.raises(ValueError, match="must be positive"):
        incidents(con, bucket_minutes=0)


# --- the sparse query against the old dense one (the oracle) ---------------------------

PARAMETER_SETS = [
    {},
    {"bucket_minutes": 60},
    {"window": 6, "factor": 2.0, "min_count": 3},
    {"bucket_minutes": 5, "window": 72, "z": 2.0},
]


def _connect(load: IncidentLoad) -> duckdb.DuckDBPyConnection:
    con = store.connect(":memory:")
    store.append(con, "events", load.events)
    store.save_decisions(con, load.classifications)
    return views.prepare(con)


def _largest_intermediate(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The most rows any operator of ``sql``'s plan produced (EXPLAIN ANALYZE)."""
    [(_, plan)] = con.sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}").fetchall()

    def walk(node: dict[str, Any]) -> int:
        return max([int(node.get("intermediate_rows", 0)), *map(walk, node.get("children", []))])

    return max(walk(op) for op in json.loads(plan)["operator"])


@pytest.mark.parametrize("params", PARAMETER_SETS)
def test_same_incidents_as_dense_on_report_db(report_db: Path, params: dict[str, Any]) -> None:
    con = views.prepare(store.connect(report_db, read_only=True))
    try:
        assert_frame_equal(incidents(con, **params), dense_incidents(con, **params))
    finally:
        con.close()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("params", PARAMETER_SETS)
def test_same_incidents_as_dense_on_generated_load(seed: int, params: dict[str, Any]) -> None:
    """Busy and quiet shops, shops with and without success rows, gaps and bursts."""
    con = _connect(make_incident_load(60_000, shops=12, days=3, bursts=6, seed=seed))
    new = incidents(con, **params)
    assert new.height > 0
    assert_frame_equal(new, dense_incidents(con, **params))


def test_generated_load_exercises_the_traffic_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above covers the calls × share baseline: without it the answer changes."""
    con = _connect(make_incident_load(60_000, shops=12, days=3, bursts=6, seed=1))
    with_share = incidents(con)
    monkeypatch.setattr(incidents_module, "MIN_WINDOW_CALLS", 10**9)
    assert not with_share.equals(incidents(con))


def test_missing_shop_and_root_cause_match_dense() -> None:
    """Events without a shop or a classification form the '(none)' / 'unclassified' series."""
    load = make_incident_load(20_000, shops=6, days=2, bursts=4, seed=5)
    events = load.events.with_columns(
        shop_id=pl.when(pl.col("shop_id") == "S0001").then(None).otherwise(pl.col("shop_id"))
    )
    cls = load.classifications.filter(pl.col("root_cause") != "auth.token_expired")
    con = _connect(IncidentLoad(events, cls, load.bursts))
    new = incidents(con)
    assert {"(none)", "unclassified"} <= set(new["shop_id"]) | set(new["root_cause"])
    assert_frame_equal(new, dense_incidents(con))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample dump ingested and classified by the real pipeline."""
    require_pipeline()
    from opsrca.classify import classify_db
    from opsrca.ingest import ingest_paths

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    con = store.connect(path)
    try:
        ingest_paths([paths.SAMPLE_DUMP_DIR], con)
        classify_db(con)
    finally:
        con.close()
    return path


@pytest.mark.parametrize("params", PARAMETER_SETS)
def test_same_incidents_as_dense_on_sample_dump(sample_db: Path, params: dict[str, Any]) -> None:
    con = views.prepare(store.connect(sample_db, read_only=True))
    try:
        assert_frame_equal(incidents(con, **params), dense_incidents(con, **params))
    finally:
        con.close()


# --- a sparse month of a thousand shops ----------------------------------------------


@pytest.mark.parametrize("days", [30, 360])
def test_sparse_month_of_a_thousand_shops_finds_the_bursts_only(days: int) -> None:
    """A few events per shop over the range plus five bursts: the bursts, nothing else.

    The cost follows the events: no operator of the query produces more rows than there are
    events, a month or a year alike (zero-filling would make 1,000 shops × causes × 4,320
    buckets a month, twelve times that a year).
    """
    load = make_incident_load(5_000, shops=1000, days=days, bursts=5, seed=11)
    con = _connect(load)
    found = incidents(con).select("platform", "shop_id", "root_cause", "start", "end", "errors")
    planted = load.bursts.sort("shop_id", "root_cause")
    assert found.sort("shop_id", "root_cause").drop("errors").equals(planted.drop("errors"))
    assert (found.sort("shop_id", "root_cause")["errors"] >= planted["errors"]).all()

    sql = incidents_sql(bucket_minutes=10, factor=3.0, min_count=5, window=36, z=3.5)
    assert _largest_intermediate(con, sql) <= load.events.height


def test_events_without_a_platform_still_make_an_incident() -> None:
    """The dense query joined on ``platform = platform`` and so lost such bursts; this one keeps them."""
    load = make_incident_load(2_000, shops=20, days=2, bursts=1, seed=3)
    shop = load.bursts["shop_id"][0]
    events = load.events.with_columns(
        platform=pl.when(pl.col("shop_id") == shop).then(None).otherwise(pl.col("platform"))
    )
    found = incidents(_connect(IncidentLoad(events, load.classifications, load.bursts)))
    row = found.filter(pl.col("shop_id") == shop).row(0, named=True)
    assert row["platform"] is None and row["start"] == load.bursts["start"][0]


def test_no_errors_no_incidents_same_columns() -> None:
    con = views.prepare(store.connect(":memory:"))
    new = incidents(con)
    assert new.height == 0 and new.schema == dense_incidents(con).schema
