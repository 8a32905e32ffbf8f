"""Outputs safe to open: spreadsheet formulas neutralized, terminal controls stripped.

Log text is written by whoever produced the log. Three places would otherwise run
or render it:

- a spreadsheet opening a CSV runs a cell that starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return as a formula (OWASP "CSV injection"): such a
  cell is prefixed with ``'``. Plain numbers (``-1``, ``+86``) stay as they are,
  and numeric columns are never touched;
- a terminal obeys escape sequences (clear screen, hidden text, OSC 52 writes to
  the clipboard, BEL) and C1 controls: they are removed from everything printed;
- an HTML report would render markup: ``html_text`` escapes and cuts it.

``report.tables.write_table`` (the one writer of CSV files) and the CLI's CSV on stdout call
``neutralize_frame``; every console of the CLI is made by ``safe_console``. Polars loads
only when a frame is touched (``opsrca --help`` stays fast).
"""

from __future__ import annotations

import html
import re
from typing import IO, TYPE_CHECKING, Any, TypeVar

from rich.console import Console, ConsoleOptions, RenderableType, RenderHook, RenderResult
from rich.segment import Segment

if TYPE_CHECKING:
    import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"
# a plain number may start with + or - and is not a formula worth neutralizing
_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
# C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that make a
# terminal show text in another order than it is stored
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}]"
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESC_SEQ_RE = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL / ST (title, hyperlink, clipboard)
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI (colours, cursor moves, clear screen)
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)
FrameT = TypeVar("FrameT", "pl.DataFrame", "pl.LazyFrame")
#: Appended by the CSV writer (``report.tables``) to digit-only cells a spreadsheet would turn
#: into numbers (19-digit event ids, 18-digit shop ids, codes with a leading zero); invisible,
#: and stripped again wherever ids are read back (``strip_text_mark``, ``report.tables.clean_id``).
TEXT_MARK = "\u2060"

DISPLAY_LIMIT = 500  # characters of one value shown in report.html
# characters of one cell in a terminal table (Rich folds a 2 MB message into 200k lines)
TERMINAL_LIMIT = 1000


def neutralize_formula(value: Any) -> Any:
    """``value`` prefixed with ``'`` when a spreadsheet would read it as a formula."""
    if not isinstance(value, str) or not re.match(FORMULA_START, value):
        return value
    if re.match(_PLAIN_NUMBER, value):
        return value
    return "'" + value


def neutralize_expr(expr: pl.Expr) -> pl.Expr:
    """``neutralize_formula`` as a Polars expression over a String column."""
    import polars as pl

    risky = expr.str.contains(FORMULA_START) & ~expr.str.contains(_PLAIN_NUMBER)
    return pl.when(risky.fill_null(False)).then(pl.lit("'") + expr).otherwise(expr)


def neutralize_frame(frame: FrameT) -> FrameT:
    """Every String column neutralized (numbers, dates, booleans are left as they are)."""
    import polars as pl

    text = [c for c, t in frame.collect_schema().items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(neutralize_expr(pl.col(c)).alias(c) for c in text)


def strip_text_mark(expr: pl.Expr) -> pl.Expr:
    """``expr`` without the :data:`TEXT_MARK` our CSV exports append, so an exported CSV read
    back (``ingest``, ``classify``) gives the ids it was written from."""
    return expr.str.strip_suffix(TEXT_MARK)


def strip_control(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (tab and newline kept)."""
    return _CONTROL_RE.sub("", _ESC_SEQ_RE.sub("", text))


def strip_control_expr(expr: pl.Expr) -> pl.Expr:
    """``strip_control`` as a Polars expression (sequences first, then lone controls)."""
    return expr.str.replace_all(
        r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]", ""
    ).str.replace_all(CONTROL_CHARS, "")


def strip_control_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every String column of ``frame`` with ``strip_control`` applied."""
    import polars as pl

    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(strip_control_expr(pl.col(c)).alias(c) for c in text)


def cut(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with "…" (a 50 MB message stays a line)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_text(value: Any, limit: int = DISPLAY_LIMIT) -> str:
    """``value`` as text for HTML: cut to ``limit`` characters, then escaped."""
    return html.escape(cut("" if value is None else str(value), limit), quote=True)


class _Clean:
    """A renderable whose text segments have control characters removed."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for seg in console.render(self.inner, options):
            if seg.control:  # Rich's own cursor moves (progress bars): keep
                yield seg
            else:
                yield Segment(strip_control(seg.text), seg.style)


class _StripControls(RenderHook):
    def process_renderables(self, renderables: list[RenderableType]) -> list[RenderableType]:
        return [_Clean(r) for r in renderables]


def safe_console(*, file: IO[str] | None = None, **kwargs: Any) -> Console:
    """A Rich console that strips terminal controls from everything it prints."""
    console = Console(file=file, **kwargs)
    console.push_render_hook(_StripControls())
    return console
