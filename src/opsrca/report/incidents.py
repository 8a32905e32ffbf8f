"""Incidents: bursts of one root cause in one shop, merged into one line each.

"The token expired at 02:00 and every sync failed for 40 minutes" should read as one
incident, not 4,000 rows. Errors are counted per (shop, root cause, time bucket); a bucket
is a burst when it holds at least ``min_count`` errors, more than ``factor`` × its
baseline, and more than Poisson noise around their rolling mean λ explains: n ≥ λ + t with
t = (z²/3 + √(z⁴/9 + 4z²λ)) / 2 (from the Poisson tail bound
P(X ≥ λ+t) ≤ exp(−t² / (2(λ + t/3))) = exp(−z²/2)). Without that last test a 1M-row dump
flags thousands of 5-error "bursts" that are plain noise. The baseline is the rolling
median count of the preceding ``window`` buckets; for a shop whose log has success rows it
is the bucket's calls × the rolling median share of calls failing that way (when the
window holds at least ``MIN_WINDOW_CALLS`` calls), so a busy
morning (more calls, same share failing) is not a burst. Touching burst buckets merge
(gaps and islands), all in one DuckDB query.

Cost follows the events, not the calendar: only buckets that hold errors are scored (a
bucket without errors is never a burst), and the statistics of a zero-filled series are
derived from those rows. Each series runs from the first error bucket of the whole dump,
so a window holds ``least(window, i)`` buckets (``i`` = buckets since that first one); the
nonzero values of the window come from a ``RANGE`` frame over ``i`` and the others count as
zeros. The median of k sorted nonzero values padded with zeros to m values is a lookup
into the sorted list; the shares are padded to the number of buckets in the window in
which the shop logged any call (the median of shares skips buckets without calls).
"""

from __future__ import annotations

import duckdb
import polars as pl

from opsrca.report.views import fetch, with_shop_labels

# Below this many calls in the rolling window a failure share is too noisy to scale by.
MIN_WINDOW_CALLS = 100


def check_parameters(bucket_minutes: int, factor: float, window: int, z: float) -> None:
    """Raise ``ValueError`` for parameters no burst test can use."""
    if bucket_minutes <= 0 or window <= 0 or factor <= 0 or z < 0:
        raise ValueError(
            f"bucket_minutes, window and factor must be positive and z >= 0, got "
            f"{bucket_minutes!r}, {window!r}, {factor!r}, {z!r}"
        )


def _padded_median(values: str, total: str) -> str:
    """SQL for the median of ``total`` numbers: the sorted nonzero list ``values`` plus zeros.

    DuckDB's ``median`` interpolates as ``lo + (hi - lo) * 0.5``; doing the same keeps the
    baselines equal to the last bit with the zero-filled computation.
    """
    zeros = f"({total} - len({values}))"

    def at(pos: str) -> str:
        return f"(CASE WHEN {pos} < {zeros} THEN 0.0 ELSE CAST({values}[{pos} - {zeros} + 1] AS DOUBLE) END)"

    lo, hi = at(f"(({total} - 1) // 2)"), at(f"({total} // 2)")
    return f"(CASE WHEN {total} > 0 THEN {lo} + ({hi} - {lo}) * 0.5 END)"


def same_shop(x: str, y: str) -> str:
    """SQL joining two relations on the shop (a null platform matches a null platform)."""
    return f"{x}.platform IS NOT DISTINCT FROM {y}.platform AND {x}.shop_id = {y}.shop_id"


def incidents_sql(
    *, bucket_minutes: int, factor: float, min_count: int, window: int, z: float
) -> str:
    """The incidents query over the ``ev`` view (see the module docstring)."""
    b = int(bucket_minutes)
    w = int(window)
    z2 = float(z) ** 2
    step_us = b * 60_000_000
    bucket = f"time_bucket(INTERVAL '{b} minutes', occurred_at)"
    return f"""
    WITH cells AS (  -- the one pass over ev: events per shop, cause, outcome and bucket
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
               coalesce(root_cause, 'unclassified') AS root_cause, is_error,
               {bucket} AS bucket, count(*) AS n
        FROM ev GROUP BY ALL
    ),
    counts AS (SELECT * EXCLUDE (is_error) FROM cells WHERE is_error AND bucket IS NOT NULL),
    -- every series starts at the first error bucket of the dump, so a burst at the start
    -- of one cause's series still has a zero baseline before it
    span AS (SELECT min(bucket) AS first, max(bucket) AS last FROM counts),
    -- integer keys: the window operators below sort and carry narrow rows
    shops AS (
        SELECT platform, shop_id, bool_or(NOT is_error) AS by_traffic,
               row_number() OVER () AS shop_key
        FROM cells GROUP BY ALL
    ),
    -- only a series with a bucket of at least min_count errors can hold a burst: the rest
    -- (most shop × cause pairs of a real dump, 99 % at 1M rows) never reach the windows
    series AS (
        SELECT platform, shop_id, root_cause, row_number() OVER () AS series_key
        FROM (SELECT platform, shop_id, root_cause FROM counts GROUP BY ALL
              HAVING max(n) >= {int(min_count)})
    ),
    errs AS (
        SELECT s.series_key, k.shop_key, c.bucket, c.n,
               (epoch_us(c.bucket) - epoch_us(span.first)) // {step_us} AS i
        FROM counts c CROSS JOIN span
        JOIN series s ON {same_shop("c", "s")} AND c.root_cause = s.root_cause
        JOIN shops k ON {same_shop("c", "k")}
    ),
    -- calls per bucket of the shops that log their successes; only buckets with calls
    -- are rows, and the window counts them (the buckets a median of shares can use)
    traffic AS (
        SELECT *, count(*) OVER wt AS busy_buckets, sum(calls) OVER wt AS window_calls
        FROM (
            SELECT k.shop_key, (epoch_us(c.bucket) - epoch_us(span.first)) // {step_us} AS i,
                   CAST(sum(c.n) AS BIGINT) AS calls
            FROM cells c CROSS JOIN span
            JOIN shops k ON {same_shop("c", "k")} AND k.by_traffic
            WHERE c.bucket BETWEEN span.first AND span.last
              AND k.shop_key IN (SELECT shop_key FROM errs)
            GROUP BY ALL
        )
        WINDOW wt AS (PARTITION BY shop_key ORDER BY i
                      RANGE BETWEEN {w} PRECEDING AND 1 PRECEDING)
    ),
    rolled AS (
        SELECT e.*, t.calls, t.busy_buckets, t.window_calls,
               least(e.i, {w}) AS window_buckets,
               coalesce(list_sort(list(e.n) OVER ws), []) AS prev_n,
               coalesce(list_sort(list(e.n / t.calls) OVER ws), []) AS prev_share
        FROM errs e LEFT JOIN traffic t USING (shop_key, i)
        WINDOW ws AS (PARTITION BY e.series_key ORDER BY e.i
                      RANGE BETWEEN {w} PRECEDING AND 1 PRECEDING)
    ),
    stats AS (
        SELECT *,
               coalesce({_padded_median("prev_n", "window_buckets")}, 0) AS median_n,
               -- the usual share of calls failing this way (robust to a few burst buckets)
               {_padded_median("prev_share", "busy_buckets")} AS median_share,
               CASE WHEN window_buckets > 0
                    THEN CAST(coalesce(list_sum(prev_n), 0) AS DOUBLE) / window_buckets ELSE 0 END AS lam
        FROM rolled
    ),
    scored AS (
        SELECT *,
               -- expected errors: traffic × usual share when the shop logs its successes
               -- (so the morning ramp of a busy shop is not a burst) and the window saw enough
               -- calls to estimate that share; else the median count
               CASE WHEN median_share IS NOT NULL AND window_calls >= {MIN_WINDOW_CALLS}
                    THEN median_share * calls ELSE median_n END AS baseline
        FROM stats
    ),
    flagged AS (
        SELECT *
        FROM scored
        WHERE n >= {int(min_count)} AND n > {float(factor)} * baseline
              AND n >= lam + ({z2} / 3 + sqrt({z2} * {z2} / 9 + 4 * {z2} * lam)) / 2
    ),
    islands AS (
        SELECT *, i - row_number() OVER (PARTITION BY series_key ORDER BY i) AS island
        FROM flagged
    )
    SELECT any_value(s.platform) AS platform, any_value(s.shop_id) AS shop_id,
           any_value(s.root_cause) AS root_cause,
           min(bucket) AS start,
           max(bucket) + INTERVAL '{b} minutes' AS "end",
           CAST(count(*) * {b} AS INTEGER) AS minutes,
           CAST(sum(n) AS BIGINT) AS errors,
           CAST(max(n) AS BIGINT) AS peak,
           arg_min(baseline, bucket) AS baseline,
           count(*) AS buckets
    FROM islands JOIN series s USING (series_key) GROUP BY series_key, island
    ORDER BY errors DESC, start, shop_id, root_cause
    """


def with_line(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``line``, the sentence the terminal shows for an incident (the shop as "name (id)"
    when the frame has a ``shop`` label column)."""
    line = pl.format(
        "shop {}: {} {}–{} UTC, {} errors",
        pl.col("shop" if "shop" in frame.columns else "shop_id"),
        pl.col("root_cause"),
        pl.col("start").dt.strftime("%m-%d %H:%M"),
        pl.when(pl.col("end").dt.date() == pl.col("start").dt.date())
        .then(pl.col("end").dt.strftime("%H:%M"))
        .otherwise(pl.col("end").dt.strftime("%m-%d %H:%M")),
        pl.col("errors"),
    )
    return frame.rechunk().with_columns(line.alias("line"))


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
    start), buckets, shop_name, shop ("name (id)"), line (the sentence the terminal
    shows). Largest first.
    """
    check_parameters(bucket_minutes, factor, window, z)
    sql = incidents_sql(
        bucket_minutes=bucket_minutes, factor=factor, min_count=min_count, window=window, z=z
    )
    return with_line(with_shop_labels(con, fetch(con, sql)))
