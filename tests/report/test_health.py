"""Token health: auth share, token-expiry window, success share, quota headroom, token type."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from opsrca import api
from opsrca.report.health import load_quotas, write_call_sql


@pytest.fixture(scope="module")
def health(report_db: Path) -> dict[str, dict[str, object]]:
    frame = api.health(report_db)
    return {r["shop_id"]: r for r in frame.to_dicts()}


def test_auth_counts_and_expiry_window(health: dict[str, dict[str, object]]) -> None:
    oz1 = health["OZ1"]
    assert oz1["auth_errors"] == 43 and oz1["token_expired"] == 40
    assert oz1["auth_share"] == pytest.approx(43 / 48, abs=1e-4)
    assert oz1["first_token_expired"] == datetime(2026, 11, 2, 2, 0)
    assert oz1["last_token_expired"] == datetime(2026, 11, 2, 2, 39)
    assert "token expired ×40" in str(oz1["flags"])


def test_success_share_only_where_successes_are_logged(
    health: dict[str, dict[str, object]],
) -> None:
    assert health["OZ1"]["success_share"] == pytest.approx(60 / 108, abs=1e-4)
    assert health["青岛仓"]["success_share"] == pytest.approx(0.4)
    assert health["TT1"]["success_share"] is None  # an error export has no success rows


def test_quota_headroom(health: dict[str, dict[str, object]]) -> None:
    oz2 = health["OZ2"]
    assert oz2["peak_calls_per_min"] == 320 and oz2["quota_per_min"] == 300
    assert oz2["headroom"] < 0 and "over quota" in str(oz2["flags"])
    assert oz2["min_remaining"] == 0
    assert health["TT1"]["quota_per_min"] is None  # no documented default quota for tiktok


def test_client_credentials_on_write_endpoint(health: dict[str, dict[str, object]]) -> None:
    assert health["OZ1"]["cc_write_calls"] == 3
    assert "client_credentials on write ×3" in str(health["OZ1"]["flags"])
    assert health["OZ2"]["cc_write_calls"] == 0  # bearer tokens on writes are fine


def test_quotas_file_examples_match_write_patterns() -> None:
    import duckdb

    q = load_quotas()
    assert q.per_minute.filter(pl.col("platform") == "ozon")["calls_per_minute"].item() == 300
    sql, params = write_call_sql(q)
    con = duckdb.connect()
    con.execute("CREATE TABLE calls (api_endpoint VARCHAR, http_method VARCHAR)")
    rows = [(e, "POST") for e in q.write_examples] + [
        ("/v3/product/import", "GET"),
        ("/v1/description-category/tree", "POST"),
    ]
    con.executemany("INSERT INTO calls VALUES (?, ?)", rows)
    hits = con.sql(
        f"SELECT api_endpoint, http_method, {sql} AS w FROM calls", params=params
    ).fetchall()
    assert [w for _, _, w in hits] == [True] * len(q.write_examples) + [False, False]
