"""The messy sample dump: formats as the brief states them, the mess is present, bytes are reproducible."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest

from opsrca.generate import LABELS, write_sample_dump

TIKTOK_HEADER = "error_id,shop_id,shop_name,region_code,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count,x_ratelimit_remaining,request_payload,response_payload"
QIMEN_HEADER = [
    "同步时间",
    "接口名称",
    "店铺",
    "商品编码",
    "仓库编码",
    "同步状态",
    "错误码",
    "错误信息",
]
NAMES = {
    "tiktok_ops_errors_2026-11.csv",
    "tiktok_ops_errors_export_sea.csv",
    "qimen_sync_log_20261102.csv",
    "qimen_sync_log_20261105.xlsx",
    "ozon_api_2026-11.jsonl",
    "taobao_distribute_2026-11.jsonl",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    write_sample_dump(root, seed=7)
    return root


@pytest.fixture(scope="module")
def truth(out: Path) -> pl.DataFrame:
    return pl.read_csv(out / "truth" / "labels.csv", schema_overrides={"record_id": pl.String})


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_files_and_size(out: Path) -> None:
    dump = out / "dump"
    assert {p.name for p in dump.iterdir()} == NAMES
    assert sum(p.stat().st_size for p in dump.iterdir()) < 1_000_000
    assert (out / "truth" / "labels.csv").exists()
    assert not (dump / "labels.csv").exists()  # the truth sits outside the dump folder


def test_same_seed_same_bytes_other_seed_differs(out: Path, tmp_path: Path) -> None:
    again = write_sample_dump(tmp_path / "again", seed=7)
    for path in again:
        assert path.read_bytes() == (out / path.parent.name / path.name).read_bytes(), path.name
    other = write_sample_dump(tmp_path / "other", seed=8)
    differs = [
        p.name for p in other if p.read_bytes() != (out / p.parent.name / p.name).read_bytes()
    ]
    assert set(differs) >= NAMES


def test_tiktok_bom_export(out: Path) -> None:
    raw = (out / "dump" / "tiktok_ops_errors_2026-11.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.startswith(TIKTOK_HEADER + "\r\n")
    rows = [r for r in _csv_rows(text) if r]
    assert all(len(r) == 13 for r in rows)
    assert "" in text.split("\r\n")[1:-1]  # a blank line inside
    frame = pl.read_csv(raw, infer_schema=False).filter(
        pl.col("error_id").is_not_null()
    )  # drop the blank line
    assert frame.height == len(rows) - 1
    ok = frame.filter(pl.col("error_code") == "0")
    assert (ok["http_status"] == "200").all() and (ok["error_message"] == "success").all()
    assert 0.3 <= ok.height / frame.height <= 0.6
    assert (
        frame["first_occurred_at"]
        .str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|\+08:00)$")
        .all()
    )
    payloads = frame["response_payload"].drop_nulls()
    assert all(isinstance(json.loads(p), dict) for p in payloads)
    quoted = [ln for ln in text.split("\r\n") if ln.startswith('"7301')]
    assert len(quoted) == 1
    fields = next(csv.reader(quoted))
    assert (
        quoted[0].count(f'"{fields[5]}"') >= 1 and fields[5].isdigit()
    )  # http_status as a quoted string


def test_tiktok_messy_export(out: Path, truth: pl.DataFrame) -> None:
    text = (out / "dump" / "tiktok_ops_errors_export_sea.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == TIKTOK_HEADER + ",seller_remark"  # unknown extra column
    mess = dict(
        truth.filter(pl.col("file") == "tiktok_ops_errors_export_sea.csv", pl.col("mess") != "")
        .select("line", "mess")
        .iter_rows()
    )
    assert sorted(mess.values()) == [
        "bad_timestamp",
        "bad_timestamp",
        "ragged_row",
        "unbalanced_quote",
    ]
    for line, kind in mess.items():
        raw = lines[line - 1]
        if kind == "ragged_row":
            assert len(next(csv.reader([raw]))) == 7
        elif kind == "unbalanced_quote":
            assert '12" screen' in raw
        else:
            assert "2026-11-3? 25:61" in raw or ",N/A," in raw


def test_qimen_gbk_csv(out: Path) -> None:
    raw = (out / "dump" / "qimen_sync_log_20261102.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.split("\r\n")[0].split(",")[:8] == QIMEN_HEADER
    assert "昨天 10:13" in text
    rows = [r for r in _csv_rows(text) if r]
    assert all(len(r) == 12 for r in rows)
    status = {r[5] for r in rows[1:]}
    assert status == {"成功", "失败"}
    assert any("仓库代码OTHER不存在" in r[7] or "qimen route error" in r[7] for r in rows)


def test_qimen_xlsx(out: Path) -> None:
    frame = pl.read_excel(out / "dump" / "qimen_sync_log_20261105.xlsx")
    assert frame.columns[:8] == QIMEN_HEADER
    assert "备注" in frame.columns
    assert frame.height >= 40
    assert set(frame["同步状态"].unique()) == {"成功", "失败"}


def _jsonl(path: Path) -> tuple[list[dict[str, object]], list[str], list[str]]:
    good, bad, blank = [], [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            blank.append(line)
            continue
        try:
            good.append(json.loads(line))
        except json.JSONDecodeError:
            bad.append(line)
    return good, bad, blank


def test_ozon_jsonl(out: Path) -> None:
    good, bad, blank = _jsonl(out / "dump" / "ozon_api_2026-11.jsonl")
    assert len(bad) == 1 and len(blank) >= 1  # one truncated line, a blank line
    assert len(good) >= 250
    for obj in good:
        assert {"ts", "client_id", "method", "path", "status", "response"} <= set(obj)
    assert any(isinstance(o["status"], str) for o in good)  # numbers as strings
    assert any("x_request_id" in o for o in good)  # unknown extra key
    ok = [o for o in good if str(o["status"]) == "200"]
    assert ok and all("result" in o["response"] for o in ok)  # type: ignore[operator]
    # client_credentials tokens cannot write: 403 Insufficient scope
    cc_writes = [
        o
        for o in good
        if o["token_type"] == "client_credentials"
        and o["path"] in {"/v3/product/import", "/v2/products/stocks", "/v1/product/import/prices"}
    ]
    assert cc_writes and all(
        str(o["status"]) == "403" and o["response"]["code"] == 7 for o in cc_writes
    )  # type: ignore[index]
    assert any(
        o["response"].get("code") == 8 and o["headers"].get("X-RateLimit-Remaining") == "0"
        for o in good
        if str(o["status"]) == "429"
    )  # type: ignore[union-attr]


def test_taobao_jsonl(out: Path) -> None:
    raw = (out / "dump" / "taobao_distribute_2026-11.jsonl").read_bytes()
    assert not raw.endswith(b"\n")
    good, bad, blank = _jsonl(out / "dump" / "taobao_distribute_2026-11.jsonl")
    assert not bad and blank
    codes = [o["response"]["code"] for o in good]  # type: ignore[index]
    assert 0 in codes and 491 in codes and 492 in codes
    assert any(isinstance(c, str) for c in codes)
    assert any(o["time"] == "2026-11-0? 10:13" or "?" in str(o["time"]) for o in good)
    src = [o for o in good if "来源不能是淘宝" in str(o["response"].get("message"))]  # type: ignore[union-attr]
    assert all(o["request"]["source_item_info"]["type"] in {"taobao", "tmall"} for o in src)  # type: ignore[index]


def test_truth_sidecar(out: Path, truth: pl.DataFrame) -> None:
    assert truth.columns == ["file", "line", "record_id", "is_error", "true_label", "mess"]
    errors = truth.filter(pl.col("is_error"))
    assert set(errors["true_label"]) == set(LABELS)  # every category shows up in the sample
    assert (truth.filter(~pl.col("is_error"))["true_label"].fill_null("") == "").all()
    assert truth.group_by("file").len()["len"].min() >= 40
    # line numbers point at the record: the TikTok error_id is on that line
    lines = (
        (out / "dump" / "tiktok_ops_errors_2026-11.csv")
        .read_bytes()
        .decode("utf-8-sig")
        .split("\r\n")
    )
    for line, rid in (
        truth.filter(pl.col("file") == "tiktok_ops_errors_2026-11.csv")
        .select("line", "record_id")
        .iter_rows()
    ):
        assert rid in lines[line - 1]
    assert truth["record_id"].drop_nulls().is_unique().all()
    assert truth.filter(pl.col("file").str.starts_with("tiktok"))["record_id"].null_count() == 0


def test_token_outage_incident(out: Path) -> None:
    frame = pl.read_csv(
        (out / "dump" / "tiktok_ops_errors_2026-11.csv").read_bytes(), infer_schema=False
    )
    window = frame.filter(
        pl.col("shop_name") == "Kawa Beauty GB",
        pl.col("first_occurred_at").str.starts_with("2026-11-04T02:"),
        pl.col("first_occurred_at") < "2026-11-04T02:40",
    )
    assert window.height >= 6
    assert (window["http_status"] == "401").all()


def test_buyer_pii_is_present(out: Path) -> None:
    text = "".join(
        p.read_bytes().decode("utf-8-sig", errors="ignore") for p in (out / "dump").glob("*.jsonl")
    )
    text += (out / "dump" / "tiktok_ops_errors_2026-11.csv").read_text(encoding="utf-8-sig")
    text += (out / "dump" / "qimen_sync_log_20261102.csv").read_bytes().decode("gbk")
    assert pl.Series([text]).str.contains(r"1[3-9]\d{9}").item()
    assert pl.Series([text]).str.contains(r"\p{Han}+(路|街|大道)\d+号").item()
    assert pl.Series([text]).str.contains(r"\+7 9\d\d \d{3}-\d\d-\d\d").item()
    assert pl.Series([text]).str.contains(r"[\w.]+@[\w-]+\.[a-z]{2,}").item()
    assert pl.Series([text]).str.contains(r"<idNumber>\d{17}[\dX]</idNumber>").item()


def test_too_small_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows_per_source"):
        write_sample_dump(tmp_path, rows_per_source=5)
