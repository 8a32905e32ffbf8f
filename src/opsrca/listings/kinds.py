"""Which listing check a file is for, told from its name and header row.

Pure: the header is read once by ``opsrca.ingest.route`` (the one place that
opens input files to sniff them); these rules only look at what it read.
"""

from __future__ import annotations

from pathlib import Path

from opsrca.listings.io import alias_map

KINDS: tuple[str, ...] = ("listings", "profiles", "products", "categories")
_TABLE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".xls", ".parquet"}
# Headers of error logs (Qimen sync log, TikTok export): never product/listing files.
_LOG_HEADERS = {
    "错误信息",
    "错误码",
    "同步状态",
    "error_message",
    "error_code",
    "同步时间",
    "error_id",
}
_PRODUCT_EXTRA = {
    "stock",
    "category_id",
    "listing_status",
    "image_width",
    "image_format",
    "logistics_template",
    "after_sales_address",
}


def _canonical(cols: list[str], section: str) -> set[str]:
    mapping = alias_map(section)
    return {
        mapping.get(c.strip().lstrip("\ufeff").strip().lower().replace(" ", "_"), c) for c in cols
    }


def listing_kind(path: Path, columns: list[str] | None) -> str | None:
    """ "listings" | "profiles" | "products" | "categories" | None, from the name and header.

    ``columns`` is the header row (None when the file could not be read).
    """
    suffix = path.suffix.lower()
    if suffix == ".txt":
        stem = path.stem.lower()
        return "categories" if ("categor" in stem or "类目" in stem) else None
    if suffix not in _TABLE_SUFFIXES or columns is None:
        return None
    raw = {c.strip().lstrip("\ufeff").strip() for c in columns}
    if raw & _LOG_HEADERS:
        return None
    if {"shop_id", "dimension"} <= _canonical(columns, "profiles"):
        return "profiles"
    listing = _canonical(columns, "listings")
    if {"item_id", "title"} <= listing and listing & {"selling_points", "account_id", "main_image"}:
        return "listings"
    product = _canonical(columns, "products")
    if "item_code" in product and product & _PRODUCT_EXTRA:
        return "products"
    if product == {"category_id"} or _canonical(columns, "categories") == {"category_id"}:
        return "categories"
    return None
