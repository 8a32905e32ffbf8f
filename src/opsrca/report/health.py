"""Token health per platform and shop: auth failures, token expiry, success share, quota headroom.

Quotas and the list of write endpoints are data (``opsrca/data/quotas.toml``), so a
seller with a raised Ozon quota or another platform's limit edits a file, not code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from opsrca import paths
from opsrca.errors import ConfigError
from opsrca.report.views import fetch


@dataclass(frozen=True)
class Quotas:
    """Per-platform call quotas and the definition of a write call."""

    per_minute: pl.DataFrame  # platform, calls_per_minute, burst_per_minute
    write_methods: tuple[str, ...]
    write_patterns: tuple[str, ...]
    write_examples: tuple[str, ...]


@lru_cache(maxsize=4)
def load_quotas(path: str | None = None) -> Quotas:
    """Read ``quotas.toml`` (or another file with the same layout)."""
    file = Path(path) if path else paths.data_file("quotas.toml")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read quotas file {str(file)!r}: {exc}") from exc
    rows = []
    for platform, q in data.get("quota", {}).items():
        if "calls_per_minute" not in q:
            raise ConfigError(f"{file}: [quota.{platform}] needs calls_per_minute")
        rows.append(
            {
                "platform": platform,
                "calls_per_minute": int(q["calls_per_minute"]),
                "burst_per_minute": int(q.get("burst_per_minute", q["calls_per_minute"])),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={"platform": pl.String, "calls_per_minute": pl.Int64, "burst_per_minute": pl.Int64},
    )
    writes = data.get("write_endpoints", {})
    return Quotas(
        per_minute=frame,
        write_methods=tuple(m.upper() for m in writes.get("methods", ["POST"])),
        write_patterns=tuple(writes.get("patterns", [])),
        write_examples=tuple(writes.get("examples", [])),
    )


def write_call_sql(quotas: Quotas) -> tuple[str, list[object]]:
    """SQL predicate (and params) that is true for a call to a write endpoint with a write method."""
    if not quotas.write_patterns:
        return "FALSE", []
    methods = ", ".join("?" for _ in quotas.write_methods)
    likes = " OR ".join("api_endpoint LIKE ?" for _ in quotas.write_patterns)
    sql = f"(upper(coalesce(http_method, 'POST')) IN ({methods}) AND ({likes}))"
    return sql, [*quotas.write_methods, *quotas.write_patterns]


def token_health(con: duckdb.DuckDBPyConnection, *, quotas: Quotas | None = None) -> pl.DataFrame:
    """One row per platform and shop; ``con`` must be prepared (see ``views.prepare``).

    Columns: events, errors, auth_errors, auth_share (of errors), token_expired,
    first/last_token_expired (UTC), success_share (null when the source logs no
    success rows for that platform), peak_calls_per_min, quota_per_min, headroom
    (1 - peak/quota; negative means over quota), min_remaining (lowest rate-limit
    header seen), rate_limited, cc_write_calls (client-credentials token on a write
    endpoint) and flags (a short verdict).
    """
    q = quotas or load_quotas()
    con.register("quota_table", q.per_minute.to_arrow())
    write_sql, params = write_call_sql(q)
    return fetch(
        con,
        f"""
        WITH base AS (
            SELECT platform, coalesce(shop_id, '(none)') AS shop_id, occurred_at, is_error,
                   root_cause, rate_limit_remaining,
                   (lower(coalesce(token_type, '')) = 'client_credentials' AND {write_sql}) AS cc_write
            FROM ev
        ),
        per_min AS (
            SELECT platform, shop_id, max(n) AS peak_calls_per_min
            FROM (SELECT platform, shop_id, date_trunc('minute', occurred_at) AS m, count(*) AS n
                  FROM base WHERE occurred_at IS NOT NULL GROUP BY ALL)
            GROUP BY ALL
        ),
        has_success AS (
            SELECT platform, bool_or(NOT is_error) AS logs_success FROM base GROUP BY platform
        ),
        agg AS (
            SELECT platform, shop_id,
                   count(*) AS events,
                   count(*) FILTER (WHERE is_error) AS errors,
                   count(*) FILTER (WHERE is_error AND root_cause LIKE 'auth.%') AS auth_errors,
                   count(*) FILTER (WHERE root_cause = 'auth.token_expired') AS token_expired,
                   min(occurred_at) FILTER (WHERE root_cause = 'auth.token_expired') AS first_token_expired,
                   max(occurred_at) FILTER (WHERE root_cause = 'auth.token_expired') AS last_token_expired,
                   count(*) FILTER (WHERE NOT is_error) AS successes,
                   min(rate_limit_remaining) AS min_remaining,
                   count(*) FILTER (WHERE root_cause = 'access.rate_limited') AS rate_limited,
                   count(*) FILTER (WHERE cc_write) AS cc_write_calls
            FROM base GROUP BY ALL
        )
        SELECT a.platform, a.shop_id, a.events, a.errors, a.auth_errors,
               round(a.auth_errors / greatest(a.errors, 1), 4) AS auth_share,
               a.token_expired, a.first_token_expired, a.last_token_expired,
               CASE WHEN h.logs_success THEN round(a.successes / a.events, 4) END AS success_share,
               p.peak_calls_per_min, qt.calls_per_minute AS quota_per_min,
               round(1 - p.peak_calls_per_min / qt.calls_per_minute, 4) AS headroom,
               a.min_remaining, a.rate_limited, a.cc_write_calls,
               concat_ws('; ',
                   CASE WHEN a.token_expired > 0 THEN 'token expired ×' || a.token_expired END,
                   CASE WHEN a.auth_errors > a.token_expired
                        THEN 'other auth errors ×' || (a.auth_errors - a.token_expired) END,
                   CASE WHEN a.cc_write_calls > 0
                        THEN 'client_credentials on write ×' || a.cc_write_calls END,
                   CASE WHEN p.peak_calls_per_min > qt.calls_per_minute THEN 'over quota'
                        WHEN p.peak_calls_per_min > 0.8 * qt.calls_per_minute THEN 'near quota' END,
                   CASE WHEN a.rate_limited > 0 THEN 'rate limited ×' || a.rate_limited END
               ) AS flags
        FROM agg a
        LEFT JOIN per_min p USING (platform, shop_id)
        LEFT JOIN has_success h USING (platform)
        LEFT JOIN quota_table qt USING (platform)
        ORDER BY a.auth_errors DESC, a.cc_write_calls DESC, a.errors DESC, a.platform, a.shop_id
        """,
        params,
    )
