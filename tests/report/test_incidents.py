"""Incidents: bursts merged into one line per shop and root cause."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from report_factory import save_decisions

from opsrca import api, store
from opsrca.report import views
from opsrca.report.incidents import incidents


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
    events = pl.DataFrame({
        "event_id": [f"e{i}" for i in range(n)],
        "platform": ["tiktok"] * n, "shop_id": ["S"] * n, "is_error": [True] * n,
        "occurred_at": [t0 + timedelta(minutes=10 * (i // 6), seconds=i % 6) for i in range(n)],
        "message": ["x"] * n,
    })
    cls = pl.DataFrame({"event_id": events["event_id"], "root_cause": ["platform.server_error"] * n,
                        "template": ["x"] * n})
    con = store.connect(":memory:")
    store.append(con, "events", events)
    save_decisions(con, cls)
    views.prepare(con)
    frame = incidents(con)
    assert frame["buckets"].sum() <= 1  # only the very first bucket (no baseline yet) may flag


def test_bad_parameters() -> None:
    con = store.connect(":memory:")
    views.prepare(con)
    with pytest.raises(ValueError, match="must be positive"):
        incidents(con, bucket_minutes=0)
