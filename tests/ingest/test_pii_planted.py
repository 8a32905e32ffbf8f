"""Planted buyer data never appears in clear: not in a table, an export, report.html or a
terminal line after `opsrca analyze` (issue #11: 23 of 35 planted values leaked)."""

from __future__ import annotations

import html
import json
import re
import tomllib
import unicodedata
import urllib.parse
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from opsrca.cli import app
from opsrca.ingest.pii import decode_text, mask_series, mask_text

PLANTS: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parents[1] / "data" / "pii" / "planted.toml").read_text(encoding="utf-8")
)["plant"]


def _decoded(text: str) -> str:
    """What a reader sees: entities, \\u escapes and %XX decoded, full-width folded."""
    text = html.unescape(text)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = urllib.parse.unquote(text)
    return unicodedata.normalize("NFKC", text)


def _leaks(text: str, plants: list[dict[str, Any]]) -> list[str]:
    seen = _decoded(text)
    squeezed = re.sub(r"[\s\-()]", "", seen)
    found = []
    for plant in plants:
        for needle in plant["clear"]:
            hay = squeezed if needle.isdigit() else seen
            if needle in hay:
                found.append(f"{plant['form']}: {needle}")
    return found


def test_corpus_is_large_and_varied() -> None:
    assert len(PLANTS) >= 35
    assert len({p["field"] for p in PLANTS}) >= 7


@pytest.mark.parametrize("plant", PLANTS, ids=[p["form"] for p in PLANTS])
def test_planted_value_is_masked(plant: dict[str, Any]) -> None:
    text = plant["text"]
    masked = mask_text(text)
    assert not _leaks(masked, [plant]), masked
    assert "<" in masked  # a mask token took its place


def test_decode_keeps_json_valid() -> None:
    raw = '{"m":"a%22b %0A c \\u0022 \\u005c \\u000a x\\u0040y.cn"}'
    decoded = decode_text(raw)
    assert json.loads(decoded)["m"] == 'a"b \n c " \\ \n x@y.cn'


def test_encoded_cell_without_pii_is_left_as_it_was() -> None:
    values = pl.Series(["CPU 95% used", "name \\u5f20 ok", "进度 50%，请稍后", "ＳＫＵ－１２"])
    assert mask_series(values).to_list() == values.to_list()


def test_unique_and_row_by_row_agree_on_encoded_cells() -> None:
    values = pl.Series([p["text"] for p in PLANTS] * 2 + [None, "plain"])
    assert mask_series(values, unique=True).to_list() == mask_series(values).to_list()


# --- end to end ------------------------------------------------------------------------------


def _dump(folder: Path) -> None:
    """A TikTok CSV and an Ozon JSON Lines file carrying every plant where it says."""
    rows = []
    for i, plant in enumerate(p for p in PLANTS if p["field"] != "ozon"):
        row = {
            "error_id": f"73019999000000{i:05d}",
            "shop_id": f"shop{i % 3}",
            "shop_name": "Kawa Beauty GB",
            "region_code": "GB",
            "api_endpoint": "/product/202309/products",
            "http_status": "400",
            "error_code": "12052048",
            "error_message": "category_id 600001 not found in current region",
            "first_occurred_at": f"2026-11-02T02:{i % 60:02d}:05Z",
            "retry_count": "1",
            "response_payload": None,
        }
        key = {
            "timestamp": "first_occurred_at",
            "http_status": "http_status",
            "endpoint": "api_endpoint",
            "message": "error_message",
            "shop": "shop_name",
            "payload": "response_payload",
        }[plant["field"]]
        row[key] = plant["text"]
        rows.append(row)
    pl.DataFrame(rows).write_csv(folder / "tiktok_ops_errors.csv")
    lines = []
    for i, plant in enumerate(p for p in PLANTS if p["field"] == "ozon"):
        # the plant text is already JSON-string text (its escapes are the point)
        lines.append(
            f'{{"ts":"2026-11-02T03:{i:02d}:05Z","client_id":"204371","method":"POST",'
            + '"path":"/v3/product/import","status":400,"token_type":"bearer",'
            + '"response":{"code":3,"message":"'
            + plant["text"].replace('"', '\\"')
            + '"}}'
        )
    (folder / "ozon_api.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _table_texts(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        ]
        return {n: str(con.execute(f'SELECT * FROM "{n}"').fetchall()) for n in names}
    finally:
        con.close()


def test_no_planted_value_in_clear_anywhere(tmp_path: Path) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    _dump(dump)
    planted = "".join(f.read_text(encoding="utf-8") for f in dump.iterdir())
    assert len(_leaks(planted, PLANTS)) == sum(len(p["clear"]) for p in PLANTS)  # all findable
    db, out = tmp_path / "t.duckdb", tmp_path / "out"
    runner = CliRunner()
    texts: dict[str, str] = {}

    def run(name: str, *args: str) -> None:
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        texts[name] = result.output

    run("analyze", "analyze", str(dump), "--out", str(out), "--full")  # rejects printed
    # the rejects table is printed (English or Chinese labels, by the configured language)
    assert "rejected input rows" in texts["analyze"].lower() or "被拒绝的输入行" in texts["analyze"]
    run("errors", "errors", "--limit", "0")
    run("errors csv", "errors", "--limit", "0", "--format", "csv", "-o", str(tmp_path / "e.csv"))
    run("health", "health")
    run("query rejects", "query", "SELECT * FROM rejects", "--format", "csv")
    run("export events", "export", "--out", str(tmp_path / "events.csv"), "--table", "events")
    run("export rejects", "export", "--out", str(tmp_path / "rejects.csv"), "--table", "rejects")
    con = duckdb.connect(str(db), read_only=True)
    # `show` prints stored columns (checked below as tables): a few events with payloads suffice
    ids = con.execute("SELECT event_id FROM events WHERE payload IS NOT NULL LIMIT 8").fetchall()
    con.close()
    for (event_id,) in ids:
        run(f"show {event_id}", "show", event_id)
    # strict ingest: the error line quotes the first reject
    run("ingest --strict", "ingest", str(dump / "tiktok_ops_errors.csv"), "--strict")
    texts.update(_table_texts(db))
    for f in ("e.csv", "events.csv", "rejects.csv"):
        texts[f] = (tmp_path / f).read_text(encoding="utf-8-sig")
    texts["summary.csv"] = (out / "summary.csv").read_text(encoding="utf-8-sig")
    texts["report.html"] = (out / "report.html").read_text(encoding="utf-8")
    texts["events.parquet"] = str(pl.read_parquet(out / "events.parquet").rows())

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM events").fetchall()[0][0] >= 30  # the dump loaded
    assert con.execute("SELECT count(*) FROM rejects").fetchall()[0][0] >= 4
    con.close()
    leaks = {name: found for name, text in texts.items() if (found := _leaks(text, PLANTS))}
    assert not leaks


def test_an_unreadable_file_is_reported_without_the_buyer_data_in_its_header(
    tmp_path: Path,
) -> None:
    """A file no reader knows is reported with its header quoted (so the user can --map it),
    masked: the reason is printed and stored, --keep-pii or not."""
    odd = tmp_path / "odd.csv"
    odd.write_text("收件人13812345678,备注 buyer.zhang@example.com\n1,2\n", encoding="utf-8")
    db = tmp_path / "x.duckdb"
    for extra in ([], ["--keep-pii"]):
        result = CliRunner().invoke(app, ["ingest", str(odd), "--db", str(db), *extra])
        assert result.exit_code == 1
        assert "file unreadable: cannot tell the source format" in result.output
        assert "收件人<PHONE>" in result.output and "<EMAIL>" in result.output
        planted = {"form": "header", "clear": ["13812345678", "buyer.zhang"]}
        assert not _leaks(result.output, [planted])
    result = CliRunner().invoke(app, ["classify", str(odd), "-o", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and "收件人<PHONE>" in result.output
    assert "13812345678" not in result.output
