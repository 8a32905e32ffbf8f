"""``report.html``: one self-contained file (plotly.js inlined, no CDN) that opens offline.

Charts are plotly figures built from the ``Summary`` frames; tables are escaped HTML.
Every label is in the chosen language (``report_labels.toml``); each root cause keeps one
colour in every chart (``palette.cause_colors``). The page starts with a headline block a
manager reads in a minute: what broke, how often, what to fix first, which shops.
Chinese renders with a CJK font stack (Noto Sans CJK, Microsoft YaHei, PingFang).
"""

from __future__ import annotations

import html
import webbrowser
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from opsrca import __version__
from opsrca.report.labels import cause_name, incident_line, labels, note_text, pct, verdict
from opsrca.report.palette import cause_colors
from opsrca.report.summary import Summary, shop_keys, top_shops
from opsrca.safety import html_text

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", '
    '"PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif'
)
_PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}

# Rows of the shop charts, incidents labelled on the chart, root causes in the headline.
CHART_SHOPS = 30
LABELLED_INCIDENTS = 8
INCIDENTS_DRAWN = 300
HEADLINE_CAUSES = 3

# Long text (templates, examples, fixes, file paths, raw JSON, base64) may break anywhere,
# so a table never needs more than the page width; ids, numbers and headers do not break
# inside a word (a broken id copies wrong; a header broken per character reads badly).
_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 24px auto; max-width: 1320px; padding: 0 16px;
       color: #1f2933; background: #f7f8fa; }}
h1 {{ font-size: 26px; margin-bottom: 4px; }}
h3 {{ font-size: 15px; margin-top: 18px; }}
h2 {{ font-size: 19px; margin-top: 34px; border-bottom: 2px solid #d9dee5; padding-bottom: 4px; }}
.sub {{ color: #52606d; font-size: 13px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }}
.card {{ background: #fff; border-radius: 8px; padding: 10px 16px; min-width: 118px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
.card .v {{ font-size: 24px; font-weight: 600; }}
.card .k {{ font-size: 12px; color: #52606d; }}
.brief {{ background: #fff; border-left: 6px solid #c0392b; border-radius: 8px; margin-top: 18px;
         padding: 12px 20px; box-shadow: 0 1px 3px rgba(0,0,0,.12);
         display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 8px 28px; }}
.brief h2 {{ grid-column: 1 / -1; margin: 4px 0; border: 0; font-size: 20px; }}
.brief h3 {{ margin: 6px 0; color: #52606d; font-size: 13px; text-transform: uppercase; }}
.brief p, .brief li {{ font-size: 14px; line-height: 1.5; overflow-wrap: anywhere; }}
.brief ol, .brief ul {{ padding-left: 20px; margin: 4px 0; }}
.brief .fix {{ color: #52606d; font-size: 13px; }}
.sw {{ display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px;
      vertical-align: baseline; }}
.chart {{ background: #fff; border-radius: 8px; padding: 8px; margin: 12px 0;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
.tw {{ max-width: 100%; overflow-x: auto; margin: 10px 0; }}
table {{ border-collapse: collapse; width: 100%; background: #fff; font-size: 13px;
        table-layout: auto; }}
th, td {{ border: 1px solid #e4e7eb; padding: 5px 8px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }}
th {{ background: #eef1f5; word-break: keep-all; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.id, .nw {{ white-space: nowrap; }}
td.t {{ overflow-wrap: anywhere; min-width: 8em; }}
.none {{ color: #7b8794; font-style: italic; }}
"""


def _e(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return html_text(value)


def _label(value: Any, limit: int = 80) -> str:
    """A chart label: cut and escaped, so plotly shows it as text, never as markup."""
    return html_text(value, limit)


def _labels(values: pl.Series | list[Any], limit: int = 80) -> list[str]:
    return [
        _label(v, limit) for v in (values.to_list() if isinstance(values, pl.Series) else values)
    ]


_PCT_COLUMNS: frozenset[str] = frozenset(
    {"share", "auth_share", "success_share", "headroom", "error_share"}
)
# Kept on one line: copying an id that wrapped gives a wrong id.
_ID_COLUMNS: frozenset[str] = frozenset(
    {
        "platform",
        "shop_id",
        "account_id",
        "item_id_a",
        "item_id_b",
        "item_code",
        "root_cause",
    }
)
# Text longer than this may break anywhere (class ``t``); shorter text wraps at spaces only.
_LONG_TEXT = 40


def _shop_html(label: str) -> str:
    """A "name (id)" label: the name may wrap at spaces, the id never breaks."""
    name, sep, rest = label.rpartition(" (")
    if not sep or not rest.endswith(")"):
        return f'<span class="nw">{_e(label)}</span>'
    return f'{_e(name)} <span class="nw">({_e(rest)}</span>'


def _swatch(colour: str) -> str:
    return f'<span class="sw" style="background:{colour}"></span>'


def _cell(column: str, value: Any, colours: Mapping[str, str] | None = None) -> str:
    if column in _PCT_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{100 * value:.1f}%</td>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{_e(value)}</td>'
    if isinstance(value, datetime):  # the date and the time each stay whole
        return f'<td><span class="nw">{value:%Y-%m-%d}</span> <span class="nw">{value:%H:%M}</span></td>'
    if column == "root_cause" and colours and value in colours:
        return f'<td class="id">{_swatch(colours[value])}{_e(value)}</td>'
    if column in _ID_COLUMNS:
        return f'<td class="id">{_e(value)}</td>'
    if column == "shop" and isinstance(value, str):
        return f"<td>{_shop_html(value)}</td>"
    if isinstance(value, str) and len(value) > _LONG_TEXT:
        return f'<td class="t">{_e(value)}</td>'
    return f"<td>{_e(value)}</td>"


def top_causes(frame: pl.DataFrame, more: str, k: int = 3) -> pl.DataFrame:
    """``root_causes`` ("a×9, b×4, ...", most frequent first) cut to its ``k`` largest and a
    count of the rest (``more`` formats ``{n}``): a retry row names every cause it saw, which
    at 500k rows made each row a paragraph. The exports keep the whole list."""
    parts = pl.col("root_causes").str.split(", ")
    rest = parts.list.len().cast(pl.Int64) - k
    return frame.with_columns(
        pl.when(rest > 0)
        .then(
            pl.concat_str(
                parts.list.head(k).list.join(", "), pl.format(more.replace("{n}", "{}"), rest)
            )
        )
        .otherwise(pl.col("root_causes"))
        .alias("root_causes")
    )


def _table(
    frame: pl.DataFrame,
    columns: dict[str, str],
    *,
    limit: int = 30,
    lang: str = "zh",
    colours: Mapping[str, str] | None = None,
) -> str:
    """An HTML table of ``frame``'s ``columns`` (name -> header) in a wrapper that keeps it
    inside the page; a note when empty.

    Share columns (``share``, ``auth_share`` ...) print as percentages; a ``root_cause``
    column gets its colour swatch when ``colours`` is given.
    """
    L = labels(lang)
    if frame.height == 0:
        return f'<p class="none">{html.escape(L["none"])}</p>'
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(columns[c])}</th>" for c in cols)
    body = []
    for row in frame.head(limit).select(cols).iter_rows():
        cells = "".join(_cell(c, v, colours) for c, v in zip(cols, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    more = (
        f'<p class="sub">{html.escape(L["more_rows"].format(n=f"{frame.height - limit:,}"))}</p>'
        if frame.height > limit
        else ""
    )
    return (
        f'<div class="tw"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _shop_column(frame: pl.DataFrame) -> str:
    """``shop`` ("name (id)") when the frame has it, else ``shop_id``."""
    return "shop" if "shop" in frame.columns else "shop_id"


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font={"family": FONT_STACK, "size": 12},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        template="plotly_white",
        legend={"font": {"size": 11}},
    )
    return fig


def colours_of(s: Summary) -> dict[str, str]:
    """The colour of every root cause this report shows (the same in each chart)."""
    causes = [
        *s.root_causes["root_cause"].to_list(),
        *s.errors_over_time["root_cause"].to_list(),
        *s.shop_matrix["root_cause"].to_list(),
        *s.incidents["root_cause"].to_list(),
    ]
    return cause_colors(causes)


def _names(s: Summary, lang: str) -> dict[str, str]:
    """Root cause id -> "name (id)" in ``lang``."""
    return {
        r["root_cause"]: f"{cause_name(r, lang)} ({r['root_cause']})"
        if cause_name(r, lang) != r["root_cause"]
        else r["root_cause"]
        for r in s.root_causes.to_dicts()
    }


def root_cause_chart(s: Summary, *, lang: str = "zh") -> go.Figure:
    """Horizontal bars: failed events per root cause (largest on top), one colour per cause."""
    L, names, colours = labels(lang), _names(s, lang), colours_of(s)
    rc = s.root_causes.sort("events")
    causes = rc["root_cause"].to_list()
    fig = go.Figure(
        go.Bar(
            x=rc["events"].to_list(),
            y=[names.get(c, c) for c in causes],
            orientation="h",
            marker_color=[colours[c] for c in causes],
            text=rc["events"].to_list(),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(xaxis_title=L["errors"], margin={"r": 40})
    return _layout(fig, L["chart_root_causes"], max(320, 28 * rc.height + 90))


def timeline_chart(s: Summary, *, lang: str = "zh") -> go.Figure:
    """Stacked bars: failed events per time bucket (sized to the range) and root cause."""
    L, names, colours = labels(lang), _names(s, lang), colours_of(s)
    fig = go.Figure()
    ot = s.errors_over_time
    for cause in (
        ot.group_by("root_cause")
        .agg(pl.col("events").sum())
        .sort(["events", "root_cause"], descending=[True, False])["root_cause"]
        .to_list()
    ):
        part = ot.filter(pl.col("root_cause") == cause)
        fig.add_trace(
            go.Bar(
                x=part["bucket"].to_list(),
                y=part["events"].to_list(),
                name=names.get(cause, cause),
                marker_color=colours[cause],
            )
        )
    fig.update_layout(barmode="stack", xaxis_title="UTC", yaxis_title=L["axis_errors_per_bucket"])
    _layout(fig, L["chart_timeline"], max(480, 20 * len(fig.data) + 140))
    fig.update_layout(legend={"traceorder": "normal"})  # largest cause on top, as in the bars
    return fig


def heatmap_chart(s: Summary, *, lang: str = "zh") -> go.Figure:
    """Shop × root-cause heatmap of failed events, for the shops with most errors.

    A 500k-row dump has over a thousand shops: one row each made a chart many screens
    tall that nobody could read; the rest are in ``opsrca errors --shop``.
    """
    L = labels(lang)
    totals = (
        s.shop_matrix.group_by("shop")
        .agg(pl.col("events").sum())
        .sort(["events", "shop"], descending=[True, False])
    )
    shops = totals.head(CHART_SHOPS)["shop"].to_list()
    part = s.shop_matrix.filter(pl.col("shop").is_in(shops))
    wide = (
        part.pivot(
            on="root_cause", index="shop", values="events", aggregate_function="sum"
        ).fill_null(0)
        if part.height
        else pl.DataFrame({"shop": []})
    )
    order = {shop: i for i, shop in enumerate(shops)}
    wide = (
        wide.with_columns(_o=pl.col("shop").replace_strict(order, default=0))
        .sort("_o", descending=True)
        .drop("_o")
        if part.height
        else wide
    )
    causes = [c for c in wide.columns if c != "shop"]
    z = [list(row) for row in wide.select(causes).iter_rows()] if causes else [[]]
    names = shop_keys(s)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=_labels(causes),
            y=_labels([names.get(k, k) for k in wide["shop"].to_list()]),
            colorscale="YlOrRd",
            hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(margin={"b": 150})
    title = L["chart_heatmap"].format(n=len(shops), total=f"{totals.height:,}")
    return _layout(fig, title, max(360, 24 * wide.height + 220))


def health_chart(s: Summary, *, lang: str = "zh") -> go.Figure:
    """Auth errors per shop (the shops with most), split into token expiry and other auth
    failures, beside client-credentials writes.

    Horizontal bars, one row per shop, largest on top: "platform name (id)" labels read
    level; as rotated x labels 30 of them ran into each other."""
    L, colours = labels(lang), cause_colors(["auth.token_expired", "auth.insufficient_permission"])
    hh = (
        s.health.filter((pl.col("auth_errors") > 0) | (pl.col("cc_write_calls") > 0))
        .sort(["auth_errors", "cc_write_calls"], descending=True)
        .head(CHART_SHOPS)
        .reverse()  # plotly draws the first row at the bottom
    )
    names = shop_keys(s)
    fig = go.Figure()
    shops = _labels(
        [
            names.get(f"{p}:{i}", f"{p} {i}")
            for p, i in zip(hh["platform"], hh["shop_id"], strict=True)
        ]
    )
    bars = [
        (hh["token_expired"], L["token_expired_n"], colours["auth.token_expired"]),
        (
            hh["auth_errors"] - hh["token_expired"],
            L["other_auth"],
            colours["auth.insufficient_permission"],
        ),
        (hh["cc_write_calls"], L["cc_write"], "#52606D"),
    ]
    for values, name, colour in bars:
        fig.add_trace(
            go.Bar(y=shops, x=values.to_list(), name=name, orientation="h", marker_color=colour)
        )
    fig.update_layout(barmode="group", xaxis_title=L["axis_events"], bargap=0.25)
    fig.update_yaxes(automargin=True)
    _layout(fig, L["chart_health"].format(n=hh.height), max(320, 30 * hh.height + 150))
    fig.update_layout(legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return fig


def incidents_chart(s: Summary, *, lang: str = "zh") -> go.Figure:
    """Incidents on a timeline, one row per root cause, coloured by cause.

    Only the ``LABELLED_INCIDENTS`` largest carry a label (their rank, as in the table
    below); every incident has its sentence on hover. Labelling every marker made the
    labels of a 500k-row dump (100+ incidents) overlap into an unreadable smear.
    """
    L, names, colours = labels(lang), _names(s, lang), colours_of(s)
    inc = s.incidents.head(INCIDENTS_DRAWN).with_row_index("rank", offset=1)
    fig = go.Figure()
    causes = (
        inc.group_by("root_cause")
        .agg(pl.col("errors").sum())
        .sort(["errors", "root_cause"], descending=[False, True])["root_cause"]
        .to_list()
    )
    peak = max(int(inc["errors"].max() or 1), 1) if inc.height else 1  # type: ignore[arg-type]
    span = (inc["end"].max() - inc["start"].min()) if inc.height else None  # type: ignore[operator]
    gap = span / 40 if span else None
    for cause in causes:
        part = inc.filter(pl.col("root_cause") == cause).sort("start")
        y = names.get(cause, cause)
        xs: list[object] = []
        ys: list[object] = []
        for start, end in zip(part["start"], part["end"], strict=True):
            xs += [start, end, None]
            ys += [y, y, None]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line={"color": colours[cause], "width": 8},
            )
        )
        rows = part.to_dicts()
        text = _rank_labels(rows, gap)
        fig.add_trace(
            go.Scatter(
                x=part["start"].to_list(),
                y=[y] * part.height,
                mode="markers+text",
                marker={
                    "size": [8 + 22 * r["errors"] / peak for r in rows],
                    "color": colours[cause],
                    "line": {"color": "#fff", "width": 1},
                    "opacity": 0.85,
                },
                text=text,
                textposition="top center",
                textfont={"size": 12, "color": "#1f2933"},
                cliponaxis=False,
                hovertext=_labels([f"#{r['rank']} {incident_line(r, lang)}" for r in rows], 300),
                hoverinfo="text",
                showlegend=False,
            )
        )
    fig.update_xaxes(type="date")
    labelled = min(LABELLED_INCIDENTS, inc.height)
    # 52 px a row: a label over the largest marker (30 px) stays clear of the row above
    return _layout(fig, L["chart_incidents"].format(n=labelled), max(300, 52 * len(causes) + 150))


def _rank_labels(rows: list[dict[str, Any]], gap: Any) -> list[str]:
    """Rank labels of the largest incidents on one row (sorted by start); a label closer than
    ``gap`` to the previous one joins it ("3,5") instead of printing on top of it."""
    text = [""] * len(rows)
    last: int | None = None
    for i, r in enumerate(rows):
        if r["rank"] > LABELLED_INCIDENTS:
            continue
        if last is not None and gap is not None and r["start"] - rows[last]["start"] < gap:
            text[last] += f",{r['rank']}"
        else:
            text[i], last = str(r["rank"]), i
    return text


def _listing_details(s: Summary, lang: str, colours: Mapping[str, str]) -> str:
    """Detail tables of the listing checks that found something."""
    L = labels(lang)
    fix = "fix_zh" if lang == "zh" else "fix_en"
    titles = {
        "dupes": (
            L["dupes_title"],
            {
                "account_id": L["account"],
                "item_id_a": L["item_a"],
                "item_id_b": L["item_b"],
                "score_pct": L["similarity"],
                "reason": L["reason"],
                "root_cause": L["root_cause"],
            },
        ),
        "overlaps": (
            L["overlaps_title"],
            {
                "kind": L["kind"],
                "shops": L["shops"],
                "combined_pct": L["overlap_pct"],
                "root_cause": L["root_cause"],
            },
        ),
        "lint": (
            L["lint_title"],
            {
                "item_code": L["item_code"],
                "rule": L["rule"],
                "field": L["field"],
                "value": L["value"],
                "root_cause": L["root_cause"],
                fix: L["fix"],
            },
        ),
    }
    parts = []
    for key, (title, cols) in titles.items():
        frame = s.listings.get(key)
        if frame is not None and frame.height:
            parts.append(
                f"<h3>{html.escape(title)}</h3>" + _table(frame, cols, lang=lang, colours=colours)
            )
    return "".join(parts)


def headline_html(s: Summary, *, lang: str = "zh") -> str:
    """The block a manager reads in a minute: what broke, how often, what to fix first, where."""
    L, h, colours = labels(lang), s.headline, colours_of(s)
    fix = "fix_zh" if lang == "zh" else "fix_en"
    rc = s.root_causes.filter(~pl.col("root_cause").is_in(["unknown", "unclassified"]))
    broke = [
        L["broke_text"].format(
            errors=f"{h['errors']:,}",
            share=pct(h["error_share"]),
            shops=f"{h['shops']:,}",
            causes=f"{h['root_causes']:,}",
        )
    ]
    if rc.height:
        top = rc.row(0, named=True)
        broke.append(
            L["top_cause_text"].format(
                name=cause_name(top, lang),
                events=f"{top['events']:,}",
                share=pct(top["share"]),
                shops=f"{top['shops']:,}",
            )
        )
    if s.incidents.height:
        broke.append(
            L["incidents_text"].format(
                n=f"{s.incidents.height:,}",
                line=incident_line(s.incidents.row(0, named=True), lang),
            )
        )
    fixes = []
    for r in rc.head(HEADLINE_CAUSES).to_dicts():
        counts = L["cause_line"].format(
            events=f"{r['events']:,}", share=pct(r["share"]), shops=f"{r['shops']:,}"
        )
        fixes.append(
            f"<li>{_swatch(colours.get(r['root_cause'], '#999'))}"
            f"<b>{html.escape(cause_name(r, lang))}</b> · {html.escape(counts)}"
            f'<div class="fix">{_e(r[fix])}</div></li>'
        )
    shops = []
    for r in top_shops(s).to_dicts():
        line = L["shop_line"].format(
            errors=f"{r['errors']:,}",
            share=pct(r["error_share"]),
            cause=r[f"top_cause_{lang}"] or r["top_cause"] or "–",
        )
        shops.append(
            f"<li><b>{_e(r['platform'])} {_shop_html(r['shop'])}</b> · {html.escape(line)}</li>"
        )
    return (
        f'<section class="brief" id="brief"><h2>{html.escape(L["headline_box"])}</h2>'
        f"<div><h3>{html.escape(L['broke'])}</h3>"
        + "".join(f"<p>{html.escape(p)}</p>" for p in broke)
        + f"</div><div><h3>{html.escape(L['fix_first_title'])}</h3><ol>{''.join(fixes)}</ol></div>"
        f"<div><h3>{html.escape(L['shops_title'])}</h3><ul>{''.join(shops)}</ul></div></section>"
    )


def render_html(s: Summary, *, title: str | None = None, lang: str = "zh") -> str:
    """The whole report as one HTML string with plotly.js inlined, labels in ``lang``."""
    L, h = labels(lang), s.headline
    colours = colours_of(s)
    fix = "fix_zh" if lang == "zh" else "fix_en"
    name_col = "name_zh" if lang == "zh" else "name_en"
    title = title or f"opsrca · {L['title']}"
    cards = [
        (L["events"], _e(h["events"])),
        (L["errors"], _e(h["errors"])),
        (L["error_share"], pct(h["error_share"] or 0)),
        (L["shops"], _e(h["shops"])),
        (L["root_causes_n"], _e(h["root_causes"])),
        (L["unknown"], _e(h["unknown"])),
        (L["incidents"], _e(s.incidents.height)),
        (L["rejects"], _e(h["rejects"])),
    ]
    cards_html = "".join(
        f'<div class="card"><div class="v">{v}</div><div class="k">{html.escape(k)}</div></div>'
        for k, v in cards
    )
    figures = [
        root_cause_chart(s, lang=lang),
        timeline_chart(s, lang=lang),
        heatmap_chart(s, lang=lang),
        health_chart(s, lang=lang),
        incidents_chart(s, lang=lang),
    ]
    charts = [
        f'<div class="chart">{f.to_html(full_html=False, include_plotlyjs=False, config=_PLOTLY_CONFIG)}</div>'
        for f in figures
    ]
    tpl = s.top_templates.join(s.root_causes.select("root_cause", fix), on="root_cause", how="left")
    health = s.health.with_columns(
        verdict=pl.Series([verdict(r, lang) for r in s.health.to_dicts()], dtype=pl.String),
        peak_quota=pl.format(
            "{}/{}",
            pl.col("peak_calls_per_min").cast(pl.String).fill_null("–"),
            pl.col("quota_per_min").cast(pl.String).fill_null("–"),
        ),
    )
    inc = s.incidents.with_row_index("rank", offset=1).with_columns(
        line=pl.Series([incident_line(r, lang) for r in s.incidents.to_dicts()], dtype=pl.String)
    )
    sections = [
        (
            L["sec_root_causes"],
            charts[0]
            + _table(
                s.root_causes.with_columns(name=pl.col(name_col)),
                {
                    "root_cause": L["root_cause"],
                    "name": "",
                    "events": L["errors"],
                    "share": L["share"],
                    "shops": L["shops"],
                    "owner": L["owner"],
                    fix: L["fix"],
                },
                lang=lang,
                colours=colours,
            ),
        ),
        (L["sec_timeline"], charts[1]),
        (L["sec_heatmap"], charts[2]),
        (
            L["sec_health"],
            charts[3]
            + _table(
                health,
                {
                    "platform": L["platform"],
                    _shop_column(health): L["shop"],
                    "errors": L["errors"],
                    "auth_errors": L["auth"],
                    "auth_share": L["auth_share"],
                    "token_expired": L["token_expired_n"],
                    "first_token_expired": L["first_expired"],
                    "last_token_expired": L["last_expired"],
                    "success_share": L["success_share"],
                    "peak_quota": L["peak_quota"],
                    "headroom": L["headroom"],
                    "cc_write_calls": L["cc_write"],
                    "verdict": L["flags"],
                },
                lang=lang,
            ),
        ),
        (
            L["sec_incidents"],
            charts[4]
            + _table(
                inc,
                {
                    "rank": "#",
                    "line": L["incident"],
                    "minutes": L["minutes"],
                    "peak": L["peak_bucket"],
                    "baseline": L["baseline"],
                },
                lang=lang,
            ),
        ),
        (
            L["sec_retry"],
            _table(
                top_causes(s.retry_waste, L["more_causes"]),
                {
                    "platform": L["platform"],
                    _shop_column(s.retry_waste): L["shop"],
                    "api_endpoint": L["endpoint"],
                    "events": L["events"],
                    "wasted_retries": L["wasted"],
                    "root_causes": L["root_cause"],
                    fix: L["fix"],
                },
                lang=lang,
            ),
        ),
        (
            L["sec_listings"],
            _table(
                s.listing_findings,
                {
                    "check_name": L["check"],
                    "root_cause": L["root_cause"],
                    "findings": L["findings"],
                    "example": L["example"],
                },
                lang=lang,
                colours=colours,
            )
            + _listing_details(s, lang, colours),
        ),
        (
            L["sec_templates"],
            _table(
                tpl,
                {
                    "root_cause": L["root_cause"],
                    "template": L["template"],
                    "events": L["errors"],
                    "shops": L["shops"],
                    "example": L["example"],
                    fix: L["fix"],
                },
                limit=60,
                lang=lang,
                colours=colours,
            ),
        ),
        (
            L["sec_unknowns"],
            _table(
                s.unknown_templates,
                {
                    "template": L["template"],
                    "events": L["errors"],
                    "shops": L["shops"],
                    "platforms": L["platform"],
                    "example": L["example"],
                },
                lang=lang,
            ),
        ),
        (
            L["sec_new"],
            _table(
                s.new_templates,
                {
                    "template": L["new_in_batch"],
                    "root_cause": L["root_cause"],
                    "events": L["errors"],
                    "example": L["example"],
                },
                lang=lang,
                colours=colours,
            )
            + _table(
                s.unseen_templates,
                {
                    "template": L["unseen_in_training"],
                    "root_cause": L["root_cause"],
                    "events": L["errors"],
                    "example": L["example"],
                },
                lang=lang,
                colours=colours,
            ),
        ),
        (
            L["sec_rejects"],
            _table(
                s.rejects,
                {
                    "source_file": L["file"],
                    "reason": L["reason"],
                    "rows": L["rows"],
                    "first_line": L["line"],
                    "example": L["example"],
                },
                lang=lang,
            ),
        ),
    ]
    if s.input_problems:  # files analyze could not read, each with its reason
        sections.append(
            (
                L["sec_unreadable"],
                _table(
                    pl.DataFrame(
                        [(f, L.get(f"status_{st}", st), r) for f, st, r in s.input_problems],
                        schema=["file", "status", "reason"],
                        orient="row",
                    ),
                    {"file": L["file"], "status": L["status"], "reason": L["reason"]},
                    lang=lang,
                ),
            )
        )
    body = "".join(
        f'<h2 id="s{i}">{html.escape(t)}</h2>{content}' for i, (t, content) in enumerate(sections)
    )
    nav = " · ".join(f'<a href="#s{i}">{html.escape(t)}</a>' for i, (t, _) in enumerate(sections))
    notes = "".join(
        f'<p class="sub">{html.escape(L["note"])}: {html_text(note_text(n, lang))}</p>'
        for n in s.notes
    )
    period = f"{_e(h['first_at'])} – {_e(h['last_at'])} UTC"
    generated = L["generated"].format(
        when=datetime.now().strftime("%Y-%m-%d %H:%M"), version=__version__
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="sub">{period} · {html.escape(generated)}</p>'
        f'<p class="sub">{nav}</p>{headline_html(s, lang=lang)}<div class="cards">{cards_html}</div>'
        f"{body}{notes}</body></html>"
    )


def write_html(s: Summary, path: Path | str, *, title: str | None = None, lang: str = "zh") -> Path:
    """Write ``report.html`` (UTF-8, labels in ``lang``) and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(s, title=title, lang=lang), encoding="utf-8")
    return out


def open_report(path: Path | str) -> bool:
    """Open ``path`` in the default browser (``--open``); False when no browser could be started."""
    return bool(webbrowser.open(Path(path).resolve().as_uri()))
