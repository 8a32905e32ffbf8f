"""``opsrca analyze``: from a dump folder to answers in one call.

Steps: route files (listing-check inputs vs. logs) → ingest → classify the failed events
→ listing checks → summary → outputs (events.parquet, summary.csv, report.html) →
terminal summary. Each step reports its progress and time on ``console``.

Exit code policy (documented in the CLI help): analyze completes with exit code 0 even
when some input rows were rejected (the bundled sample contains malformed lines on
purpose); the rejects are printed in the summary and kept in the ``rejects`` table.
Unreadable paths or a broken model are errors (exit 2).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from opsrca import paths as P
from opsrca import store
from opsrca.errors import InputError
from opsrca.ingest.route import RoutedFile, by_kind, route
from opsrca.progress import spinner
from opsrca.report import terminal, views
from opsrca.report.labels import LANGS, labels
from opsrca.report.outputs import OutputFiles, write_outputs
from opsrca.report.summary import Summary, build_summary


@dataclass
class AnalyzeResult:
    """What one ``analyze`` run did and produced."""

    summary: Summary
    outputs: OutputFiles
    ingest: Any = None  # opsrca.ingest.IngestReport
    classified: pl.DataFrame | None = None  # counts per root cause from classify_db
    checks: Any = None  # opsrca.listings.ChecksResult
    listing_files: dict[str, list[Path]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Wall time of the whole run."""
        return sum(self.timings.values())


def run_listing_checks(con: Any, routed: list[RoutedFile]) -> Any:
    """Run D's checks on the routed listing/profile/product files (None when there are none)."""
    kinds = by_kind(routed)
    if not any(kinds.get(kind) for kind in ("listings", "profiles", "products")):
        return None
    from opsrca.listings import run_checks

    categories = kinds.get("categories", [None])[0]
    return run_checks(
        [f for f in routed if f.kind in ("listings", "profiles", "products")],
        con,
        categories=categories,
    )


class _Steps:
    """Prints each step with its duration and records the timings.

    ``full``: a line when a step starts and one when it ends, then what it did
    (``detail``). Otherwise one line per step when it ends, with the first detail on it
    (files that need a look follow, one line each), so the default output stays short.
    """

    QUIET = frozenset({"route"})  # reading file headers: not worth a line in the short output

    def __init__(self, console: Console | None, *, full: bool = True) -> None:
        self.console = console
        self.full = full
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, text: str, *, spin: bool = True) -> Iterator[list[str]]:
        """Time the block; strings the block appends to the yielded list follow the ✓ line.

        ``spin`` shows a transient spinner while it runs (off for steps with their own bar).
        """
        detail: list[str] = []
        if self.console is not None and self.full:
            self.console.print(f"[bold blue]▶[/] {escape(text)} …")
        t0 = time.perf_counter()
        live = self.console is not None and self.console.is_terminal  # piped output: no blank lines
        with spinner(spin and live, text, console=self.console):
            yield detail
        self.timings[name] = time.perf_counter() - t0
        if self.console is not None and (self.full or name not in self.QUIET):
            first, rest = (None, detail) if self.full or not detail else (detail[0], detail[1:])
            tail = f": {first}" if first else ""
            self.console.print(
                f"  [green]✓[/] {escape(text)} ({self.timings[name]:.2f} s){escape(tail)}"
            )
            for line in rest:
                self.console.print(f"    {escape(line)}")


def ingest_words(lang: str) -> dict[str, str]:
    """The per-file ingest table's words in ``lang`` (``ingest.summary_table(words=...)``)."""
    L = labels(lang)
    return {
        "batch": L["ingest_batch"],
        "file": L["file"],
        "format": L["ingest_format"],
        "encoding": L["ingest_encoding"],
        "rows_in": L["ingest_rows_in"],
        "events": L["events"],
        "rejects": L["rejects"],
        "status": L["status"],
        "total": L["ingest_total"],
        "ok": L["ingest_ok"],
        "check_rejects": L["ingest_check_rejects"],
        "status_loaded": L["status_loaded"],
        "status_duplicate": L["status_duplicate"],
        "status_empty": L["status_empty"],
        "status_unreadable": L["status_unreadable"],
        "status_rejected": L["status_rejected"],
        "status_skipped": L["status_skipped"],
    }


def analyze(
    paths: Iterable[Path | str] | None = None,
    *,
    db: Path | str = P.DEFAULT_DB,
    out: Path | str = P.DEFAULT_OUT,
    lang: str = "zh",
    model_dir: Path | str | None = None,
    console: Console | None = None,
    tz: str = "Asia/Shanghai",
    redecide_all: bool = False,
    full: bool = False,
) -> AnalyzeResult:
    """Ingest, classify, check listings, summarize and write outputs; print when ``console`` is given.

    ``paths`` default to the bundled sample dump. Returns the frames and the output paths.
    ``full`` prints every section of the summary and the per-file ingest table; the default
    is the short summary (what broke, what to fix first, where the report is).
    """
    if lang not in LANGS:
        raise InputError(f"--lang must be 'zh' or 'en', got {lang!r}")
    L = labels(lang)
    from opsrca.classify import decide_templates, root_cause_counts
    from opsrca.ingest import ingest_paths

    sources = [Path(p) for p in (paths or [P.SAMPLE_DUMP_DIR])]
    steps = _Steps(console, full=full)
    show = console is not None and console.is_terminal  # progress bars only where they redraw
    con = store.connect(db)
    try:
        with steps.step("route", L["step_route"]):
            routed = route(sources)
        with steps.step("ingest", L["step_ingest"], spin=False) as detail:
            report = ingest_paths(routed, con, tz=tz, progress=show)
            detail.append(
                L["ingest_detail"].format(
                    files=len(report.files),
                    rows=f"{report.rows_in:,}",
                    events=f"{report.events:,}",
                    rejects=f"{report.rejects:,}",
                )
            )
            if not full:  # files that need a look, one line each; --full prints the table
                dupes = sum(f.status == "duplicate" for f in report.files)
                if dupes:
                    detail.append(L["duplicates"].format(n=dupes))
                status = ingest_words(lang)
                detail.extend(  # unreadable and skipped files say why
                    f.error
                    or L["file_status"].format(
                        file=Path(f.path).name, status=status.get(f"status_{f.status}", f.status)
                    )
                    for f in report.files
                    if f.status not in ("loaded", "duplicate")
                )
        if console is not None and full:
            from opsrca.ingest.summary import summary_table

            console.print(summary_table(report, words=ingest_words(lang)))
            for f in report.files:  # one line per unreadable or skipped file, with its reason
                if f.error:
                    console.print(f"  [red]✗[/] {escape(f.error)}", soft_wrap=True)
        with steps.step("classify", L["step_classify"]) as detail:
            run = decide_templates(
                con, model_dir=model_dir, redecide_all=redecide_all, progress=show
            )
            classified = root_cause_counts(con)
            detail.append(
                L["classify_detail"].format(
                    decided=f"{run.templates_decided:,}",
                    total=f"{run.templates_total:,}",
                    added=f"{run.templates_added:,}",
                    model=run.model_version,
                )
            )
        with steps.step("checks", L["step_checks"]):
            checks = run_listing_checks(con, routed)
        if console is not None and checks is not None:
            for _path, reason in checks.unreadable:
                console.print(f"  [red]✗[/] {escape(reason)}", soft_wrap=True)
        with steps.step("summary", L["step_summary"]):
            views.prepare(con)
            loaded = [f for f in report.files if f.status == "loaded"]
            summary = build_summary(
                con, batches=[report.batch_id] if loaded else None, model_dir=model_dir
            )
        summary.input_problems = [(f.path, f.status, f.error) for f in report.files if f.error] + [
            (str(p), "unreadable", r) for p, r in (checks.unreadable if checks else [])
        ]
        with steps.step("outputs", L["step_outputs"].format(out=out)):
            files = write_outputs(con, summary, out, lang=lang)
    finally:
        con.close()
    result = AnalyzeResult(
        summary=summary,
        outputs=files,
        ingest=report,
        classified=classified,
        checks=checks,
        listing_files=by_kind(routed),
        timings=steps.timings,
    )
    if console is not None:
        if full:
            terminal.render(summary, console, lang=lang)
            written = ", ".join(
                str(p) for p in (files.events_parquet, files.summary_csv, files.report_html)
            )
            console.print(
                Text(
                    L["wrote"].format(files=written, seconds=f"{result.seconds:.1f}"), style="dim"
                ),
                soft_wrap=True,
            )
        else:
            terminal.render_brief(
                summary,
                console,
                lang=lang,
                report_path=files.report_html,
                db=None if Path(db) == Path(P.DEFAULT_DB) else db,
            )
    return result
