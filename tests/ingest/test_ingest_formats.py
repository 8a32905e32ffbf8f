"""Each source format and each encoding reads into the expected events."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from workbooks import QIMEN_HEADER, write_xlsx

from opsrca import schema
from opsrca.errors import InputError
from opsrca.ingest import read_file
from opsrca.ingest.normalize import CONTENT_ID


def _row(events: pl.DataFrame, line: int) -> dict[str, object]:
    return events.filter(pl.col("source_line") == line).row(0, named=True)


def test_tiktok_columns(data_dir: Path) -> None:
    events, rejects = read_file(data_dir / "tiktok_ops_errors_small.csv")
    assert rejects.height == 0
    assert events.columns == schema.columns(schema.EVENTS)
    first = _row(events, 2)
    assert first["event_id"] == "7301234500000000001"
    assert first["platform"] == "tiktok" and first["source_format"] == "tiktok_csv"
    assert first["region"] == "GB" and first["shop_id"] == "7495000001"
    assert first["http_status"] == 400 and first["error_code"] == "12052048"
    assert first["is_error"] is True and first["retry_count"] == 3
    assert first["rate_limit_remaining"] == 120
    assert first["occurred_at"] == datetime(2026, 11, 2, 2, 13, 5)
    assert '"request":{"category_id":"600001"}' in first["payload"]
    success = _row(events, 3)
    assert success["is_error"] is False and success["payload"] is None
    third = _row(events, 4)  # shop_id empty -> shop_name; "+08:00" -> UTC; numbers as strings
    assert third["shop_id"] == "Lumi Home US"
    assert third["occurred_at"] == datetime(2026, 11, 2, 2, 15, 0)
    assert third["retry_count"] == 2 and third["rate_limit_remaining"] == 0


@pytest.mark.parametrize("name", ["qimen_sync_log_gbk.csv", "qimen_sync_log_bom.csv"])
def test_qimen_encodings(data_dir: Path, name: str) -> None:
    events, rejects = read_file(data_dir / name)
    assert events.height == 3 and rejects.height == 1
    first = _row(events, 2)
    assert first["platform"] == "qimen" and first["region"] == "CN"
    assert first["api_endpoint"] == "taobao.qimen.singleitem.synchronize"
    assert first["shop_id"] == "杭州云仓旗舰店" and first["item_code"] == "HZ2611293711"
    assert first["warehouse_code"] == "YW003" and first["error_code"] == "isv.invalid-parameter"
    assert first["message"] == "仓库代码OTHER不存在" and first["is_error"] is True
    assert first["occurred_at"] == datetime(2026, 11, 2, 2, 13, 5)  # Asia/Shanghai -> UTC
    assert _row(events, 3)["is_error"] is False
    assert "<ADDRESS>" in _row(events, 4)["message"]
    assert rejects["reason"][0] == (
        f"{name} line 5: field '同步状态': unknown sync status '处理中'; expected 成功/失败/success/failed"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_each_encoding_is_detected(tmp_path: Path, encoding: str) -> None:
    text = "同步时间,接口名称,同步状态,错误信息\n2026-11-02 10:13:05,taobao.qimen.inventory.query,失败,库存不足：商品编码重复\n"
    path = tmp_path / f"qimen_{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    events, rejects = read_file(path)
    assert rejects.height == 0
    assert events["message"].to_list() == ["库存不足：商品编码重复"]


def test_tz_option(data_dir: Path) -> None:
    events, _ = read_file(data_dir / "qimen_sync_log_bom.csv", tz="UTC")
    assert _row(events, 2)["occurred_at"] == datetime(2026, 11, 2, 10, 13, 5)


def test_ozon(data_dir: Path) -> None:
    events, rejects = read_file(data_dir / "ozon_api_small.jsonl")
    assert events.height == 3 and rejects.height == 3
    first = _row(events, 1)
    assert first["platform"] == "ozon" and first["region"] == "RU" and first["shop_id"] == "204371"
    assert first["http_status"] == 403 and first["error_code"] == "7"
    assert first["message"] == "Insufficient scope" and first["token_type"] == "client_credentials"
    assert first["rate_limit_remaining"] == 0 and first["http_method"] == "POST"
    assert first["api_endpoint"] == "/v3/product/import" and first["is_error"] is True
    assert first["occurred_at"] == datetime(2026, 11, 2, 2, 13, 5, 123000)
    assert '"request"' in first["payload"] and '"headers"' in first["payload"]
    ok = _row(events, 2)
    assert ok["is_error"] is False and ok["http_method"] == "POST"
    assert (
        "details: " in _row(events, 4)["message"]
        and "price must be > 0" in _row(events, 4)["message"]
    )
    assert rejects["source_line"].to_list() == [5, 6, 7]
    assert "not valid JSON" in rejects["reason"][0]
    assert "not a JSON object" in rejects["reason"][1]
    assert (
        rejects["reason"][2]
        == "ozon_api_small.jsonl line 7: field 'ts': cannot parse 'not a time' as a timestamp"
    )


def test_taobao(data_dir: Path) -> None:
    events, rejects = read_file(data_dir / "taobao_distribute_small.jsonl")
    assert rejects.height == 0
    first, second, third = (_row(events, i) for i in (1, 2, 3))
    assert (
        first["platform"] == "taobao" and first["shop_id"] == "kingdo" and first["region"] == "CN"
    )
    assert first["error_code"] == "491" and first["is_error"] is True
    assert re.fullmatch(CONTENT_ID, first["event_id"])  # empty trace_id -> content id
    assert "<PHONE>" in first["message"]
    assert second["event_id"] == "0b8f3a2c17301234" and second["is_error"] is False
    assert third["sub_code"] == "isv.invalid-source" and third["error_code"] == "15"
    assert third["occurred_at"] == datetime(2026, 11, 2, 2, 15)


def test_xlsx(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "qimen_sync_log.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("同步日志")
    rows = [
        ["同步时间", "接口名称", "店铺", "商品编码", "仓库编码", "同步状态", "错误码", "错误信息"],
        [
            "2026-11-02 10:13:05",
            "taobao.qimen.singleitem.synchronize",
            "旗舰店",
            "SKU1",
            "WH01",
            "失败",
            "E1",
            "仓库代码OTHER不存在",
        ],
        [],
        [
            "2026-11-02 10:14:05",
            "taobao.qimen.inventory.query",
            "旗舰店",
            "SKU2",
            "WH01",
            "成功",
            "",
            "",
        ],
        ["not a date", "taobao.qimen.inventory.query", "旗舰店", "SKU3", "WH01", "成功", "", ""],
    ]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            sheet.write_string(r, c, value)
    sheet.write_number(1, 6, 100)  # a numeric cell in a text column
    book.close()
    events, rejects = read_file(path)
    assert events["source_line"].to_list() == [2, 4]
    assert events["error_code"][0] == "100"
    assert rejects["source_line"].to_list() == [5]
    assert "field '同步时间'" in rejects["reason"][0]


def test_xlsx_every_sheet_counts(tmp_path: Path) -> None:
    row = ["2026-11-02 10:13:05", "taobao.qimen.singleitem.synchronize", "旗舰店", "SKU1", "WH01",
           "失败", "E1", "收货人手机13812345678无法接通"]  # fmt: skip
    path = write_xlsx(
        tmp_path / "qimen_sync_log_split.xlsx",
        {
            "同步日志1": [QIMEN_HEADER, row],  # an export split over sheets: same rows, same lines
            "同步日志2": [QIMEN_HEADER, row],
            "空白": [],
            "汇总": [["店铺", "失败次数"], ["旗舰店", "2"]],
        },
    )
    events, rejects = read_file(path)
    assert events["source_file"].to_list() == [f"{path}#同步日志1", f"{path}#同步日志2"]
    assert events["event_id"].n_unique() == 2  # a hash id per sheet, never shared
    assert events["message"].to_list() == ["收货人手机<PHONE>无法接通"] * 2
    assert rejects["source_file"].to_list() == [f"{path}#汇总"]
    reason = rejects["reason"][0]
    assert reason.startswith(
        "qimen_sync_log_split.xlsx sheet 汇总 line 2: cannot tell the source format"
    )
    forced, forced_rejects = read_file(path, fmt="qimen_log")  # the summary sheet lacks columns
    assert forced.height == 2 and "missing column" in forced_rejects["reason"][0]


def test_event_ids_are_stable(tmp_path: Path, data_dir: Path) -> None:
    copy = tmp_path / "ozon_copy.jsonl"
    copy.write_bytes((data_dir / "ozon_api_small.jsonl").read_bytes())
    a, _ = read_file(data_dir / "ozon_api_small.jsonl")
    b, _ = read_file(copy)
    assert a["event_id"].to_list() == b["event_id"].to_list()
    assert a["event_id"].n_unique() == a.height


def test_format_override_and_unknown(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("when,what\n2026-11-02 10:13:05,boom\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the source format"):
        read_file(path)
    events, _ = read_file(path, fmt="generic", mappings={"when": "occurred_at", "what": "message"})
    assert events["platform"].to_list() == ["other"] and events["message"].to_list() == ["boom"]
    with pytest.raises(InputError, match="missing column"):
        read_file(path, fmt="tiktok_csv")


def test_mapping_override(tmp_path: Path) -> None:
    path = tmp_path / "shopee_like.csv"
    path.write_text(
        "Zeit,Fehlertext,平台,extra_col\n2026-11-02T02:13:05Z,令牌过期,抖店,keep me\n",
        encoding="utf-8",
    )
    events, rejects = read_file(path, mappings={"Zeit": "occurred_at", "Fehlertext": "message"})
    assert rejects.height == 0
    row = events.row(0, named=True)
    assert row["message"] == "令牌过期" and row["platform"] == "doudian"
    assert row["payload"] == '{"extra_col":"keep me"}'  # unknown columns kept, not dropped


def test_empty_and_binary(tmp_path: Path, data_dir: Path) -> None:
    events, rejects = read_file(data_dir / "empty.csv")
    assert events.height == 0 and rejects.height == 0
    garbage = tmp_path / "dump.csv"
    garbage.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match=r"dump\.csv"):
        read_file(garbage)


def test_gbk_json_lines(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "taobao_gbk.jsonl"
    path.write_bytes(
        (data_dir / "taobao_distribute_small.jsonl").read_text(encoding="utf-8").encode("gb18030")
    )
    events, rejects = read_file(path)
    assert rejects.height == 0 and events["shop_id"].to_list() == ["kingdo", "kingdo", "小店"]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_separators(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "qimen_sep.csv"
    rows = [
        ["同步时间", "接口名称", "同步状态", "错误信息"],
        ["2026-11-02 10:13:05", "a.b", "失败", "x, y"],
    ]
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    events, rejects = read_file(path)
    assert rejects.height == 0 and events["message"].to_list() == ["x, y"]


def test_header_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "tiktok_ops_errors_none.csv"
    path.write_text(
        "error_id,api_endpoint,http_status,error_code,error_message,first_occurred_at,retry_count\n\n",
        encoding="utf-8",
    )
    events, rejects = read_file(path)
    assert events.height == 0 and rejects.height == 0
