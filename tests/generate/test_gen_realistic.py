"""The realistic profile: a dump shaped like real ones, deterministic, ingestible, with its truth."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import polars as pl
import pytest

from opsrca import store
from opsrca.generate import realistic as realistic_mod
from opsrca.generate import write_realistic_dump
from opsrca.generate.catalog import LABELS, PLACEHOLDER_RE
from opsrca.generate.fill import generators
from opsrca.generate.realistic_sources import shape_generators
from opsrca.generate.sources import QIMEN_COLUMNS, TIKTOK_COLUMNS
from opsrca.generate.world import load_profile, make_world
from opsrca.ingest import ingest_paths

NAMES = [
    "tiktok_ops_errors.csv",
    "qimen_sync_log.csv",
    "qimen_sync_log_gbk.csv",
    "ozon_seller_api.jsonl",
    "taobao_distribute.jsonl",
    "truth.parquet",
]
CJK = r"[\u4e00-\u9fff]"


def _text(root: Path, name: str) -> str:
    raw = (root / name).read_bytes()
    return raw.decode("gbk") if name.endswith("_gbk.csv") else raw.decode("utf-8-sig")


def _csv(root: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(_text(root, name).encode(), infer_schema=False)


@functools.lru_cache(maxsize=4)
def _jsonl(root: Path, name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in _text(root, name).splitlines()]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 rows: the size at which the month and the ~1,200 shops must show."""
    out = tmp_path_factory.mktemp("realistic")
    write_realistic_dump(out, rows=200_000, seed=7)
    return out / "realistic"


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_realistic_dump(tmp_path / "a", rows=3_000, seed=3)
    b = write_realistic_dump(tmp_path / "b", rows=3_000, seed=3)
    c = write_realistic_dump(tmp_path / "c", rows=3_000, seed=4)
    assert [p.name for p in a] == NAMES
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != c[0].read_bytes()
    assert not list((tmp_path / "a" / "realistic").glob(".*"))  # temporary truth parts removed


def test_chunks_join_seamlessly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are built chunk by chunk; times stay ordered and truth lines exact across chunks."""
    monkeypatch.setattr(realistic_mod, "CHUNK_ROWS", 400)
    root = tmp_path / "realistic"
    write_realistic_dump(tmp_path, rows=4_000, seed=1)
    tiktok = _csv(root, "tiktok_ops_errors.csv")
    utc = tiktok["first_occurred_at"].str.to_datetime(time_zone="UTC", format="%+")
    assert utc.is_sorted()
    gbk = _csv(root, "qimen_sync_log_gbk.csv")["同步时间"]
    assert gbk.is_sorted(descending=True)  # the GBK console export lists newest first
    truth = pl.read_parquet(root / "truth.parquet").filter(
        pl.col("file") == "tiktok_ops_errors.csv"
    )
    assert truth["line"].to_list() == list(range(2, tiktok.height + 2))
    assert truth["event_key"].to_list() == tiktok["error_id"].to_list()


def test_a_month_of_many_shops(big: Path) -> None:
    tiktok = _csv(big, "tiktok_ops_errors.csv")
    qimen = pl.concat([_csv(big, "qimen_sync_log.csv"), _csv(big, "qimen_sync_log_gbk.csv")])
    ozon = _jsonl(big, "ozon_seller_api.jsonl")
    taobao = _jsonl(big, "taobao_distribute.jsonl")
    assert tiktok.columns == list(TIKTOK_COLUMNS) and qimen.columns == list(QIMEN_COLUMNS)
    times = qimen["同步时间"].str.to_datetime("%Y-%m-%d %H:%M:%S")
    assert (times.max() - times.min()).days >= 28  # type: ignore[operator]
    shops = (
        set(tiktok["shop_id"])
        | set(qimen["店铺"])
        | {o["client_id"] for o in ozon}
        | {o["tb_seller_nick"] for o in taobao}
    )
    assert len(shops) >= 1_000
    # Zipf: the busiest shop has many times the rows of the median one.
    per_shop = qimen.group_by("店铺").len()["len"]
    assert per_shop.max() > 10 * per_shop.median()  # type: ignore[operator]
    # Business hours: Shanghai 10:00-16:00 is far busier than 02:00-06:00.
    hours = times.dt.hour()
    busy, quiet = hours.is_between(10, 15).sum() / 6, hours.is_between(2, 5).sum() / 4
    assert busy > 3 * quiet


def test_messages_follow_zipf_over_the_catalog(big: Path) -> None:
    truth = pl.read_parquet(big / "truth.parquet")
    errors = truth.filter(pl.col("is_error"))
    per_template = errors.group_by("template_id").len()["len"]
    assert 300 <= per_template.len() <= 1_000
    assert per_template.max() > 50 * per_template.median()  # type: ignore[operator]
    assert set(errors["root_cause"].unique()) <= set(LABELS)
    success = truth.group_by("file").agg((~pl.col("is_error")).mean().alias("ok"))
    ok = dict(zip(success["file"], success["ok"], strict=True))
    assert 0.6 <= ok["ozon_seller_api.jsonl"] <= 0.8 and 0.6 <= ok["taobao_distribute.jsonl"] <= 0.8
    assert ok["tiktok_ops_errors.csv"] < 0.2 and ok["qimen_sync_log.csv"] < 0.3


def test_identifiers_in_real_shapes(big: Path) -> None:
    text = "\n".join(_text(big, n)[:2_000_000] for n in NAMES[:-1])
    shapes = {
        "hex32": r"\b[0-9a-f]{32}\b",
        "hex16": r"\b[0-9a-f]{16}\b",
        "uuid": r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b",
        "alnum13": r"\b(?=[a-z0-9]{0,12}[0-9])[a-z][a-z0-9]{12}\b",
        "base64": r"[A-Za-z0-9+/]{15,}[+/][A-Za-z0-9+/]*={1,2}",
        "order": r"\b\d{18,19}\b",
        "sku": r"\bSKU-[A-Z]{2}\d{2}-\d{4}-[A-Z]{1,3}\b",
        "operator": rf"操作人：{CJK}{{2,3}}",
        "sub_account": rf"子账号{CJK}{{2,3}}",
    }
    missing = [k for k, rx in shapes.items() if not re.search(rx, text)]
    assert not missing


def test_shop_named_in_the_message_is_the_rows_shop(big: Path) -> None:
    qimen = _csv(big, "qimen_sync_log.csv")
    named = qimen.with_columns(
        pl.col("错误信息").str.extract(r"店铺【(.+?)】", 1).alias("in_message")
    ).filter(pl.col("in_message").is_not_null())
    assert named.height > 100
    assert (named["in_message"] == named["店铺"]).all()
    taobao = [o for o in _jsonl(big, "taobao_distribute.jsonl") if "店铺【" in str(o["response"])]
    assert taobao and all(
        f"店铺【{o['tb_seller_nick']}】" in o["response"]["message"]  # type: ignore[index]
        for o in taobao
    )


def test_quoted_empty_and_blank_cells(big: Path) -> None:
    text = _text(big, "tiktok_ops_errors.csv")
    assert text.count(',"",') > 1_000  # empty strings, as Polars and pandas write them
    assert re.search(r",\s+,", text)  # whitespace-only cells
    qimen = _text(big, "qimen_sync_log.csv")
    assert ',"","",' in qimen  # a success row: no error code, no message


def test_ozon_speaks_russian_and_english(big: Path) -> None:
    messages = [
        str(o["response"]["message"])  # type: ignore[index]
        for o in _jsonl(big, "ozon_seller_api.jsonl")
        if "message" in o["response"]  # type: ignore[operator]
    ]
    russian = [m for m in messages if re.search("[А-Яа-яЁё]", m)]
    assert 0.05 < len(russian) / len(messages) < 0.9
    assert any("Товар не найден" in m for m in russian)
    assert any(re.fullmatch(r"[ -~]+", m) for m in messages)  # plain English too


def test_detected_and_ingested(tmp_path: Path) -> None:
    paths = write_realistic_dump(tmp_path, rows=5_000, seed=7)
    truth = pl.read_parquet(paths[-1])
    con = store.connect(tmp_path / "t.duckdb")
    try:
        report = ingest_paths([tmp_path / "realistic"], con)  # truth.parquet is not an input
        events = store.query(con, "SELECT event_id, source_file, source_line, is_error FROM events")
    finally:
        con.close()
    by_name = {Path(f.path).name: f for f in report.files if f.status != "skipped"}
    assert set(by_name) == set(NAMES[:-1])
    assert {f.source_format for f in by_name.values()} == {
        "tiktok_csv",
        "qimen_log",
        "ozon_jsonl",
        "taobao_jsonl",
    }
    for name, f in by_name.items():
        assert f.rows_in == f.events + f.rejects == truth.filter(pl.col("file") == name).height
    # Every loaded event is found in the truth at its file and line, with its id and outcome.
    events = events.with_columns(file=pl.col("source_file").str.extract(r"([^/]+)$"))
    joined = events.join(
        truth, left_on=["file", "source_line"], right_on=["file", "line"], how="left"
    )
    assert joined["is_error_right"].null_count() == 0
    own = joined.filter(pl.col("event_key").is_not_null())
    assert (own["event_id"] == own["event_key"]).all()
    assert (joined["is_error"] == joined["is_error_right"]).all()
    assert events.height == report.events


def test_profile_data_is_consistent() -> None:
    profile = load_profile()
    world = make_world(7)
    known = set(generators(world.catalog)) | set(shape_generators(world)) | {"msg", "shop"}
    for platform, decorations in profile.decorations.items():
        for text, _ in decorations:
            assert "{msg}" in text and set(PLACEHOLDER_RE.findall(text)) <= known, text
            if platform == "qimen":
                text.encode("gbk")  # part of Qimen is written in GBK
    for group in profile.ozon_ru:
        assert group["label"] in LABELS
        for text in group["texts"]:
            assert set(PLACEHOLDER_RE.findall(text)) <= known, text
    for key in ("surnames", "given", "cities", "categories", "kinds"):
        "".join(profile.names[key]).encode("gbk")
    assert abs(sum(profile.mix.values()) - 1.0) < 1e-9
    assert sum(profile.shops.values()) >= 1_200


def test_bad_rows() -> None:
    with pytest.raises(ValueError, match="rows"):
        write_realistic_dump(Path("unused"), rows=-1)


def test_cli_realistic_profile(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from opsrca.cli import app

    runner = CliRunner()
    args = ["generate", "--profile", "realistic", "--rows", "600", "--seed", "2"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "realistic").iterdir()) == sorted(NAMES)
    assert "truth.parquet" in result.output
    no_out = runner.invoke(app, args)
    assert no_out.exit_code != 0 and "--out" in no_out.output
    sample_rows = runner.invoke(app, ["generate", "--out", str(tmp_path / "s"), "--rows", "10"])
    assert sample_rows.exit_code != 0 and "--profile realistic" in sample_rows.output
    assert not (tmp_path / "s").exists()
