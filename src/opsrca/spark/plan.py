"""The driver's part: which files, which pieces. Imports no Spark (testable without Java).

The driver routes the inputs exactly as ``opsrca ingest`` does (``ingest.route``), hashes each
file once (a file whose content was already given is a ``duplicate``, as on one machine) and
cuts big streamable files into pieces at line ends with ``ingest.stream.pieces``, the same
cutter the single-machine reader uses, so each piece starts at the same file line. Reading
every input byte once here is the driver's share of the work (about 1 GB/s); parsing,
masking, templating and deciding run on the executors.

The piece size follows the cluster: with ``parallelism`` (the executors' cores) the inputs
are cut into about ``TASKS_PER_CORE`` pieces per core, never smaller than ``MIN_PIECE_BYTES``
nor bigger than ``PIECE_BYTES``, so a dump of a few big files still keeps every core busy;
the tasks are listed biggest first, so the last task to start is a small one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from opsrca.errors import InputError
from opsrca.ingest.detect import spec_for
from opsrca.ingest.normalize import FileContext
from opsrca.ingest.results import FileResult
from opsrca.ingest.route import EVENTS, of_kind, route
from opsrca.ingest.stream import PIECE_BYTES, NotStreamable, open_stream, pieces
from opsrca.ingest.timeparse import check_tz
from opsrca.ingest.workers import sha256_file

__all__ = [
    "LAST",
    "MIN_PIECE_BYTES",
    "TASKS_PER_CORE",
    "Options",
    "Plan",
    "Task",
    "piece_size",
    "plan_tasks",
]

LAST = 1 << 62
"""``end_line`` of a file's last piece (or of a file read whole): no line is after it."""

MIN_PIECE_BYTES = 4 << 20
"""Smallest automatic piece: below it a task's fixed costs (open, sniff, Arrow) dominate."""

TASKS_PER_CORE = 3
"""Automatic pieces per core: enough that uneven files still even out across cores."""


@dataclass(frozen=True)
class Options:
    """How every file of one run is read (the options of ``opsrca ingest``)."""

    fmt: str | None = None
    tz: str = "Asia/Shanghai"
    mappings: dict[str, str] | None = None
    keep_pii: bool = False
    piece_bytes: int = PIECE_BYTES

    def context(self, path: Path, sha: str) -> FileContext:
        """The normalizer's context for a file read as one (not a workbook of many sheets)."""
        return FileContext(
            label=path.name, source_file=str(path), sha256=sha, tz=self.tz, keep_pii=self.keep_pii
        )


@dataclass(frozen=True)
class Task:
    """One unit of executor work: a piece of a file (``length >= 0``) or a whole file (-1).

    ``file`` is the file's position among the inputs and ``piece`` the piece's within it:
    together with the row they give the load order (the first copy of a repeated id wins).
    """

    file: int
    piece: int
    path: str
    sha256: str
    offset: int = 0
    length: int = -1
    first_line: int = 0
    end_line: int = LAST
    size: int = 0  # bytes this task reads (the whole file's size for a file read whole)


@dataclass
class Plan:
    """The tasks of one run and the files that need no task (duplicates, unreadable)."""

    tasks: list[Task] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)  # every routed event file, by position
    skipped: list[FileResult] = field(default_factory=list)
    piece_bytes: int = PIECE_BYTES  # the piece size the files were cut with


def _pieces(path: Path, sha: str, idx: int, opts: Options) -> list[Task] | None:
    """The file's pieces, or None when it must be read whole (what ``ingest`` does too)."""
    try:
        stream = open_stream(
            path,
            ctx=opts.context(path, sha),
            fmt=opts.fmt,
            mappings=opts.mappings,
            piece_bytes=opts.piece_bytes,
        )
    except (NotStreamable, InputError):
        return None  # the whole-file reader reads it, or says why it cannot
    out: list[Task] = []
    offset, line = stream.start, stream.first_line
    for n, piece in enumerate(pieces(path, stream.start, opts.piece_bytes)):
        lines = piece.count(b"\n")
        out.append(Task(idx, n, str(path), sha, offset, len(piece), line, line + lines, len(piece)))
        offset += len(piece)
        line += lines
    if out:
        out[-1] = replace(out[-1], end_line=LAST)
    return out


def piece_size(total_bytes: int, parallelism: int, *, most: int = PIECE_BYTES) -> int:
    """The automatic piece size: about ``TASKS_PER_CORE`` pieces per core over all inputs."""
    if parallelism < 1:
        raise ValueError(f"parallelism must be at least 1, got {parallelism!r}")
    share = -(-total_bytes // (TASKS_PER_CORE * parallelism))
    return max(MIN_PIECE_BYTES, min(most, share))


def plan_tasks(
    paths: Iterable[Path | str], opts: Options, *, parallelism: int | None = None
) -> Plan:
    """Route ``paths`` (files and dump folders), hash each file, cut big ones into pieces.

    With ``parallelism`` the piece size is ``piece_size`` of the inputs' total size (at most
    ``opts.piece_bytes``); without it, ``opts.piece_bytes`` as given.
    """
    check_tz(opts.tz)
    if opts.fmt is not None:
        spec_for(opts.fmt)
    files = of_kind(route(paths, given=EVENTS), EVENTS)
    if parallelism is not None:
        size = piece_size(sum(f.size for f in files), parallelism, most=opts.piece_bytes)
        opts = replace(opts, piece_bytes=size)
    plan = Plan(paths=[str(f.path) for f in files], piece_bytes=opts.piece_bytes)
    seen: set[str] = set()
    for idx, f in enumerate(files):
        try:
            sha = sha256_file(f.path)
        except InputError as exc:
            plan.skipped.append(FileResult(path=str(f.path), status="unreadable", error=str(exc)))
            continue
        if sha in seen:
            plan.skipped.append(FileResult(path=str(f.path), status="duplicate", sha256=sha))
            continue
        seen.add(sha)
        cut = _pieces(f.path, sha, idx, opts) if f.size > opts.piece_bytes else None
        plan.tasks.extend(cut or [Task(idx, 0, str(f.path), sha, size=f.size)])
    plan.tasks.sort(key=lambda t: -t.size)  # biggest first: the run ends on a small task
    return plan
