"""Routing (detect_kind), run_checks with DuckDB, and the sample files making each check fire."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opsrca import store
from opsrca.listings import detect_kind, run_checks
from opsrca.listings.samples import write_listing_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_listing_samples(tmp_path_factory.mktemp("dump"))


def test_samples_are_deterministic(samples: list[Path], tmp_path: Path) -> None:
    again = write_listing_samples(tmp_path, seed=7)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in samples]


def test_detect_kind(samples: list[Path], tmp_path: Path) -> None:
    kinds = {p.name: detect_kind(p) for p in samples}
    assert kinds == {
        "listings.csv": "listings",
        "visitor_profiles.csv": "profiles",
        "products.csv": "products",
        "open_categories.txt": "categories",
    }
    qimen = tmp_path / "qimen_sync_log.csv"
    qimen.write_text(
        "同步时间,接口名称,店铺,商品编码,仓库编码,同步状态,错误码,错误信息\n", encoding="utf-8"
    )
    tiktok = tmp_path / "tiktok_ops_errors.csv"
    tiktok.write_text(
        "error_id,shop_id,api_endpoint,http_status,error_code,error_message\n", encoding="utf-8"
    )
    assert detect_kind(qimen) is None and detect_kind(tiktok) is None
    assert detect_kind(tmp_path / "missing.csv") is None


def test_samples_make_every_check_fire(samples: list[Path]) -> None:
    res = run_checks(samples[0].parent)
    assert set(res.dupes["reason"]) == {"text", "sku_only_difference"}
    assert res.clusters["size"].max() == 3  # the planted triple
    flagged = set(res.dupes["item_id_a"]) | set(res.dupes["item_id_b"])
    assert {"390000a", "390000b", "391000a", "391000b"} <= flagged  # reworded copy, SKU pair
    assert not {"3930000", "3930001"} & flagged  # same stem, different product
    groups = res.overlaps.filter(kind="group")["shops"].to_list()
    assert groups == ["S1,S2,S3"]  # the chain S4~S5~S6 is not a group
    pairs = res.overlaps.filter(kind="pair")["shops"].to_list()
    assert "S4,S5" in pairs and "S5,S6" in pairs and "S4,S6" not in pairs
    assert any("renormalized" in n for n in res.notes)
    rules = set(res.lint["rule"])
    from opsrca.listings.lint import load_rules

    assert rules == {r["id"] for r in load_rules()}  # open_categories.txt picked up automatically


def test_results_stored_and_replaced(samples: list[Path]) -> None:
    con = store.connect(":memory:")
    first = run_checks(samples, con)
    run_checks(samples, con)  # same inputs again: replaced, not duplicated
    for table, frame in (
        ("dupe_pairs", first.dupes),
        ("overlap_findings", first.overlaps),
        ("lint_findings", first.lint),
    ):
        stored = store.table(con, table)
        assert stored.height == frame.height > 0
        assert stored["source_file"].n_unique() == 1
        assert stored["checked_at"].null_count() == 0
    root = store.query(con, "SELECT DISTINCT root_cause FROM lint_findings ORDER BY 1")
    assert "policy.prohibited_content" in root["root_cause"].to_list()
    assert pl.Series(store.table(con, "dupe_pairs")["root_cause"]).unique().to_list() == [
        "risk.duplicate_listing"
    ]


def test_committed_samples_match_generator(tmp_path: Path) -> None:
    from opsrca.paths import SAMPLE_DUMP_DIR

    fresh = write_listing_samples(tmp_path)
    for path in fresh:
        committed = SAMPLE_DUMP_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"regenerate {committed}"
