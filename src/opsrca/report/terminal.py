"""Rich rendering of a ``Summary`` for the terminal (zh by default, ``lang="en"`` for English).

Only display happens here; every number comes from ``summary``/``health``/``incidents``...
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from opsrca.report.summary import Summary
from opsrca.safety import strip_control

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "headline": "总览",
        "events": "事件",
        "errors": "错误",
        "error_share": "错误占比",
        "shops": "店铺",
        "platform": "平台",
        "shop": "店铺",
        "successes": "成功",
        "overview": "各平台/店铺事件与错误",
        "root_causes": "根因排名(按事件数;括号内为按受影响店铺数的排名)",
        "root_cause": "根因",
        "share": "占比",
        "fix": "修复建议",
        "rank": "排名",
        "templates": "各根因的高频模板",
        "template": "模板",
        "example": "示例",
        "unknowns": "值得标注的未知模板",
        "health": "令牌健康度",
        "auth": "授权错误",
        "token_expired": "令牌过期(首次–末次)",
        "success_share": "成功率",
        "peak": "峰值次/分钟",
        "headroom": "限频余量",
        "cc_write": "应用级令牌写调用",
        "flags": "结论",
        "incidents": "突发事件",
        "retry": "无效重试(不可重试的根因却重试 ≥3 次)",
        "endpoint": "接口",
        "wasted": "浪费的重试",
        "new": "新出现的模板(本批次首次出现)",
        "unseen": "模型训练中未见过的模板",
        "listings": "商品检查发现",
        "check": "检查",
        "findings": "发现数",
        "rejects": "被拒绝的输入行",
        "file": "文件",
        "reason": "原因",
        "rows": "行数",
        "line": "首行",
        "none": "无",
        "range": "时间范围 (UTC)",
        "classified": "已分类",
        "unknown": "未知",
    },
    "en": {
        "headline": "Headline",
        "events": "events",
        "errors": "errors",
        "error_share": "error share",
        "shops": "shops",
        "platform": "platform",
        "shop": "shop",
        "successes": "successes",
        "overview": "Events and errors per platform and shop",
        "root_causes": "Root causes by events (rank by affected shops in brackets)",
        "root_cause": "root cause",
        "share": "share",
        "fix": "fix",
        "rank": "rank",
        "templates": "Top templates per root cause",
        "template": "template",
        "example": "example",
        "unknowns": "Unknowns worth labeling",
        "health": "Token health",
        "auth": "auth errors",
        "token_expired": "token expired (first–last)",
        "success_share": "success",
        "peak": "peak calls/min",
        "headroom": "headroom",
        "cc_write": "client-cred. writes",
        "flags": "verdict",
        "incidents": "Incidents",
        "retry": "Retry waste (non-retryable causes retried 3+ times)",
        "endpoint": "endpoint",
        "wasted": "wasted retries",
        "new": "New templates (first seen in this batch)",
        "unseen": "Templates the model never saw in training",
        "listings": "Listing-check findings",
        "check": "check",
        "findings": "findings",
        "rejects": "Rejected input rows",
        "file": "file",
        "reason": "reason",
        "rows": "rows",
        "line": "first line",
        "none": "none",
        "range": "time range (UTC)",
        "classified": "classified",
        "unknown": "unknown",
    },
}


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return strip_control(str(value))  # log text may carry escape sequences


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}%"


def _cut(text: Any, width: int) -> str:
    s = _fmt(text).replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def _table(title: str, headers: list[str], rows: list[list[str]], *, numeric: set[int] | None = None) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold cyan", show_lines=False)
    for i, h in enumerate(headers):
        table.add_column(h, justify="right" if numeric and i in numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _rows(frame: pl.DataFrame, limit: int) -> list[dict[str, Any]]:
    return frame.head(limit).to_dicts()


def render(summary: Summary, console: Console, *, lang: str = "zh", limit: int = 10) -> None:
    """Print every section of ``summary``; empty sections print one "none" line."""
    if lang not in LABELS:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    L = LABELS[lang]
    fix_col = "fix_zh" if lang == "zh" else "fix_en"
    name_col = "name_zh" if lang == "zh" else "name_en"
    h = summary.headline

    console.rule(f"[bold]{L['headline']}")
    console.print(
        f"{L['events']} {h['events']:,} · {L['errors']} {h['errors']:,} "
        f"({_pct(h['error_share'])}) · {L['shops']} {h['shops']} · "
        f"{L['classified']} {h['classified']:,} · {L['unknown']} {h['unknown']:,} · "
        f"{L['rejects']} {h['rejects']:,} · {L['range']} {_fmt(h['first_at'])} – {_fmt(h['last_at'])}"
    )

    def section(title: str, frame: pl.DataFrame, headers: list[str],
                make: Any, numeric: set[int] | None = None, rows: int = limit) -> None:
        if frame.height == 0:
            console.print(f"[bold cyan]{title}[/]: {L['none']}")
            return
        console.print(_table(title, headers, [make(r) for r in _rows(frame, rows)], numeric=numeric))
        if frame.height > rows:
            console.print(f"  … {frame.height - rows} more")

    section(L["overview"], summary.overview,
            [L["platform"], L["shop"], L["events"], L["errors"], L["error_share"], L["successes"]],
            lambda r: [r["platform"], r["shop_id"], f"{r['events']:,}", f"{r['errors']:,}",
                       _pct(r["error_share"]), f"{r['successes']:,}"], {2, 3, 4, 5})
    section(L["root_causes"], summary.root_causes,
            [L["rank"], L["root_cause"], L["errors"], L["share"], L["shops"], L["fix"]],
            lambda r: [f"{r['rank_by_events']} ({r['rank_by_shops']})",
                       f"{r['root_cause']}\n{r[name_col]}", f"{r['events']:,}", _pct(r["share"]),
                       str(r["shops"]), _cut(r[fix_col], 90)], {2, 3, 4}, rows=max(limit, 30))
    section(L["templates"], summary.top_templates,
            [L["root_cause"], L["template"], L["errors"], L["example"]],
            lambda r: [r["root_cause"], _cut(r["template"], 60), f"{r['events']:,}",
                       _cut(r["example"], 60)], {2}, rows=3 * limit)
    section(L["unknowns"], summary.unknown_templates,
            [L["template"], L["errors"], L["shops"], L["example"]],
            lambda r: [_cut(r["template"], 70), f"{r['events']:,}", str(r["shops"]),
                       _cut(r["example"], 60)], {1, 2})
    section(L["health"], summary.health,
            [L["platform"], L["shop"], L["auth"], L["token_expired"], L["success_share"],
             L["peak"], L["headroom"], L["cc_write"], L["flags"]],
            lambda r: [r["platform"], r["shop_id"],
                       f"{r['auth_errors']} ({_pct(r['auth_share'])})",
                       (f"{r['token_expired']}: {_fmt(r['first_token_expired'])} – "
                        f"{_fmt(r['last_token_expired'])}") if r["token_expired"] else "0",
                       _pct(r["success_share"]),
                       f"{_fmt(r['peak_calls_per_min'])}/{_fmt(r['quota_per_min'])}",
                       _pct(r["headroom"]), str(r["cc_write_calls"]), r["flags"] or "ok"],
            {2, 4, 5, 6, 7})
    section(L["incidents"], summary.incidents, [L["incidents"], "peak", "baseline"],
            lambda r: [r["line"], str(r["peak"]), _fmt(r["baseline"])], {1, 2})
    section(L["retry"], summary.retry_waste,
            [L["platform"], L["shop"], L["endpoint"], L["errors"], L["wasted"], L["root_cause"]],
            lambda r: [r["platform"], r["shop_id"], _cut(r["api_endpoint"], 40), str(r["events"]),
                       str(r["wasted_retries"]), _cut(r["root_causes"], 60)], {3, 4})
    section(L["new"], summary.new_templates, [L["template"], L["root_cause"], L["errors"], L["example"]],
            lambda r: [_cut(r["template"], 60), _fmt(r["root_cause"]), str(r["events"]),
                       _cut(r["example"], 50)], {2})
    section(L["unseen"], summary.unseen_templates,
            [L["template"], L["root_cause"], L["errors"], L["example"]],
            lambda r: [_cut(r["template"], 60), _fmt(r["root_cause"]), str(r["events"]),
                       _cut(r["example"], 50)], {2})
    section(L["listings"], summary.listing_findings,
            [L["check"], L["root_cause"], L["findings"], L["example"]],
            lambda r: [r["check_name"], r["root_cause"], str(r["findings"]), _cut(r["example"], 60)], {2})
    section(L["rejects"], summary.rejects, [L["file"], L["reason"], L["rows"], L["line"]],
            lambda r: [Path(r["source_file"] or "-").name, _cut(r["reason"], 100), str(r["rows"]),
                       _fmt(r["first_line"])], {2, 3})
    for note in summary.notes:
        console.print(f"[dim]note: {escape(strip_control(note))}[/]")
