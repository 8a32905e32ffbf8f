"""Retry waste: calls an integration keeps retrying although no retry can cure their cause.

A token, permission, face-verification or bad-parameter error fails the same way on the
tenth try; the taxonomy's ``retryable`` flag says which causes those are.
"""

from __future__ import annotations

import duckdb
import polars as pl

from opsrca.report.views import fetch


def retry_waste(con: duckdb.DuckDBPyConnection, *, min_retries: int = 3) -> pl.DataFrame:
    """Per shop and endpoint: failed events retried ``min_retries``+ times with a non-retryable cause.

    Numeric ids inside REST paths are folded into ``{id}`` so one endpoint is one row.

    Columns: platform, shop_id, api_endpoint, events, wasted_retries (sum of retry
    counts), max_retries, root_causes (most frequent first), top_root_cause, fix_zh,
    fix_en. ``con`` must be prepared (see ``views.prepare``).
    """
    if min_retries < 0:
        raise ValueError(f"min_retries must be >= 0, got {min_retries!r}")
    return fetch(
        con,
        """
        WITH w AS (
            SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
                   -- ids inside REST paths (/products/524509756397/…) would split one endpoint;
                   -- 6-digit segments stay (TikTok API versions like /product/202309/)
                   regexp_replace(coalesce(api_endpoint, '(none)'), '/[0-9]{7,}(/|$)', '/{id}\\1', 'g')
                       AS api_endpoint,
                   root_cause, retry_count, fix_zh, fix_en
            FROM ev
            WHERE is_error AND coalesce(retry_count, 0) >= ?
              AND root_cause IS NOT NULL AND root_cause <> 'unknown'
              AND NOT coalesce(retryable, FALSE)
        ),
        per_cause AS (
            SELECT platform, shop_id, api_endpoint, root_cause, count(*) AS n,
                   sum(retry_count) AS r, max(retry_count) AS mx,
                   any_value(fix_zh) AS fz, any_value(fix_en) AS fe
            FROM w GROUP BY ALL
        )
        SELECT platform, shop_id, api_endpoint,
               CAST(sum(n) AS BIGINT) AS events,
               CAST(sum(r) AS BIGINT) AS wasted_retries,
               max(mx) AS max_retries,
               string_agg(root_cause || '×' || n, ', ' ORDER BY n DESC, root_cause) AS root_causes,
               arg_max(root_cause, n) AS top_root_cause,
               arg_max(fz, n) AS fix_zh,
               arg_max(fe, n) AS fix_en
        FROM per_cause GROUP BY platform, shop_id, api_endpoint
        ORDER BY wasted_retries DESC, events DESC, platform, shop_id, api_endpoint
        """,
        [int(min_retries)],
    )
