"""`errors` and `show`: console-style filters and one event in full, over the database.

Filters become SQL parameters (never string-pasted values), so a shop name with a
quote in it is just a value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import duckdb
import polars as pl

from opsrca.errors import InputError
from opsrca.report.tables import clean_id
from opsrca.report.views import fetch, known_shops
from opsrca.schema import PLATFORMS

ERROR_COLUMNS: tuple[str, ...] = (
    "event_id",
    "occurred_at",
    "platform",
    "shop_id",
    "shop_name",
    "api_endpoint",
    "http_status",
    "error_code",
    "sub_code",
    "retry_count",
    "root_cause",
    "confidence",
    "method",
    "message",
)


@dataclass(frozen=True)
class ErrorFilter:
    """What `opsrca errors` narrows down by; every field is optional and they combine with AND.

    ``platform``/``code``/``status`` match exactly (several values allowed); ``shop`` is a
    shop id or the shop's name (case-insensitive);
    ``endpoint`` and ``search`` match a case-insensitive substring; ``category`` is a
    root-cause id or a family prefix (``auth`` or ``auth.*`` matches every ``auth.`` id).
    """

    platform: tuple[str, ...] = ()
    shop: tuple[str, ...] = ()
    endpoint: str | None = None
    status: tuple[int, ...] = ()
    code: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    min_retries: int | None = None
    search: str | None = None
    limit: int | None = 50

    def where(self) -> tuple[str, list[object]]:
        """The SQL ``WHERE`` clause (over the ``ev`` view) and its parameters."""
        clauses: list[str] = ["is_error"]
        params: list[object] = []

        def any_of(column: str, values: tuple[Any, ...]) -> None:
            clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(values)

        if self.platform:
            any_of("lower(platform)", tuple(v.lower() for v in self.platform))
        if self.shop:
            marks = ", ".join("?" for _ in self.shop)
            clauses.append(f"(shop_id IN ({marks}) OR lower(shop_name) IN ({marks}))")
            params.extend(self.shop)
            params.extend(v.lower() for v in self.shop)
        if self.status:
            any_of("http_status", self.status)
        if self.code:
            marks = ", ".join("?" for _ in self.code)
            clauses.append(f"(error_code IN ({marks}) OR sub_code IN ({marks}))")
            params.extend(self.code)
            params.extend(self.code)
        if self.category:
            parts = []
            for cat in self.category:
                family = cat.removesuffix(".*").removesuffix(".")
                parts.append("(root_cause = ? OR root_cause LIKE ?)")
                params.extend([family, family + ".%"])
            clauses.append("(" + " OR ".join(parts) + ")")
        if self.endpoint:
            clauses.append("api_endpoint ILIKE ?")
            params.append(f"%{self.endpoint}%")
        if self.since is not None:
            clauses.append("occurred_at >= ?")
            params.append(self.since)
        if self.until is not None:
            clauses.append("occurred_at < ?")
            params.append(self.until)
        if self.min_retries is not None:
            clauses.append("coalesce(retry_count, 0) >= ?")
            params.append(self.min_retries)
        if self.search:
            clauses.append("(message ILIKE ? OR template ILIKE ? OR payload ILIKE ?)")
            params.extend([f"%{self.search}%"] * 3)
        return " AND ".join(clauses), params


def parse_when(value: str | datetime | date | None, *, end: bool = False) -> datetime | None:
    """Parse ``--since``/``--until``: ISO date or datetime (UTC); a bare ``--until`` date includes that day."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        day = datetime.combine(value, time())
        return day + timedelta(days=1) if end else day
    text = value.strip().replace("Z", "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"cannot read time {value!r}; expected an ISO date or datetime in UTC, "
            "e.g. 2026-11-02 or 2026-11-02T02:00"
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    if end and len(text) == 10:  # a bare date: include the whole day
        parsed += timedelta(days=1)
    return parsed


def check_filter(con: duckdb.DuckDBPyConnection, flt: ErrorFilter) -> None:
    """Raise ``InputError`` for a filter that can only match nothing by mistake: an unknown
    platform or root cause (the valid ones listed), a shop no id or name matches (the closest
    suggested), ``--since`` after ``--until``. "No errors" and "typo" then look different."""
    if flt.since is not None and flt.until is not None and flt.since >= flt.until:
        raise InputError(
            f"--since {flt.since:%Y-%m-%d %H:%M} is not before --until {flt.until:%Y-%m-%d %H:%M}"
        )
    if flt.platform:
        valid = sorted(
            {
                *PLATFORMS,
                *(
                    r[0]
                    for r in con.execute(
                        "SELECT DISTINCT lower(platform) FROM events WHERE platform IS NOT NULL"
                    ).fetchall()
                ),
            }
        )
        bad = [p for p in flt.platform if p.lower() not in valid]
        if bad:
            raise InputError(f"unknown --platform {bad[0]!r}; valid: {', '.join(valid)}")
    if flt.category:
        ids = [r[0] for r in con.execute("SELECT id FROM taxonomy ORDER BY id").fetchall()]
        families = sorted({i.split(".")[0] for i in ids})
        for cat in flt.category:
            family = cat.removesuffix(".*").removesuffix(".")
            if family not in ids and family not in families:
                close = _closest(family, ids + families, limit=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise InputError(
                    f"unknown --category {cat!r}{hint} valid: a family ({', '.join(families)}) "
                    'or an id (`opsrca query "SELECT id, name_en FROM taxonomy"` lists them)'
                )
    if flt.shop:
        shops = known_shops(con)
        ids = set(shops["shop_id"].to_list())
        names = {n.lower() for n in shops["shop_name"].drop_nulls().to_list()}
        for shop in flt.shop:
            if shop in ids or shop.lower() in names:
                continue
            labels = shops["label"].to_list()
            choices = [*shops["shop_id"].to_list(), *shops["shop_name"].drop_nulls().to_list()]
            picked = _closest(shop, choices, limit=3)
            by_key = dict(zip(shops["shop_id"].to_list(), labels, strict=True))
            by_key |= dict(zip(shops["shop_name"].to_list(), labels, strict=True))
            close = list(dict.fromkeys(by_key[c] for c in picked if c in by_key))
            hint = f"; closest: {', '.join(close)}" if close else "; the database has no shops"
            raise InputError(f"no shop matches {shop!r}{hint}")


def _closest(value: str, choices: list[str], *, limit: int) -> list[str]:
    """The choices most like ``value`` (rapidfuzz WRatio, case-insensitive), best first."""
    from rapidfuzz import fuzz, process, utils

    found = process.extract(
        value,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit,
        score_cutoff=50,
    )
    return [str(choice) for choice, _score, _i in found]


@dataclass(frozen=True)
class ErrorPage:
    """The rows of one ``errors`` query and how many matched before the limit."""

    rows: pl.DataFrame
    total: int

    @property
    def cut(self) -> bool:
        """True when the limit left rows out."""
        return self.total > self.rows.height


def find_errors(con: duckdb.DuckDBPyConnection, flt: ErrorFilter) -> pl.DataFrame:
    """Failed events matching ``flt`` (newest first), with their root cause; ``con`` must be prepared."""
    return error_page(con, flt).rows


def error_page(con: duckdb.DuckDBPyConnection, flt: ErrorFilter) -> ErrorPage:
    """``find_errors`` plus the number of matching rows before the limit; the filter is
    checked first (``check_filter``), so a typo is an error, not an empty result."""
    check_filter(con, flt)
    where, params = flt.where()
    limit = "" if flt.limit is None else f" LIMIT {int(flt.limit)}"
    cols = ", ".join(ERROR_COLUMNS)
    sql = (
        f"SELECT {cols} FROM ev WHERE {where} ORDER BY occurred_at DESC NULLS LAST, event_id{limit}"
    )
    rows = fetch(con, sql, params)
    if flt.limit is None or rows.height < flt.limit:
        return ErrorPage(rows, rows.height)
    total = con.execute(f"SELECT count(*) FROM ev WHERE {where}", params).fetchall()[0][0]
    return ErrorPage(rows, int(total))


@dataclass(frozen=True)
class EventDetail:
    """One event in full: every column, its raw payload parsed, and its classification."""

    event: dict[str, Any]
    payload: Any
    classification: dict[str, Any] | None

    def payload_json(self) -> str:
        """The raw request/response payload as pretty JSON (or the raw text when it is not JSON)."""
        if self.payload is None:
            return "(no payload)"
        if isinstance(self.payload, str):
            return self.payload
        return json.dumps(self.payload, ensure_ascii=False, indent=2, sort_keys=True)


#: JSON nested deeper than this is shown as its raw text (pretty-printing recurses per level)
MAX_PAYLOAD_DEPTH = 64


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_PAYLOAD_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def show_event(con: duckdb.DuckDBPyConnection, event_id: str) -> EventDetail:
    """One event by id (as pasted from a spreadsheet too: see ``clean_id``); raises
    ``InputError`` naming the id when there is none."""
    event_id = clean_id(event_id)
    frame = fetch(con, "SELECT * FROM ev WHERE event_id = ? LIMIT 1", [event_id])
    if frame.height == 0:
        raise InputError(
            f"no event with id {event_id!r} in the database; "
            "list ids with `opsrca errors` (first column)"
        )
    row = frame.row(0, named=True)
    raw = row.get("payload")
    payload: Any = None
    if raw:
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's recursion limit
            payload = raw
        if not isinstance(payload, str) and _depth(payload) > MAX_PAYLOAD_DEPTH:
            payload = raw  # shown as text: pretty-printing it would recurse as deep
    cls_keys = (
        "template",
        "root_cause",
        "root_cause_zh",
        "root_cause_en",
        "confidence",
        "method",
        "rule_id",
        "evidence",
        "retryable",
        "owner",
        "fix_zh",
        "fix_en",
        "model_version",
        "root_cause_2",
        "confidence_2",
    )
    classification = (
        {k: row.get(k) for k in cls_keys} if row.get("root_cause") is not None else None
    )
    event = {k: v for k, v in row.items() if k not in cls_keys and k != "payload"}
    return EventDetail(event=event, payload=payload, classification=classification)
