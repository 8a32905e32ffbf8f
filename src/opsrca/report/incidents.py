"""Incidents: bursts of one root cause in one shop, merged into one line each.

"The token expired at 02:00 and every sync failed for 40 minutes" should read as one
incident, not 4,000 rows. Errors are counted per (shop, root cause, time bucket) on a
zero-filled series; a bucket is a burst when it holds at least ``min_count`` errors, more
than ``factor`` × its baseline, and more than
Poisson noise around their rolling mean λ explains: n ≥ λ + t with
t = (z²/3 + √(z⁴/9 + 4z²λ)) / 2 (from the Poisson tail bound
P(X ≥ λ+t) ≤ exp(−t² / (2(λ + t/3))) = exp(−z²/2)). Without that last test a 1M-row dump
flags thousands of 5-error "bursts" that are plain noise. The baseline is the rolling
median count of the preceding ``window`` buckets; for a shop whose log has success rows it
is the bucket's calls × the rolling median share of calls failing that way (when the
window holds at least ``MIN_WINDOW_CALLS`` calls), so a busy
morning (more calls, same share failing) is not a burst. Touching burst buckets merge
(gaps and islands), all in one DuckDB query.
"""

from __future__ import annotations

import duckdb
import polars as pl

from opsrca.report.views import fetch

# Below this many calls in the rolling window a failure share is too noisy to scale by.
MIN_WINDOW_CALLS = 100


def incidents(
    con: duckdb.DuckDBPyConnection,
    *,
    bucket_minutes: int = 10,
    factor: float = 3.0,
    min_count: int = 5,
    window: int = 36,
    z: float = 3.5,
) -> pl.DataFrame:
    """Bursts per shop and root cause (``con`` prepared); one row per merged incident.

    Columns: platform, shop_id, root_cause, start, end (UTC, end exclusive), minutes,
    errors, peak (errors in the worst bucket), baseline (rolling median before the
    start), buckets, line (the sentence the terminal shows). Largest first.
    """
    if bucket_minutes <= 0 or window <= 0 or factor <= 0 or z < 0:
        raise ValueError(
            f"bucket_minutes, window and factor must be positive and z >= 0, got "
            f"{bucket_minutes!r}, {window!r}, {factor!r}, {z!r}"
        )
    b = int(bucket_minutes)
    z2 = float(z) ** 2
    sql = f"""
    WITH counts AS (
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
               coalesce(root_cause, 'unclassified') AS root_cause,
               time_bucket(INTERVAL '{b} minutes', occurred_at) AS bucket, count(*) AS n
        FROM ev WHERE is_error AND occurred_at IS NOT NULL GROUP BY ALL
    ),
    -- every series runs over the whole error time range, so a burst at the start of one
    -- cause's series still has a zero baseline before it
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
               -- the usual share of calls failing this way (robust to a few burst buckets)
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
               -- expected errors: traffic × usual share when the shop logs its successes
               -- (so the morning ramp of a busy shop is not a burst) and the window saw enough
               -- calls to estimate that share; else the median count
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
    frame = fetch(con, sql)
    line = pl.format(
        "shop {}: {} {}–{} UTC, {} errors",
        pl.col("shop_id"),
        pl.col("root_cause"),
        pl.col("start").dt.strftime("%m-%d %H:%M"),
        pl.when(pl.col("end").dt.date() == pl.col("start").dt.date())
        .then(pl.col("end").dt.strftime("%H:%M"))
        .otherwise(pl.col("end").dt.strftime("%m-%d %H:%M")),
        pl.col("errors"),
    )
    return frame.with_columns(line.alias("line"))
