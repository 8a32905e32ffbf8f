"""Bad rows at random places in realistic files never crash ingest (review: Polars panic).

In files of 600-5,000 rows, two bad rows (a text ``status`` in an Ozon line, unreadable
timestamps, a non-numeric ``http_status``, ragged rows) used to crash ingest with
``PanicException: assertion failed: i < self.len()`` from ``pl.format`` over the filtered
bad rows. Every row must end in ``events`` or ``rejects``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from opsrca import store
from opsrca.generate import write_realistic_dump
from opsrca.ingest import ingest_paths

BAD = {
    "tiktok_ops_errors.csv": [
        "b1,7494,Shop A,US,/api,abc,1,bad status,2026-11-05T10:00:00Z,0,,,\n",
        "b2,7494,Shop A,US,/api,400,1,bad time,not-a-time,0,,,\n",
        "b3,only,three\n",
    ],
    "ozon_seller_api.jsonl": [
        '{"ts": "2026-11-05T10:00:00Z", "client_id": "1", "method": "POST", "path": "/v1/x",'
        ' "status": "timeout", "request": {}, "response": {}}\n',
        '{"ts": "yesterday", "client_id": "1", "method": "POST", "path": "/v1/x", "status": 400,'
        ' "request": {}, "response": {"message": "x"}}\n',
        '{"ts": "2026-11-05T10:0\n',
    ],
}


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real")
    write_realistic_dump(out, rows=20_000, seed=5)
    return out / "realistic"


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", sorted(BAD))
def test_two_bad_rows_anywhere(realistic: Path, tmp_path: Path, name: str, seed: int) -> None:
    rng = random.Random(seed)
    lines = (realistic / name).read_text(encoding="utf-8-sig").splitlines(keepends=True)
    head, body = (lines[:1], lines[1:]) if name.endswith(".csv") else ([], lines)
    body = body[: rng.randrange(600, 5_000)]
    for _ in range(2):
        body.insert(rng.randrange(len(body) + 1), rng.choice(BAD[name]))
    path = tmp_path / name
    path.write_text("".join(head + body), encoding="utf-8")
    con = store.connect(tmp_path / "t.duckdb")
    try:
        report = ingest_paths([path], con)
    finally:
        con.close()
    (result,) = report.files
    assert result.status == "loaded", result
    assert result.rows_in == len(body) == result.events + result.rejects
    assert result.rejects == 2
