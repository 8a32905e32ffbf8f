"""A small database with known truth (see ``report_factory``) for the report tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from report_factory import build_frames

from opsrca import store


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file holding ``build_frames()`` plus rejects, ingested files and listing findings."""
    path = tmp_path_factory.mktemp("reportdb") / "test.duckdb"
    events, cls = build_frames()
    con = store.connect(path)
    try:
        store.append(con, "events", events)
        store.save_decisions(con, cls)
        store.append(
            con,
            "ingested_files",
            pl.DataFrame(
                {
                    "path": ["a.jsonl", "b.csv"],
                    "sha256": ["x", "y"],
                    "source_format": ["ozon_jsonl", "tiktok_csv"],
                    "rows": [10, 2],
                    "rejected": [1, 0],
                    "ingested_at": [datetime(2026, 11, 3, 1), datetime(2026, 11, 3, 2)],
                    "batch_id": ["b1", "b2"],
                }
            ),
        )
        store.append(
            con,
            "rejects",
            pl.DataFrame(
                {
                    "source_file": ["a.jsonl"],
                    "source_line": [7],
                    "field": ["ts"],
                    "reason": ["truncated JSON"],
                    "raw": ['{"ts": "2026-11'],
                    "batch_id": ["b1"],
                }
            ),
        )
        store.append(
            con,
            "lint_findings",
            pl.DataFrame(
                {
                    "item_code": ["SKU 01"],
                    "rule": ["item_code_chars"],
                    "root_cause": ["validation.invalid_value"],
                    "field": ["item_code"],
                    "value": ["SKU 01"],
                    "fix_zh": ["去掉空格"],
                    "fix_en": ["remove spaces"],
                }
            ),
        )
        store.append(
            con,
            "dupe_pairs",
            pl.DataFrame(
                {
                    "account_id": ["acc1"],
                    "item_id_a": ["i1"],
                    "item_id_b": ["i2"],
                    "score": [0.8],
                    "root_cause": ["risk.duplicate_listing"],
                }
            ),
        )
    finally:
        con.close()
    return path
