"""The former dense incidents query, kept only as the oracle for tests and the benchmark.

Not used by the library. It materializes every (shop, root cause) series × every bucket of
the dump's error time range, so it costs shops × time; ``incidents.incidents`` must return
exactly what this returns (tests/report/test_incidents.py compares them).
"""

from __future__ import annotations

import duckdb
import polars as pl

from opsrca.report.incidents import MIN_WINDOW_CALLS, check_parameters, with_line
from opsrca.report.views import fetch, with_shop_labels


def dense_incidents_sql(
    *, bucket_minutes: int, factor: float, min_count: int, window: int, z: float
) -> str:
    """The zero-filled query, as it was before incidents went sparse."""
    b = int(bucket_minutes)
    z2 = float(z) ** 2
    return f"""
    WITH counts AS (
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
               coalesce(root_cause, 'unclassified') AS root_cause,
               time_bucket(INTERVAL '{b} minutes', occurred_at) AS bucket, count(*) AS n
        FROM ev WHERE is_error AND occurred_at IS NOT NULL GROUP BY ALL
    ),
    buckets AS (
        SELECT unnest(generate_series(min(bucket), max(bucket), INTERVAL '{b} minutes')) AS bucket
        FROM counts
    ),
    grid AS (
        SELECT k.platform, k.shop_id, k.root_cause, buckets.bucket
        FROM (SELECT DISTINCT platform, shop_id, root_cause FROM counts) k, buckets
    ),
    traffic AS (
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
               time_bucket(INTERVAL '{b} minutes', occurred_at) AS bucket, count(*) AS calls
        FROM ev WHERE occurred_at IS NOT NULL GROUP BY ALL
    ),
    logs_success AS (
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id, bool_or(NOT is_error) AS ok
        FROM ev GROUP BY ALL
    ),
    dense AS (
        SELECT g.*, coalesce(c.n, 0) AS n, coalesce(t.calls, 0) AS calls,
               coalesce(ls.ok, FALSE) AS by_traffic
        FROM grid g
        LEFT JOIN counts c USING (platform, shop_id, root_cause, bucket)
        LEFT JOIN traffic t USING (platform, shop_id, bucket)
        LEFT JOIN logs_success ls USING (platform, shop_id)
    ),
    rolled AS (
        SELECT *,
               coalesce(median(n) OVER w, 0) AS median_n,
               median(n / calls) FILTER (WHERE calls > 0) OVER w AS median_share,
               sum(calls) OVER w AS window_calls,
               coalesce(avg(n) OVER w, 0) AS lam,
               row_number() OVER (PARTITION BY platform, shop_id, root_cause ORDER BY bucket) AS idx
        FROM dense
        WINDOW w AS (PARTITION BY platform, shop_id, root_cause ORDER BY bucket
                     ROWS BETWEEN {int(window)} PRECEDING AND 1 PRECEDING)
    ),
    scored AS (
        SELECT *,
               CASE WHEN by_traffic AND median_share IS NOT NULL AND window_calls >= {MIN_WINDOW_CALLS}
                    THEN median_share * calls ELSE median_n END AS baseline
        FROM rolled
    ),
    flagged AS (
        SELECT *,
               (n >= {int(min_count)} AND n > {float(factor)} * baseline
                AND n >= lam + ({z2} / 3 + sqrt({z2} * {z2} / 9 + 4 * {z2} * lam)) / 2) AS burst
        FROM scored
    ),
    islands AS (
        SELECT *, idx - row_number() OVER (PARTITION BY platform, shop_id, root_cause
                                           ORDER BY bucket) AS island
        FROM flagged WHERE burst
    )
    SELECT platform, shop_id, root_cause,
           min(bucket) AS start,
           max(bucket) + INTERVAL '{b} minutes' AS "end",
           CAST(count(*) * {b} AS INTEGER) AS minutes,
           CAST(sum(n) AS BIGINT) AS errors,
           CAST(max(n) AS BIGINT) AS peak,
           arg_min(baseline, bucket) AS baseline,
           count(*) AS buckets
    FROM islands GROUP BY platform, shop_id, root_cause, island
    ORDER BY errors DESC, start, shop_id, root_cause
    """


def dense_incidents(
    con: duckdb.DuckDBPyConnection,
    *,
    bucket_minutes: int = 10,
    factor: float = 3.0,
    min_count: int = 5,
    window: int = 36,
    z: float = 3.5,
) -> pl.DataFrame:
    """What ``incidents`` returned before it went sparse (same signature, same columns)."""
    check_parameters(bucket_minutes, factor, window, z)
    sql = dense_incidents_sql(
        bucket_minutes=bucket_minutes, factor=factor, min_count=min_count, window=window, z=z
    )
    return with_line(with_shop_labels(con, fetch(con, sql)))
