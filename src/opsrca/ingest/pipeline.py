"""Ingest files into the database: one transaction per file, idempotent by content hash.

A thin facade over the modules that do the work:

- ``route``: which input file is what (folders walked once, headers read once)
- ``wholefile``: one file's bytes (every sheet of a workbook) → events and rejects
- ``workers``: the reader thread and the parse pool (big files in pieces, ``stream``)
- ``commit``: one transaction per file, restarts, statuses, ``--strict``
- ``writer``: the DuckDB storage behind the ``EventWriter`` interface
- ``repeats``: repeated source ids become rejects
- ``progress``: the progress bar
- ``results``: ``FileResult`` and ``IngestReport``

``read_file`` is the pure part (file → events and rejects frames);
``ingest_paths`` skips content it has already loaded and writes each file's
events, rejects and ``ingested_files`` row atomically, so a crash or Ctrl-C
leaves the database as it was before that file.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from opsrca.errors import InputError
from opsrca.ingest.boundary import INTERRUPTS, IngestInterrupted
from opsrca.ingest.commit import Committer
from opsrca.ingest.detect import spec_for
from opsrca.ingest.normalize import FileContext
from opsrca.ingest.repeats import repeated_events
from opsrca.ingest.results import STATUSES, FileResult, IngestReport
from opsrca.ingest.route import EVENTS, SKIPPED, RoutedFile, expand_paths, of_kind, problems, route
from opsrca.ingest.stream import PIECE_BYTES, Chunk, NotStreamable, open_stream
from opsrca.ingest.timeparse import check_tz
from opsrca.ingest.wholefile import load_file
from opsrca.ingest.workers import Options, Workers, sha256_file
from opsrca.ingest.writer import DuckDBWriter
from opsrca.progress import progress_bar

__all__ = [
    "STATUSES",
    "FileResult",
    "IngestReport",
    "expand_paths",
    "ingest_paths",
    "iter_events",
    "read_file",
    "repeated_events",
]


def read_file(
    path: Path | str,
    *,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read one export into ``(events, rejects)`` frames without touching a database.

    Raises InputError when the file cannot be read at all (missing, binary,
    undecodable, unknown format).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    loaded = load_file(p, fmt=fmt, tz=check_tz(tz), mappings=mappings, keep_pii=keep_pii)
    return loaded.events, loaded.rejects


def iter_events(
    path: Path | str,
    *,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
    piece_bytes: int | None = None,
) -> Iterator[pl.DataFrame]:
    """The events of one export, piece by piece: ``read_file`` without holding the file.

    Pieces are parsed on two threads, at most three in flight, so memory follows the piece
    size, not the file. Content ids are numbered within each piece (see
    ``repeats.renumber_content_ids`` for the whole-file numbering). A file the streaming
    readers refuse comes whole, as one piece; one they refuse after the first piece raises
    ``NotStreamable`` (start over with ``read_file``). Rejects are not returned.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    ctx = FileContext(
        label=p.name, source_file=str(p), sha256=sha256_file(p), tz=check_tz(tz), keep_pii=keep_pii
    )
    try:
        stream = open_stream(
            p, ctx=ctx, fmt=fmt, mappings=mappings, piece_bytes=piece_bytes or PIECE_BYTES
        )
    except NotStreamable:
        yield read_file(p, fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii)[0]
        return
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="opsrca-read") as pool:
        inflight: deque[Future[Chunk]] = deque()
        for task, _nbytes in stream.tasks:
            inflight.append(pool.submit(task))
            if len(inflight) > 2:
                yield inflight.popleft().result().events
        while inflight:
            yield inflight.popleft().result().events


def ingest_paths(
    paths: Iterable[Path | str | RoutedFile],
    con: duckdb.DuckDBPyConnection,
    *,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
    progress: bool = False,
    strict: bool = False,
    piece_bytes: int = PIECE_BYTES,
) -> IngestReport:
    """Ingest files and folders into ``con``; one batch id, one transaction per file.

    ``paths`` are files and folders (files named directly are always loaded,
    folders give their event exports) or files ``route`` already routed (only
    the event exports among them are loaded). Files already ingested (same
    sha256) are reported as ``duplicate``; a file that cannot be read is
    reported ``unreadable`` with its reason (whatever its reader raised, a
    Polars panic included) and the others still load. Files found in folders
    that are no input (a PDF, an image) are reported ``skipped`` and what
    cannot be opened (a FIFO, a dangling symlink) ``unreadable``, after the
    files read. With ``strict`` a file with any reject is not written (status
    ``rejected``). A Ctrl-C raises ``IngestInterrupted`` (a KeyboardInterrupt)
    carrying the report of the files committed before it.

    A reader thread cuts files into pieces that two pool threads parse and
    normalize (Polars) while this thread writes (DuckDB, one thread); all of
    them release the GIL, so parsing and writing overlap on separate cores.
    """
    check_tz(tz)
    if fmt is not None:
        spec_for(fmt)
    routed = route(paths, given=EVENTS)
    files = of_kind(routed, EVENTS)
    report = IngestReport(batch_id=uuid.uuid4().hex)
    opts = Options(fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii, piece_bytes=piece_bytes)
    try:
        with (
            progress_bar(progress, sum(f.size for f in files), "ingest", unit="bytes") as advance,
            DuckDBWriter(con, report.batch_id) as writer,
            Workers(files, writer.known_hashes(), opts) as workers,
        ):
            committer = Committer(
                writer, report, [f.path for f in files], opts, strict=strict, advance=advance
            )
            committer.run(workers.get)
    except INTERRUPTS as exc:
        raise IngestInterrupted(report) from exc
    for f in problems(routed):
        status = "skipped" if f.kind == SKIPPED else "unreadable"
        report.files.append(FileResult(path=str(f.path), status=status, error=f.note))
    return report
