"""The numbers behind the terminal summary and the report, as frames (no rendering here).

Everything is one SQL aggregate over the ``ev`` view: the work scales with DuckDB,
not with Python, and the terminal, CSV and HTML outputs all show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from opsrca.report.views import fetch, with_shop_labels


def headline(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Totals: events, errors, error share, shops, platforms, classified and unknown, time range."""
    row = fetch(
        con,
        """
        SELECT count(*) AS events,
               count(*) FILTER (WHERE is_error) AS errors,
               count(*) FILTER (WHERE is_error) / greatest(count(*), 1) AS error_share,
               count(DISTINCT shop_id) AS shops,
               count(DISTINCT platform) AS platforms,
               count(*) FILTER (WHERE is_error AND root_cause IS NOT NULL) AS classified,
               count(*) FILTER (WHERE is_error AND root_cause = 'unknown') AS unknown,
               count(DISTINCT root_cause) FILTER (WHERE root_cause <> 'unknown') AS root_causes,
               min(occurred_at) AS first_at,
               max(occurred_at) AS last_at
        FROM ev
        """,
    ).row(0, named=True)
    rejects = fetch(con, "SELECT count(*) AS n FROM rejects").item()
    row["rejects"] = int(rejects)
    return row


def overview(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Events, errors and error share per platform and shop (largest error count first)."""
    return fetch(
        con,
        """
        SELECT platform, coalesce(shop_id, '(none)') AS shop_id,
               count(*) AS events,
               count(*) FILTER (WHERE is_error) AS errors,
               round(count(*) FILTER (WHERE is_error) / count(*), 4) AS error_share,
               count(*) FILTER (WHERE NOT is_error) AS successes
        FROM ev GROUP BY ALL
        ORDER BY errors DESC, events DESC, platform, shop_id
        """,
    )


def root_causes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Root causes ranked by failed events, with affected shops, their rank by shops, and the fix."""
    return fetch(
        con,
        """
        WITH rc AS (
            SELECT coalesce(root_cause, 'unclassified') AS root_cause,
                   count(*) AS events,
                   count(DISTINCT shop_id) AS shops,
                   count(DISTINCT platform) AS platforms,
                   string_agg(DISTINCT platform, ',' ORDER BY platform) AS platform_list,
                   CAST(sum(coalesce(retry_count, 0)) AS BIGINT) AS retries
            FROM ev WHERE is_error GROUP BY 1
        )
        SELECT rc.root_cause,
               coalesce(t.name_zh, rc.root_cause) AS name_zh,
               coalesce(t.name_en, rc.root_cause) AS name_en,
               rc.events,
               round(rc.events / sum(rc.events) OVER (), 4) AS share,
               rc.shops,
               rank() OVER (ORDER BY rc.events DESC) AS rank_by_events,
               rank() OVER (ORDER BY rc.shops DESC) AS rank_by_shops,
               rc.platform_list AS platforms,
               rc.retries,
               t.retryable, t.owner, t.fix_zh, t.fix_en
        FROM rc LEFT JOIN taxonomy t ON t.id = rc.root_cause
        ORDER BY rc.events DESC, rc.shops DESC, rc.root_cause
        """,
    )


def top_templates(con: duckdb.DuckDBPyConnection, *, per_cause: int = 3) -> pl.DataFrame:
    """The most frequent message templates of each root cause, with counts and one example."""
    return fetch(
        con,
        f"""
        SELECT root_cause, template, events, shops, example
        FROM (
            SELECT root_cause, template, count(*) AS events,
                   count(DISTINCT shop_id) AS shops,
                   min(message) AS example,
                   row_number() OVER (PARTITION BY root_cause
                                      ORDER BY count(*) DESC, template) AS rn,
                   sum(count(*)) OVER (PARTITION BY root_cause) AS cause_events
            FROM ev WHERE is_error AND root_cause IS NOT NULL
            GROUP BY root_cause, template
        )
        WHERE rn <= {int(per_cause)}
        ORDER BY cause_events DESC, root_cause, events DESC, template
        """,
    )


def unknown_templates(con: duckdb.DuckDBPyConnection, *, limit: int = 10) -> pl.DataFrame:
    """The largest ``unknown`` templates: the rows most worth labeling next."""
    return fetch(
        con,
        f"""
        SELECT template, count(*) AS events, count(DISTINCT shop_id) AS shops,
               string_agg(DISTINCT platform, ',' ORDER BY platform) AS platforms,
               min(message) AS example,
               max(confidence) AS best_confidence
        FROM ev WHERE is_error AND root_cause = 'unknown'
        GROUP BY template ORDER BY events DESC, template LIMIT {int(limit)}
        """,
    )


def rejects(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rejected input rows per file and reason, with the first line and one example."""
    return fetch(
        con,
        """
        SELECT source_file, reason, count(*) AS rows, min(source_line) AS first_line,
               left(any_value(raw), 120) AS example
        FROM rejects GROUP BY source_file, reason
        ORDER BY rows DESC, source_file, reason
        """,
    )


def errors_over_time(con: duckdb.DuckDBPyConnection, *, minutes: int = 60) -> pl.DataFrame:
    """Failed events per time bucket and root cause (for the report's timeline)."""
    return fetch(
        con,
        f"""
        SELECT time_bucket(INTERVAL '{int(minutes)} minutes', occurred_at) AS bucket,
               coalesce(root_cause, 'unclassified') AS root_cause, count(*) AS events
        FROM ev WHERE is_error AND occurred_at IS NOT NULL
        GROUP BY ALL ORDER BY bucket, root_cause
        """,
    )


BUCKET_CHOICES: tuple[int, ...] = (10, 30, 60, 180, 360, 720, 1440, 10080)


def bucket_minutes(first: Any, last: Any, *, max_buckets: int = 80) -> int:
    """The smallest bucket (10 min … 1 week) that shows the time range in at most ``max_buckets`` bars."""
    if first is None or last is None:
        return 60
    span = (last - first).total_seconds() / 60
    return next((m for m in BUCKET_CHOICES if span / m <= max_buckets), BUCKET_CHOICES[-1])


def shop_matrix(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Failed events per shop and root cause (long form, for the heatmap)."""
    return fetch(
        con,
        """
        SELECT platform || ':' || coalesce(shop_id, '(none)') AS shop,
               coalesce(root_cause, 'unclassified') AS root_cause, count(*) AS events
        FROM ev WHERE is_error GROUP BY ALL ORDER BY shop, root_cause
        """,
    )


def listing_findings(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Counts of listing-check findings per check and root cause, with one example each.

    Similarity scores are shown in percent whether the checks store 0–1 or 0–100.
    """
    return fetch(
        con,
        """
        SELECT 'dupes' AS check_name, coalesce(root_cause, 'risk.duplicate_listing') AS root_cause,
               count(*) AS findings,
               any_value(account_id || ': ' || item_id_a || ' ~ ' || item_id_b
                         || ' (' || CAST(round(CASE WHEN score <= 1 THEN score * 100 ELSE score END)
                                         AS INTEGER) || '%)') AS example
        FROM dupe_pairs GROUP BY ALL
        UNION ALL
        SELECT 'overlap', coalesce(root_cause, 'risk.duplicate_listing'), count(*),
               any_value(kind || ' ' || shops || ' ('
                         || CAST(round(CASE WHEN combined <= 1 THEN combined * 100 ELSE combined END)
                                 AS INTEGER) || '%)')
        FROM overlap_findings GROUP BY ALL
        UNION ALL
        SELECT 'lint:' || rule, coalesce(root_cause, 'validation.invalid_value'), count(*),
               any_value(item_code || ' ' || coalesce(field, '') || '=' || left(coalesce(value, ''), 40))
        FROM lint_findings GROUP BY ALL
        ORDER BY findings DESC, check_name
        """,
    )


def listing_details(con: duckdb.DuckDBPyConnection, *, limit: int = 30) -> dict[str, pl.DataFrame]:
    """The strongest findings of each listing check (for the report's detail tables)."""
    return {
        "dupes": fetch(
            con,
            f"""
            SELECT account_id, item_id_a, item_id_b, shop_id_a, shop_id_b,
                   round(CASE WHEN score <= 1 THEN score * 100 ELSE score END, 1) AS score_pct,
                   reason, root_cause
            FROM dupe_pairs ORDER BY score DESC, account_id, item_id_a LIMIT {int(limit)}""",
        ),
        "overlaps": fetch(
            con,
            f"""
            SELECT kind, shops, account_id,
                   round(CASE WHEN combined <= 1 THEN combined * 100 ELSE combined END, 1) AS combined_pct,
                   root_cause
            FROM overlap_findings ORDER BY combined DESC, shops LIMIT {int(limit)}""",
        ),
        "lint": fetch(
            con,
            f"""
            SELECT item_code, rule, field, left(value, 60) AS value, root_cause, fix_zh, fix_en
            FROM lint_findings ORDER BY rule, item_code LIMIT {int(limit)}""",
        ),
    }


@dataclass
class Summary:
    """Everything the terminal summary, ``summary.csv`` and ``report.html`` show.

    ``overview``, ``health``, ``incidents`` and ``retry_waste`` carry ``shop`` ("name (id)")
    beside ``shop_id``: that is how every view names a shop.
    """

    headline: dict[str, Any]
    overview: pl.DataFrame
    root_causes: pl.DataFrame
    top_templates: pl.DataFrame
    unknown_templates: pl.DataFrame
    health: pl.DataFrame
    incidents: pl.DataFrame
    retry_waste: pl.DataFrame
    new_templates: pl.DataFrame
    unseen_templates: pl.DataFrame
    listing_findings: pl.DataFrame
    rejects: pl.DataFrame
    errors_over_time: pl.DataFrame
    shop_matrix: pl.DataFrame
    listings: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: input files analyze could not read or skipped: ``(file, status, reason)``
    input_problems: list[tuple[str, str, str]] = field(default_factory=list)


def shop_keys(summary: Summary) -> dict[str, str]:
    """``platform:shop_id`` (the key of ``shop_matrix``) -> ``"platform name (id)"``, how charts
    name a shop."""
    ov = summary.overview
    label = "shop" if "shop" in ov.columns else "shop_id"
    return {
        f"{p}:{i}": f"{p} {lab}"
        for p, i, lab in zip(ov["platform"], ov["shop_id"], ov[label], strict=True)
    }


def top_shops(summary: Summary, *, n: int = 5) -> pl.DataFrame:
    """The ``n`` shops with most failed events, with their most frequent root cause (id in
    ``top_cause``, names in ``top_cause_zh``/``top_cause_en``) and ``shop`` ("name (id)")."""
    top_cause = (
        summary.shop_matrix.sort(["events", "root_cause"], descending=[True, False])
        .group_by("shop", maintain_order=True)
        .first()
        .select(_key="shop", top_cause="root_cause")
    )
    ov = summary.overview
    if "shop" not in ov.columns:
        ov = ov.with_columns(shop=pl.col("shop_id"))
    return (
        ov.filter(pl.col("errors") > 0)
        .head(n)
        .with_columns(_key=pl.col("platform") + ":" + pl.col("shop_id"))
        .join(top_cause, on="_key", how="left")
        .join(
            summary.root_causes.select(
                top_cause="root_cause", top_cause_zh="name_zh", top_cause_en="name_en"
            ),
            on="top_cause",
            how="left",
        )
        .drop("_key")
    )


def summary_csv_frame(s: Summary) -> pl.DataFrame:
    """The ``summary.csv`` table: one row per root cause with counts, shops and the fix in zh/en."""
    return s.root_causes.select(
        "rank_by_events",
        "rank_by_shops",
        "root_cause",
        "name_zh",
        "name_en",
        "events",
        "share",
        "shops",
        "platforms",
        "retries",
        "retryable",
        "owner",
        "fix_zh",
        "fix_en",
    )


def build_summary(
    con: duckdb.DuckDBPyConnection,
    *,
    batches: list[str] | None = None,
    model_dir: Path | str | None = None,
) -> Summary:
    """Compute every section of the summary from a prepared connection.

    ``batches``: the batch ids of the current run, for "new patterns" (default: the
    latest ingest). ``model_dir``: the model whose training templates count as seen.
    """
    from opsrca.report.health import token_health
    from opsrca.report.incidents import incidents
    from opsrca.report.novelty import new_templates, unseen_templates
    from opsrca.report.retry import retry_waste

    head = headline(con)
    from opsrca.settings import db_file, resolve_model_dir

    unseen, unseen_note = unseen_templates(con, resolve_model_dir(model_dir, db_file(con)))
    return Summary(
        headline=head,
        overview=with_shop_labels(con, overview(con)),
        root_causes=root_causes(con),
        top_templates=top_templates(con),
        unknown_templates=unknown_templates(con),
        health=with_shop_labels(con, token_health(con)),
        incidents=incidents(con),
        retry_waste=with_shop_labels(con, retry_waste(con)),
        new_templates=new_templates(con, batches),
        unseen_templates=unseen,
        listing_findings=listing_findings(con),
        rejects=rejects(con),
        errors_over_time=errors_over_time(
            con, minutes=bucket_minutes(head["first_at"], head["last_at"])
        ),
        shop_matrix=shop_matrix(con),
        listings=listing_details(con),
        notes=[unseen_note],
    )
