"""Rich rendering of a ``Summary`` for the terminal (zh by default, ``lang="en"`` for English).

Two views: ``render_brief`` (the default of ``analyze`` and ``summary``: what broke, how
often, what to fix first, where the report is and what to run next, about 30 lines at 80
columns) and ``render`` (``--full``: every section). Every word comes from
``report_labels.toml`` in the chosen language; every number from ``summary``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from opsrca.report.labels import cause_name, incident_line, labels, note_text, verdict
from opsrca.report.summary import Summary, top_shops
from opsrca.safety import strip_control

# Root causes and shops shown by the short summary.
BRIEF_TOP = 5


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


def _shop(row: dict[str, Any]) -> str:
    """The shop as "name (id)" (the bare id when it has no name)."""
    return _fmt(row.get("shop") or row.get("shop_id"))


def _template_row(row: dict[str, Any]) -> list[str]:
    """One row of the "new templates" and "templates the model never saw" tables."""
    return [
        _cut(row["template"], 60),
        _fmt(row["root_cause"]),
        str(row["events"]),
        _cut(row["example"], 50),
    ]


def _longest_word(cells: list[str]) -> int:
    """Cells of the widest space-free run (an id, ``name (id)``'s id part), at most 48."""
    return min(max((cell_len(w) for c in cells for w in c.split()), default=0), 48)


def _table(
    title: str,
    headers: list[str],
    rows: list[list[str]],
    *,
    numeric: set[int] | None = None,
    ids: set[int] | None = None,
    width: int = 80,
) -> Table:
    """A table whose ``ids`` columns are at least as wide as their longest word, so a name may
    wrap between words but an id is never cut in two (a broken id pastes wrong).

    When the table is wider than ``width`` the other text columns get an equal share of what
    is left (rich would otherwise shrink every column alike and crop the id column off the
    screen); with less than four cells each for them the ids are let go.
    """
    table = Table(title=title, title_justify="left", title_style="bold cyan", show_lines=False)
    numeric = numeric or set()
    keep = {i: _longest_word([r[i] for r in rows]) for i in (ids or set())}
    natural = [
        max((cell_len(c) for c in [h, *(r[i] for r in rows)]), default=1)
        for i, h in enumerate(headers)
    ]
    caps: dict[int, int] = {}
    if keep and sum(w + 3 for w in natural) + 1 > width:
        fixed = {i: max(4, *(cell_len(r[i]) for r in rows)) for i in numeric}
        flexible = [i for i in range(len(headers)) if i not in keep and i not in fixed]
        left = width - 3 * len(headers) - 1 - sum(keep.values()) - sum(fixed.values())
        share = left // len(flexible) if flexible else 0
        if flexible and share >= 4:  # headers wider than their column fold
            caps = fixed | dict.fromkeys(flexible, share)
        elif flexible or left < 0:
            keep = {}
    for i, h in enumerate(headers):
        table.add_column(
            h,
            justify="right" if i in numeric else "left",
            overflow="fold",
            min_width=keep.get(i),
            max_width=caps.get(i),
        )
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _rows(frame: pl.DataFrame, limit: int) -> list[dict[str, Any]]:
    return frame.head(limit).to_dicts()


def _headline(summary: Summary, console: Console, L: Any) -> None:
    h = summary.headline
    console.rule(f"[bold]{L['headline']}")
    console.print(
        f"{L['events']} {h['events']:,} · {L['errors']} {h['errors']:,} "
        f"({_pct(h['error_share'])}) · {L['shops']} {h['shops']:,} · "
        f"{L['root_causes_n']} {h['root_causes']:,} · {L['unknown']} {h['unknown']:,}"
    )
    console.print(f"{L['range']} {_fmt(h['first_at'])} – {_fmt(h['last_at'])}")


def _line(console: Console, text: str | Text, *, style: str = "") -> None:
    """One terminal line, cut with an ellipsis at the console width (never wraps)."""
    console.print(
        text if isinstance(text, Text) else Text(text, style=style),
        no_wrap=True,
        overflow="ellipsis",
        crop=True,
    )


def render_brief(
    summary: Summary,
    console: Console,
    *,
    lang: str = "zh",
    report_path: Path | str | None = None,
    db: Path | str | None = None,
    top: int = BRIEF_TOP,
) -> None:
    """The short summary a manager reads in a minute; ``--full`` prints ``render`` instead.

    ``db``: a database other than the default, named in the suggested next commands so
    they can be pasted as they are.
    """
    L = labels(lang)
    fix_col = "fix_zh" if lang == "zh" else "fix_en"
    h = summary.headline
    _headline(summary, console, L)

    rc = summary.root_causes.filter(~pl.col("root_cause").is_in(["unknown", "unclassified"]))
    if rc.height:
        shown = rc.head(top)
        console.print()
        _line(
            console,
            L["fix_first"].format(n=shown.height, share=_pct(shown["share"].sum())),
            style="bold cyan",
        )
        for i, r in enumerate(shown.to_dicts(), start=1):
            head = Text(f"{i:>2}. ")
            head.append(cause_name(r, lang), style="bold")
            head.append(f"  {r['root_cause']}", style="dim")
            _line(console, head)
            counts = L["cause_line"].format(
                events=f"{r['events']:,}", share=_pct(r["share"]), shops=f"{r['shops']:,}"
            )
            _line(console, f"    {counts} → {_fmt(r[fix_col]).replace(chr(10), ' ')}")

    shops = top_shops(summary, n=top)
    if shops.height:
        console.print()
        _line(console, L["shops_most"].format(n=f"{h['shops']:,}"), style="bold cyan")
        for r in shops.to_dicts():
            line = Text("  ")
            line.append(f"{r['platform']} {_shop(r)}", style="bold")
            line.append(
                "  "
                + L["shop_line"].format(
                    errors=f"{r['errors']:,}",
                    share=_pct(r["error_share"]),
                    cause=_fmt(r[f"top_cause_{lang}"] or r["top_cause"]),
                )
            )
            _line(console, line)

    console.print()
    if summary.incidents.height:
        first = summary.incidents.row(0, named=True)
        _line(
            console,
            L["incidents_top"].format(
                n=f"{summary.incidents.height:,}", line=incident_line(first, lang)
            ),
        )
    else:
        _line(console, f"{L['incidents']}: {L['none']}")
    health = summary.health
    if health.height:
        expired = health.filter(pl.col("token_expired") > 0).height
        other = health.filter(pl.col("auth_errors") > pl.col("token_expired")).height
        _line(console, L["tokens_line"].format(expired=f"{expired:,}", other=f"{other:,}"))
        cc = health.filter(pl.col("cc_write_calls") > 0).height
        if cc:
            _line(console, L["cc_line"].format(n=f"{cc:,}"))
    if h["unknown"]:
        _line(
            console,
            L["unknown_n"].format(
                n=f"{h['unknown']:,}", templates=summary.unknown_templates.height
            ),
        )
    if h["rejects"]:
        _line(console, L["rejects_n"].format(n=f"{h['rejects']:,}"), style="yellow")

    console.print()
    if report_path is not None:
        console.print(Text(L["report_at"].format(path=report_path)), soft_wrap=True)
    _line(console, f"{L['next']}:", style="bold")
    on = "" if db is None else f" --db {db}"
    steps = []
    if rc.height:
        steps.append((f"opsrca errors --category {rc['root_cause'][0]}{on}", L["next_errors"]))
    steps.append((f"opsrca show EVENT_ID{on}", L["next_show"]))
    steps.append((f"opsrca summary --full{on}", L["next_full"]))
    steps.append((f"opsrca report --open{on}", L["next_open"]))
    for cmd, why in steps:
        line = Text("  ")
        line.append(cmd, style="green")
        comment = f"   # {why}"
        if cell_len(f"  {cmd}{comment}") <= console.width:
            line.append(comment, style="dim")
            _line(console, line)
        else:  # a command is never cut: it is there to be pasted
            console.print(line, soft_wrap=True)


def render(summary: Summary, console: Console, *, lang: str = "zh", limit: int = 10) -> None:
    """Print every section of ``summary`` (``--full``); empty sections print one "none" line."""
    L = labels(lang)
    fix_col = "fix_zh" if lang == "zh" else "fix_en"
    name_col = "name_zh" if lang == "zh" else "name_en"
    h = summary.headline

    _headline(summary, console, L)
    console.print(f"{L['classified']} {h['classified']:,} · {L['rejects']} {h['rejects']:,}")

    def section(
        title: str,
        frame: pl.DataFrame,
        headers: list[str],
        make: Any,
        numeric: set[int] | None = None,
        rows: int = limit,
    ) -> None:
        if frame.height == 0:
            console.print(f"[bold cyan]{escape(title)}[/]: {L['none']}")
            return
        ids = {i for i, head in enumerate(headers) if head == L["shop"]}
        console.print(
            _table(
                title,
                headers,
                [make(r) for r in _rows(frame, rows)],
                numeric=numeric,
                ids=ids,
                width=console.width,
            )
        )
        if frame.height > rows:
            console.print("  " + L["more_rows"].format(n=frame.height - rows))

    section(
        L["overview"],
        summary.overview,
        [L["platform"], L["shop"], L["events"], L["errors"], L["error_share"], L["successes"]],
        lambda r: [
            r["platform"],
            _shop(r),
            f"{r['events']:,}",
            f"{r['errors']:,}",
            _pct(r["error_share"]),
            f"{r['successes']:,}",
        ],
        {2, 3, 4, 5},
    )
    section(
        L["root_causes"],
        summary.root_causes,
        [L["rank"], L["root_cause"], L["errors"], L["share"], L["shops"], L["fix"]],
        lambda r: [
            f"{r['rank_by_events']} ({r['rank_by_shops']})",
            f"{r['root_cause']}\n{r[name_col]}",
            f"{r['events']:,}",
            _pct(r["share"]),
            str(r["shops"]),
            _cut(r[fix_col], 90),
        ],
        {2, 3, 4},
        rows=max(limit, 30),
    )
    section(
        L["templates"],
        summary.top_templates,
        [L["root_cause"], L["template"], L["errors"], L["example"]],
        lambda r: [
            r["root_cause"],
            _cut(r["template"], 60),
            f"{r['events']:,}",
            _cut(r["example"], 60),
        ],
        {2},
        rows=3 * limit,
    )
    section(
        L["unknowns"],
        summary.unknown_templates,
        [L["template"], L["errors"], L["shops"], L["example"]],
        lambda r: [
            _cut(r["template"], 70),
            f"{r['events']:,}",
            str(r["shops"]),
            _cut(r["example"], 60),
        ],
        {1, 2},
    )
    # six columns fit 100 terminal columns (client-credentials writes are in the verdict;
    # expiry times and headroom in the report and `opsrca health`)
    section(
        L["health"],
        summary.health,
        [
            L["shop"],
            L["auth"],
            L["token_expired_n"],
            L["success_share"],
            L["peak_quota"],
            L["flags"],
        ],
        lambda r: [
            f"{r['platform']} {_shop(r)}",
            f"{r['auth_errors']} ({_pct(r['auth_share'])})",
            str(r["token_expired"]),
            _pct(r["success_share"]),
            f"{_fmt(r['peak_calls_per_min'])}/{_fmt(r['quota_per_min'])}",
            verdict(r, lang),
        ],
        {1, 2, 3, 4},
    )
    section(
        L["incidents"],
        summary.incidents,
        [L["incident"], L["peak_bucket"], L["baseline"]],
        lambda r: [incident_line(r, lang), str(r["peak"]), _fmt(r["baseline"])],
        {1, 2},
    )
    section(
        L["retry"],
        summary.retry_waste,
        [L["platform"], L["shop"], L["endpoint"], L["errors"], L["wasted"], L["root_cause"]],
        lambda r: [
            r["platform"],
            _shop(r),
            _cut(r["api_endpoint"], 40),
            str(r["events"]),
            str(r["wasted_retries"]),
            _cut(r["root_causes"], 60),
        ],
        {3, 4},
    )
    template_columns = [L["template"], L["root_cause"], L["errors"], L["example"]]
    for key, rows in (("new", summary.new_templates), ("unseen", summary.unseen_templates)):
        section(L[key], rows, template_columns, _template_row, {2})
    section(
        L["listings"],
        summary.listing_findings,
        [L["check"], L["root_cause"], L["findings"], L["example"]],
        lambda r: [r["check_name"], r["root_cause"], str(r["findings"]), _cut(r["example"], 60)],
        {2},
    )
    section(
        L["rejects"],
        summary.rejects,
        [L["file"], L["reason"], L["rows"], L["line"]],
        lambda r: [
            Path(r["source_file"] or "-").name,
            _cut(r["reason"], 100),
            str(r["rows"]),
            _fmt(r["first_line"]),
        ],
        {2, 3},
    )
    for note in summary.notes:
        console.print(f"[dim]{L['note']}: {escape(note_text(note, lang))}[/]")
