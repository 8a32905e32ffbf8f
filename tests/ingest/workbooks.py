"""Test inputs shared by the ingest tests: the Qimen 同步日志 header and XLSX workbooks."""

from __future__ import annotations

from pathlib import Path

QIMEN_HEADER: list[str] = ["同步时间", "接口名称", "店铺", "商品编码", "仓库编码", "同步状态", "错误码", "错误信息"]  # fmt: skip


def write_xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """A workbook with one sheet per entry, in order, every cell written as text."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                sheet.write_string(r, c, value)
    book.close()
    return path
