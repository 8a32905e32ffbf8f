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

from opsrca import paths as P
from opsrca import store
from opsrca.errors import InputError
from opsrca.ingest.route import RoutedFile, by_kind, route
from opsrca.progress import spinner
from opsrca.report import terminal, views
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
    """Prints one line per step with its duration; records the timings."""

    def __init__(self, console: Console | None) -> None:
        self.console = console
        self.timings: dict[str, float] = {}

    @contextmanager
    def step(self, name: str, text: str, *, spin: bool = True) -> Iterator[None]:
        """One step; ``spin`` shows a spinner while it runs (off for steps with their own bar)."""
        if self.console is not None:
            self.console.print(f"[bold blue]▶[/] {escape(text)} …")
        t0 = time.perf_counter()
        with spinner(spin and self.console is not None, text, console=self.console):
            yield
        self.timings[name] = time.perf_counter() - t0
        if self.console is not None:
            self.console.print(f"  [green]✓[/] {escape(text)} ({self.timings[name]:.2f} s)")


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
) -> AnalyzeResult:
    """Ingest, classify, check listings, summarize and write outputs; print when ``console`` is given.

    ``paths`` default to the bundled sample dump. Returns the frames and the output paths.
    """
    if lang not in terminal.LABELS:
        raise InputError(f"--lang must be 'zh' or 'en', got {lang!r}")
    from opsrca.classify import decide_templates, root_cause_counts
    from opsrca.ingest import ingest_paths

    sources = [Path(p) for p in (paths or [P.SAMPLE_DUMP_DIR])]
    steps = _Steps(console)
    show = console is not None
    con = store.connect(db)
    try:
        with steps.step("route", "route files / 识别文件类型"):
            routed = route(sources)
        with steps.step("ingest", "ingest / 导入", spin=False):
            report = ingest_paths(routed, con, tz=tz, progress=show)
        if console is not None:
            from opsrca.ingest.summary import summary_table

            console.print(summary_table(report))
            for f in report.files:  # one line per unreadable or skipped file, with its reason
                if f.error:
                    console.print(f"  [red]✗[/] {escape(f.error)}", soft_wrap=True)
        with steps.step("classify", "classify templates / 按模板分类"):
            run = decide_templates(
                con, model_dir=model_dir, redecide_all=redecide_all, progress=show
            )
            classified = root_cause_counts(con)
        if console is not None:
            console.print(
                f"  {run.templates_decided:,} of {run.templates_total:,} templates decided "
                f"({run.templates_added:,} new) with model {run.model_version}"
            )
        with steps.step("checks", "listing checks / 商品检查"):
            checks = run_listing_checks(con, routed)
        if console is not None and checks is not None:
            for _path, reason in checks.unreadable:
                console.print(f"  [red]✗[/] {escape(reason)}", soft_wrap=True)
        with steps.step("summary", "summarize / 汇总"):
            views.prepare(con)
            loaded = [f for f in report.files if f.status == "loaded"]
            summary = build_summary(
                con, batches=[report.batch_id] if loaded else None, model_dir=model_dir
            )
        summary.input_problems = [
            (f.path, f.status, f.error) for f in report.files if f.error
        ] + [(str(p), "unreadable", r) for p, r in (checks.unreadable if checks else [])]
        with steps.step("outputs", f"write outputs to {escape(str(out))} / 写出结果"):
            files = write_outputs(con, summary, out)
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
        terminal.render(summary, console, lang=lang)
        console.print(
            f"\n[bold]wrote[/] {escape(str(files.events_parquet))}, "
            f"{escape(str(files.summary_csv))}, {escape(str(files.report_html))} "
            f"in {result.seconds:.1f} s"
        )
    return result
