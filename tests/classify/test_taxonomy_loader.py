"""The one taxonomy loader: typed categories, the frame, and the DuckDB relation agree."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from opsrca.classify.taxonomy import (
    Category,
    categories,
    label_ids,
    load_taxonomy,
    taxonomy_table,
)
from opsrca.errors import ConfigError
from opsrca.listings import advice

SMALL_TAXONOMY = """
[[category]]
id = "auth.token_expired"
name_zh = "令牌过期"
name_en = "Token expired"
description = "expired"
fix_zh = "刷新令牌"
fix_en = "Refresh the token"
owner = "developer"
retryable = false
examples = ["token expired"]

[[category]]
id = "unknown"
name_zh = "未知"
name_en = "Unknown"
description = "no cause"
fix_zh = "人工排查"
fix_en = "Look by hand"
owner = "erp_admin"
retryable = true
"""


def test_typed_view_and_frame_are_one_parse() -> None:
    frame = load_taxonomy()
    cats = categories()
    assert list(cats) == frame["id"].to_list() == label_ids()
    rate = cats["access.rate_limited"]
    assert isinstance(rate, Category) and rate.retryable is True
    row = frame.row(by_predicate=pl.col("id") == "access.rate_limited", named=True)
    assert (rate.fix_zh, rate.fix_en, rate.owner) == (row["fix_zh"], row["fix_en"], row["owner"])
    assert rate.examples == tuple(row["examples"])


def test_listing_advice_is_the_taxonomy_fix() -> None:
    cat = categories()["media.image_invalid"]
    assert advice.fix("media.image_invalid") == (cat.fix_zh, cat.fix_en)
    with pytest.raises(ConfigError, match=r"no category 'media\.nope'"):
        advice.fix("media.nope")


def test_registered_table_joins_by_id_on_a_read_only_connection(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    duckdb.connect(str(db)).close()
    with duckdb.connect(str(db), read_only=True) as con:
        assert taxonomy_table(con) == '"taxonomy"'
        out = con.sql(
            "SELECT e.root_cause, t.owner, t.retryable, t.fix_en "
            "FROM (VALUES ('access.rate_limited'), ('nope')) e(root_cause) "
            "LEFT JOIN taxonomy t ON t.id = e.root_cause ORDER BY 1"
        ).fetchall()
    cat = categories()["access.rate_limited"]
    assert out == [("access.rate_limited", cat.owner, True, cat.fix_en), ("nope", None, None, None)]


def test_persisted_table_survives_reconnect_and_replaces(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    custom = tmp_path / "taxonomy.toml"
    custom.write_text(SMALL_TAXONOMY, encoding="utf-8")
    with duckdb.connect(str(db)) as con:
        taxonomy_table(con, name="tax", persist=True, path=custom)
        taxonomy_table(con, name="tax", persist=True)  # replaces, never appends
    with duckdb.connect(str(db), read_only=True) as con:
        columns = [r[0] for r in con.sql("DESCRIBE tax").fetchall()]
        n = con.sql("SELECT count(*) FROM tax").fetchall()
    assert columns == load_taxonomy().columns
    assert n == [(len(label_ids()),)]


def test_a_given_file_is_read_and_checked(tmp_path: Path) -> None:
    custom = tmp_path / "taxonomy.toml"
    custom.write_text(SMALL_TAXONOMY, encoding="utf-8")
    assert label_ids(custom) == ["auth.token_expired", "unknown"]
    assert categories(custom)["unknown"].examples == ()
    broken = tmp_path / "broken.toml"
    broken.write_text(SMALL_TAXONOMY.replace('owner = "developer"', 'owner = "intern"'))
    with pytest.raises(ConfigError, match="owner 'intern'"):
        load_taxonomy(broken)
    with pytest.raises(ConfigError, match="cannot read taxonomy"):
        categories(tmp_path / "missing.toml")
