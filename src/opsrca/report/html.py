"""``report.html``: one self-contained file (plotly.js inlined, no CDN) that opens offline.

Charts are plotly figures built from the ``Summary`` frames; tables are escaped HTML.
Chinese renders with a CJK font stack (Noto Sans CJK, Microsoft YaHei, PingFang).
Text from the logs is untrusted: every displayed value is cut (``safety.DISPLAY_LIMIT``
characters, so one 50 MB message cannot make a 50 MB report) and escaped, in tables and in
chart labels alike (plotly renders a label's ``<a href>`` as a live link otherwise).
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from opsrca import __version__
from opsrca.report.summary import Summary
from opsrca.safety import html_text

FONT_STACK = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", '
    '"PingFang SC", "Hiragino Sans GB", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif'
)
_PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}

_CSS = f"""
body {{ font-family: {FONT_STACK}; margin: 24px auto; max-width: 1320px; color: #1f2933;
       background: #f7f8fa; }}
h1 {{ font-size: 26px; margin-bottom: 4px; }}
h3 {{ font-size: 15px; margin-top: 18px; }}
h2 {{ font-size: 19px; margin-top: 34px; border-bottom: 2px solid #d9dee5; padding-bottom: 4px; }}
.sub {{ color: #52606d; font-size: 13px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }}
.card {{ background: #fff; border-radius: 8px; padding: 10px 16px; min-width: 118px;
        box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
.card .v {{ font-size: 24px; font-weight: 600; }}
.card .k {{ font-size: 12px; color: #52606d; }}
.chart {{ background: #fff; border-radius: 8px; padding: 8px; margin: 12px 0;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
table {{ border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; margin: 10px 0; }}
th, td {{ border: 1px solid #e4e7eb; padding: 5px 8px; text-align: left; vertical-align: top; }}
th {{ background: #eef1f5; white-space: nowrap; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
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
    return [_label(v, limit) for v in (values.to_list() if isinstance(values, pl.Series) else values)]


_PCT_COLUMNS: frozenset[str] = frozenset({"share", "auth_share", "success_share", "headroom", "error_share"})


def _cell(column: str, value: Any) -> str:
    if column in _PCT_COLUMNS and isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{100 * value:.1f}%</td>'
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<td class="n">{_e(value)}</td>'
    return f"<td>{_e(value)}</td>"


def _table(frame: pl.DataFrame, columns: dict[str, str], *, limit: int = 30) -> str:
    """An HTML table of ``frame``'s ``columns`` (name -> header); a note when empty.

    Share columns (``share``, ``auth_share`` ...) print as percentages.
    """
    if frame.height == 0:
        return '<p class="none">none / 无</p>'
    cols = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{html.escape(columns[c])}</th>" for c in cols)
    body = []
    for row in frame.head(limit).select(cols).iter_rows():
        cells = "".join(_cell(c, v) for c, v in zip(cols, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    more = f'<p class="sub">… {frame.height - limit} more rows</p>' if frame.height > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}"


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


def root_cause_chart(s: Summary) -> go.Figure:
    """Horizontal bars: failed events per root cause (largest on top)."""
    rc = s.root_causes.sort("events")
    labels = [_label(f"{r} {z}") for r, z in zip(rc["root_cause"], rc["name_zh"], strict=True)]
    fig = go.Figure(go.Bar(x=rc["events"].to_list(), y=labels, orientation="h",
                           marker_color="#3e7cb1", text=rc["events"].to_list(), textposition="outside",
                           cliponaxis=False))
    return _layout(fig, "根因分布 Root-cause distribution (failed events)", max(320, 28 * rc.height + 90))


def timeline_chart(s: Summary) -> go.Figure:
    """Stacked bars: failed events per time bucket (sized to the range) and root cause."""
    fig = go.Figure()
    ot = s.errors_over_time
    for cause in ot.group_by("root_cause").agg(pl.col("events").sum()).sort(
        "events", descending=True
    )["root_cause"].to_list():
        part = ot.filter(pl.col("root_cause") == cause)
        fig.add_trace(go.Bar(x=part["bucket"].to_list(), y=part["events"].to_list(),
                             name=_label(cause)))
    fig.update_layout(barmode="stack", xaxis_title="UTC", yaxis_title="errors per bucket")
    return _layout(fig, "错误随时间变化 Errors over time by root cause", 440)


def heatmap_chart(s: Summary) -> go.Figure:
    """Shop × root-cause heatmap of failed events."""
    wide = (
        s.shop_matrix.pivot(on="root_cause", index="shop", values="events", aggregate_function="sum")
        .fill_null(0)
        .sort("shop")
        if s.shop_matrix.height
        else pl.DataFrame({"shop": []})
    )
    causes = [c for c in wide.columns if c != "shop"]
    z = [list(row) for row in wide.select(causes).iter_rows()] if causes else [[]]
    fig = go.Figure(go.Heatmap(z=z, x=_labels(causes), y=_labels(wide["shop"]), colorscale="YlOrRd",
                               hovertemplate="%{y}<br>%{x}: %{z}<extra></extra>"))
    return _layout(fig, "店铺 × 根因 Shop × root cause", max(320, 26 * wide.height + 160))


def health_chart(s: Summary) -> go.Figure:
    """Auth errors per shop, split into token expiry and other auth failures."""
    hh = s.health.with_columns(shop=pl.col("platform") + ":" + pl.col("shop_id")).sort("shop")
    shops = _labels(hh["shop"])
    fig = go.Figure()
    fig.add_trace(go.Bar(x=shops, y=hh["token_expired"].to_list(), name="auth.token_expired"))
    fig.add_trace(go.Bar(x=shops,
                         y=(hh["auth_errors"] - hh["token_expired"]).to_list(), name="other auth.*"))
    fig.add_trace(go.Bar(x=shops, y=hh["cc_write_calls"].to_list(),
                         name="client_credentials on write"))
    fig.update_layout(barmode="group", yaxis_title="events")
    return _layout(fig, "令牌健康度 Token health per shop", 380)


def incidents_chart(s: Summary) -> go.Figure:
    """Each incident as a marker at its start (size by errors) with a line to its end."""
    inc = s.incidents.head(40).sort("start")
    fig = go.Figure()
    if inc.height:
        labels = _labels(inc["shop_id"] + " · " + inc["root_cause"])
        xs: list[object] = []
        ys: list[object] = []
        for label, start, end in zip(labels, inc["start"], inc["end"], strict=True):
            xs += [start, end, None]
            ys += [label, label, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#c0392b", "width": 6},
                                 hoverinfo="skip", showlegend=False))
        peak = max(inc["errors"].max() or 1, 1)  # type: ignore[type-var]
        fig.add_trace(go.Scatter(
            x=inc["start"].to_list(), y=labels, mode="markers+text",
            marker={"size": [12 + 28 * e / peak for e in inc["errors"].to_list()], "color": "#c0392b"},
            text=[f"{e} errors" for e in inc["errors"].to_list()], textposition="middle right",
            hovertext=_labels(inc["line"], 300), hoverinfo="text", showlegend=False,
        ))
        fig.update_xaxes(type="date")
    return _layout(fig, "突发事件 Incidents (bursts)", max(300, 34 * inc.height + 140))


def _listing_details(s: Summary) -> str:
    """Detail tables of the listing checks that found something."""
    parts = []
    titles = {
        "dupes": ("重复文案 duplicate copy (same account)", {
            "account_id": "账号", "item_id_a": "商品 A", "item_id_b": "商品 B", "score_pct": "相似度 %",
            "reason": "原因", "root_cause": "根因"}),
        "overlaps": ("访客画像重叠 visitor-profile overlap", {
            "kind": "类型", "shops": "店铺", "combined_pct": "重叠 %", "root_cause": "根因"}),
        "lint": ("同步前商品检查 pre-sync product lint", {
            "item_code": "商品编码", "rule": "规则", "field": "字段", "value": "值",
            "root_cause": "根因", "fix_zh": "修复建议"}),
    }
    for key, (title, cols) in titles.items():
        frame = s.listings.get(key)
        if frame is not None and frame.height:
            parts.append(f"<h3>{html.escape(title)}</h3>" + _table(frame, cols))
    return "".join(parts)


def render_html(s: Summary, *, title: str = "opsrca report") -> str:
    """The whole report as one HTML string with plotly.js inlined."""
    h = s.headline
    cards = [
        ("事件 events", _e(h["events"])),
        ("错误 errors", _e(h["errors"])),
        ("错误占比 error share", f"{100 * (h['error_share'] or 0):.1f}%"),
        ("店铺 shops", _e(h["shops"])),
        ("根因 root causes", _e(h["root_causes"])),
        ("未知 unknown", _e(h["unknown"])),
        ("突发 incidents", _e(s.incidents.height)),
        ("被拒行 rejects", _e(h["rejects"])),
    ]
    cards_html = "".join(f'<div class="card"><div class="v">{v}</div><div class="k">{k}</div></div>'
                         for k, v in cards)
    figures = [root_cause_chart(s), timeline_chart(s), heatmap_chart(s), health_chart(s), incidents_chart(s)]
    charts = [
        f'<div class="chart">{f.to_html(full_html=False, include_plotlyjs=False, config=_PLOTLY_CONFIG)}</div>'
        for f in figures
    ]
    fix_cols = {"cause": "根因 root cause", "events": "错误 errors", "share": "占比",
                "shops": "店铺 shops", "owner": "负责 owner", "fix_zh": "修复建议", "fix_en": "fix"}
    tpl = s.top_templates.join(
        s.root_causes.select("root_cause", "fix_zh"), on="root_cause", how="left"
    )
    sections = [
        ("根因与修复 Root causes and fixes", charts[0] + _table(
            s.root_causes.with_columns(cause=pl.col("root_cause") + " " + pl.col("name_zh")), fix_cols)),
        ("错误随时间变化 Errors over time", charts[1]),
        ("店铺 × 根因 Shop × root cause", charts[2]),
        ("令牌健康度 Token health", charts[3] + _table(s.health, {
            "platform": "平台", "shop_id": "店铺", "events": "事件", "errors": "错误",
            "auth_errors": "授权错误", "auth_share": "授权占比", "token_expired": "令牌过期",
            "first_token_expired": "首次过期", "last_token_expired": "末次过期",
            "success_share": "成功率", "peak_calls_per_min": "峰值/分钟", "quota_per_min": "配额/分钟",
            "headroom": "余量", "cc_write_calls": "应用级令牌写调用", "flags": "结论 verdict"})),
        ("突发事件 Incidents", charts[4] + _table(s.incidents, {
            "line": "事件 incident", "minutes": "分钟", "peak": "峰值", "baseline": "基线"})),
        ("无效重试 Retry waste", _table(s.retry_waste, {
            "platform": "平台", "shop_id": "店铺", "api_endpoint": "接口", "events": "事件",
            "wasted_retries": "浪费的重试", "root_causes": "根因", "fix_zh": "修复建议"})),
        ("商品检查 Listing-check findings", _table(s.listing_findings, {
            "check_name": "检查 check", "root_cause": "根因", "findings": "发现数", "example": "示例"})
         + _listing_details(s)),
        ("高频模板与修复 Top templates with fixes", _table(tpl, {
            "root_cause": "根因", "template": "模板 template", "events": "错误", "shops": "店铺",
            "example": "示例 example", "fix_zh": "修复建议"}, limit=60)),
        ("值得标注的未知模板 Unknowns worth labeling", _table(s.unknown_templates, {
            "template": "模板", "events": "错误", "shops": "店铺", "platforms": "平台", "example": "示例"})),
        ("新模式 New patterns", _table(s.new_templates, {
            "template": "本批次新模板 new in this batch", "root_cause": "根因", "events": "错误",
            "example": "示例"}) + _table(s.unseen_templates, {
            "template": "模型未见过 unseen in training", "root_cause": "根因", "events": "错误",
            "example": "示例"})),
        ("被拒绝的输入 Rejects", _table(s.rejects, {
            "source_file": "文件", "reason": "原因", "rows": "行数", "first_line": "首行",
            "example": "示例"})),
    ]
    if s.input_problems:  # files analyze could not read, each with its reason
        sections.append(("无法读取的文件 Unreadable files", _table(
            pl.DataFrame(s.input_problems, schema=["file", "status", "reason"], orient="row"),
            {"file": "文件 file", "status": "状态 status", "reason": "原因 reason"})))
    body = "".join(
        f'<h2 id="s{i}">{html.escape(t)}</h2>{content}' for i, (t, content) in enumerate(sections)
    )
    nav = " · ".join(
        f'<a href="#s{i}">{html.escape(t.split(" ")[0])}</a>' for i, (t, _) in enumerate(sections)
    )
    notes = "".join(f'<p class="sub">note: {html_text(n)}</p>' for n in s.notes)
    period = f"{_e(h['first_at'])} – {_e(h['last_at'])} UTC"
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<h1>{html.escape(title)} · 集成错误根因报告</h1>"
        f'<p class="sub">{period} · generated {generated} by opsrca {__version__}</p>'
        f'<p class="sub">{nav}</p><div class="cards">{cards_html}</div>{body}{notes}</body></html>'
    )


def write_html(s: Summary, path: Path | str, *, title: str = "opsrca report") -> Path:
    """Write ``report.html`` (UTF-8) and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(s, title=title), encoding="utf-8")
    return out
