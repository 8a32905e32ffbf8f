"""The public API (``import opsrca``): documented, typed, returning Polars frames."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import polars as pl
import pytest

import opsrca
from opsrca import api, paths

sys.path.insert(0, str(Path(__file__).parent / "report"))
from report_factory import build_frames


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsrca import store

    path = tmp_path_factory.mktemp("api") / "api.duckdb"
    events, cls = build_frames()
    con = store.connect(path)
    store.append(con, "events", events)
    store.save_decisions(con, cls)
    con.close()
    return path


@pytest.mark.parametrize(
    "name", [n for n in opsrca.__all__ if n[0].islower() and n != "__version__"]
)
def test_exported_functions_are_documented_and_typed(name: str) -> None:
    obj = getattr(opsrca, name)
    assert callable(obj)
    assert inspect.getdoc(obj), f"opsrca.{name} has no docstring"
    hints = inspect.get_annotations(obj)
    assert "return" in hints, f"opsrca.{name} has no return type"


def test_top_level_names_do_not_shadow_modules() -> None:
    import importlib

    for name in opsrca.__all__:
        assert importlib.util.find_spec(f"opsrca.{name}") is None, name
    assert opsrca.find_errors is api.errors and opsrca.write_report is api.report


def test_load_joins_events_with_root_causes(db: Path) -> None:
    frame = opsrca.load(db)
    assert isinstance(frame, pl.DataFrame) and frame.height == 452
    assert {"event_id", "message", "root_cause", "fix_zh", "root_cause_zh", "retryable"} <= set(
        frame.columns
    )
    failed = frame.filter(pl.col("is_error"))
    assert failed["root_cause"].null_count() == 0
    assert frame.filter(~pl.col("is_error"))["root_cause"].null_count() == 452 - 70
    assert opsrca.load(db, errors_only=True).height == 70


def test_load_takes_the_latest_classification(db: Path, tmp_path: Path) -> None:
    from datetime import datetime

    from opsrca import store

    path = tmp_path / "twice.duckdb"
    events, cls = build_frames()
    con = store.connect(path)
    store.append(con, "events", events)
    store.save_decisions(con, cls)
    newer = cls.filter(pl.col("event_id") == "qm-cfg-0").with_columns(
        root_cause=pl.lit("erp.internal_error"), classified_at=pl.lit(datetime(2026, 12, 1))
    )
    store.save_decisions(con, newer)
    con.close()
    frame = opsrca.load(path)
    assert frame.height == 452  # no duplicated rows
    assert (
        frame.filter(pl.col("event_id") == "qm-cfg-0")["root_cause"].item() == "erp.internal_error"
    )


def test_sql_sees_the_views(db: Path) -> None:
    out = opsrca.sql(
        "SELECT root_cause, count(*) AS n FROM ev WHERE is_error GROUP BY 1 ORDER BY n DESC", db
    )
    assert out["root_cause"][0] == "auth.token_expired"
    assert opsrca.sql("SELECT count(*) AS n FROM taxonomy", db)["n"].item() == 24


def test_read_functions_never_create_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.duckdb"
    with pytest.raises(opsrca.DatabaseError, match="does not exist"):
        opsrca.load(missing)
    assert not missing.exists()


def test_summarize_returns_frames(db: Path) -> None:
    s = opsrca.summarize(db)
    assert isinstance(s, opsrca.Summary)
    assert s.root_causes.height == 7 and s.incidents.height == 3


def test_classify_frame_uses_the_classifier() -> None:
    if not (paths.DEFAULT_MODEL_DIR / "manifest.json").exists():
        pytest.skip("the bundled model (models/default) is not built yet")
    out = opsrca.classify_frame(pl.DataFrame({"message": ["access_token expired", "签名错误"]}))
    assert out["root_cause"].to_list() == ["auth.token_expired", "auth.invalid_credentials"]
    assert {"confidence", "evidence", "fix_zh", "fix_en"} <= set(out.columns)


def test_ingest_files_then_load(tmp_path: Path) -> None:
    csv = tmp_path / "tiktok_ops_errors_api.csv"
    csv.write_text(
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n"
        "e-1,/api/products,401,105002,access_token expired,2026-11-02T02:13:05Z,4\n",
        encoding="utf-8",
    )
    db = tmp_path / "i.duckdb"
    report = opsrca.ingest_files([csv], db=db)
    assert report.events == 1 and report.rejects == 0
    frame = opsrca.load(db)
    assert frame["event_id"].to_list() == ["e-1"] and frame["root_cause"].to_list() == [None]
