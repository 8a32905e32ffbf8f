"""Ingest files into the database: one transaction per file, idempotent by content hash.

``read_file`` is the pure part (file → events and rejects frames);
``ingest_paths`` routes files and folders (``route``), skips content it has already loaded, and
writes each file's events, rejects and ``ingested_files`` row atomically, so a
crash or Ctrl-C leaves the database as it was before that file.
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema, store
from opsrca.errors import InputError
from opsrca.ingest.csvread import read_csv_bytes
from opsrca.ingest.detect import decode, resolve_format, spec_for
from opsrca.ingest.normalize import FileContext, normalize, rejects_frame
from opsrca.ingest.readers import LINE, RAW, RawRows, read_excel, read_json_bytes
from opsrca.ingest.route import RoutedFile, expand_paths
from opsrca.ingest.stream import PIECE_BYTES, Chunk, NotStreamable, open_stream
from opsrca.ingest.timeparse import check_tz

_INSERT_ROWS = 250_000
_BLANK = re.compile(rb"[ \t\r\n\x00\xef\xbb\xbf]*")  # an empty export (no copy, unlike strip)
STATUSES: tuple[str, ...] = ("loaded", "duplicate", "unreadable", "empty", "rejected")


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    source_format: str | None = None
    encoding: str | None = None
    rows_in: int = 0
    events: int = 0
    rejects: int = 0
    status: str = "loaded"  # loaded | duplicate | unreadable | empty | rejected (--strict)
    error: str | None = None
    sha256: str | None = None


@dataclass
class IngestReport:
    """All files of one ``ingest_paths`` call (one batch)."""

    batch_id: str
    files: list[FileResult] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Input rows over all files."""
        return sum(f.rows_in for f in self.files)

    @property
    def events(self) -> int:
        """Events written (or read) over all files."""
        return sum(f.events for f in self.files)

    @property
    def rejects(self) -> int:
        """Rejected rows over all files."""
        return sum(f.rejects for f in self.files)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected and every file could be read."""
        return self.rejects == 0 and not any(
            f.status in ("unreadable", "rejected") for f in self.files
        )


@dataclass
class _Loaded:
    events: pl.DataFrame
    rejects: pl.DataFrame
    result: FileResult


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read file: {exc.strerror or exc}") from exc


def _load(
    path: Path,
    *,
    fmt: str | None,
    tz: str,
    mappings: dict[str, str] | None,
    keep_pii: bool,
    data: bytes | None = None,
    sha: str | None = None,
) -> _Loaded:
    """Read and normalize one file; raises InputError when it cannot be read at all."""
    name = path.name
    if data is None:
        data = _read_bytes(path)
    sha = sha or hashlib.sha256(data).hexdigest()
    result = FileResult(path=str(path), sha256=sha)
    if _BLANK.fullmatch(data):
        result.status = "empty"
        return _Loaded(
            schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result
        )
    if data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        result.encoding = "xlsx"
        return _load_sheets(path, read_excel(path, name=name), result, fmt, tz, mappings, keep_pii)
    else:
        if b"\x00" in data[:65536]:
            decode(data[:65536], name=name)  # raises for binary garbage, accepts UTF-16
        first = data.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
        reader = read_json_bytes if first in (b"{", b"[") else read_csv_bytes
        raw, result.encoding = reader(data, name=name)
    if raw.kind == "table" and not raw.header:
        result.status = "empty"
        return _Loaded(
            schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result
        )
    sample = raw.rows[RAW] if raw.kind == "json" else None
    fmt_name, spec = resolve_format(raw.kind, raw.header, sample, fmt, mappings, name)
    result.source_format = fmt_name
    ctx = FileContext(label=name, source_file=str(path), sha256=sha, tz=tz, keep_pii=keep_pii)
    events, rejects = normalize(raw, spec, ctx)
    result.rows_in = raw.rows_in
    result.events, result.rejects = events.height, rejects.height
    if result.rows_in == 0:
        result.status = "empty"
    return _Loaded(events, rejects, result)


def _load_sheets(
    path: Path,
    sheets: list[tuple[str, RawRows]],
    result: FileResult,
    fmt: str | None,
    tz: str,
    mappings: dict[str, str] | None,
    keep_pii: bool,
) -> _Loaded:
    """Normalize every sheet of a workbook; one sheet reads exactly like a CSV file.

    With several sheets, reasons say ``book.xlsx sheet S line N``, ``source_file``
    is ``path#S`` and hash ids are made per sheet (rows of two sheets never
    share one). A sheet whose columns match no format, beside sheets that do,
    has its rows rejected with that reason; when no sheet matches, the file
    is unreadable.
    """
    assert result.sha256 is not None
    if not sheets:
        result.status = "empty"
        return _Loaded(
            schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result
        )
    multi = len(sheets) > 1
    parts: list[tuple[pl.DataFrame, pl.DataFrame]] = []
    unknown: list[tuple[str, RawRows, FileContext, InputError]] = []
    for sheet, raw in sheets:
        label = f"{path.name} sheet {sheet}" if multi else path.name
        sha = (
            hashlib.sha256(f"{result.sha256}#{sheet}".encode()).hexdigest()
            if multi
            else result.sha256
        )
        ctx = FileContext(
            label=label,
            source_file=f"{path}#{sheet}" if multi else str(path),
            sha256=sha,
            tz=tz,
            keep_pii=keep_pii,
        )
        try:
            fmt_name, spec = resolve_format("table", raw.header, None, fmt, mappings, label)
            parts.append(normalize(raw, spec, ctx))  # raises when required columns are missing
        except InputError as exc:
            unknown.append((sheet, raw, ctx, exc))
            continue
        result.source_format = result.source_format or fmt_name
        result.rows_in += raw.rows_in
    if not parts:
        raise unknown[0][3]
    for _sheet, raw, ctx, exc in unknown:
        result.rows_in += raw.rows_in
        bad = raw.rows.select(
            pl.col(LINE),
            pl.lit(None, dtype=pl.String).alias("__field"),
            pl.lit(str(exc).split(": ", 1)[-1]).alias("__msg"),
            pl.col(RAW),
        )
        parts.append((schema.empty_frame(schema.EVENTS), rejects_frame(bad, ctx)))
    events = pl.concat([e for e, _ in parts])
    rejects = pl.concat([r for _, r in parts])
    result.events, result.rejects = events.height, rejects.height
    if result.rows_in == 0:
        result.status = "empty"
    return _Loaded(events, rejects, result)


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
    loaded = _load(p, fmt=fmt, tz=check_tz(tz), mappings=mappings, keep_pii=keep_pii)
    return loaded.events, loaded.rejects


def _known(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    # fetchall, not fetchone: duckdb 2 keeps a half-read result open and blocks the connection
    rows = con.execute("SELECT 1 FROM ingested_files WHERE sha256 = ? LIMIT 1", [sha]).fetchall()
    return bool(rows)


def _append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """``store.append`` in slices, as Arrow string views (DuckDB 2 takes them without a copy)."""
    if frame.height == 0:
        return
    declared = schema.TABLES[table]
    cols = ", ".join(f'"{c}"' for c in schema.columns(declared))
    # in slices, so only one slice at a time exists as an Arrow copy (peak memory)
    for part in schema.conform(frame, declared).iter_slices(n_rows=_INSERT_ROWS):
        data = part.to_arrow(compat_level=pl.CompatLevel.newest())
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM data')
        del data


def repeated_events(
    con: duckdb.DuckDBPyConnection, batch_id: str, sources: list[str]
) -> pl.DataFrame:
    """Rows just written (``batch_id``, ``source_file`` in ``sources``) whose ``event_id`` was
    already loaded: ``(rid, source_file, source_line, event_id, first_file, first_line)``.

    The copy loaded first wins (row ids grow in load order: earlier files,
    then this file's sheets and lines in order). Two linear passes per file
    (a group-by on the file's ids, a semi-join with the others); only the few
    repeated ids are looked at row by row.
    """
    mine = "(batch_id = $batch AND list_contains($sources, source_file))"
    return con.sql(
        f"""WITH mine AS (SELECT event_id FROM events WHERE {mine}),
            ids AS (
                SELECT event_id FROM mine GROUP BY event_id HAVING count(*) > 1
                UNION
                SELECT event_id FROM mine
                SEMI JOIN (SELECT event_id FROM events WHERE NOT {mine}) USING (event_id)
            ),
            copies AS (
                SELECT e.rowid AS rid, e.event_id, e.source_file, e.source_line,
                       {mine} AS here,
                       row_number() OVER w AS k,
                       first_value(e.source_file) OVER w AS first_file,
                       first_value(e.source_line) OVER w AS first_line
                FROM events e SEMI JOIN ids USING (event_id)
                WINDOW w AS (PARTITION BY e.event_id ORDER BY e.rowid)
            )
            SELECT rid, source_file, source_line, event_id, first_file, first_line
            FROM copies WHERE here AND k > 1
            ORDER BY rid""",
        params={"batch": batch_id, "sources": sources},
    ).pl()


def _move_repeats_to_rejects(
    con: duckdb.DuckDBPyConnection, repeats: pl.DataFrame, batch_id: str, path: Path
) -> str:
    """Turn the repeated events of this file into rejects; returns the first reason."""
    sheet = pl.col("source_file").str.slice(len(f"{path}#"))
    where = (
        pl.when(pl.col("source_file") == str(path))
        .then(pl.lit(path.name))
        .otherwise(pl.format("{} sheet {}", pl.lit(path.name), sheet))
    )
    rep = repeats.with_columns(
        pl.format(
            "{} line {}: field 'event_id': event '{}' is already loaded from {} line {}; "
            "the repeat is not counted twice",
            where,
            pl.col("source_line"),
            pl.col("event_id"),
            pl.col("first_file"),
            pl.col("first_line"),
        ).alias("reason")
    )
    row = ", ".join(f"'{c}', e.\"{c}\"" for c in schema.columns(schema.EVENTS) if c != "batch_id")
    con.execute(
        f"""INSERT INTO rejects (source_file, source_line, field, reason, raw, batch_id)
            SELECT e.source_file, e.source_line, 'event_id', r.reason,
                   CAST(json_object({row}) AS VARCHAR), $batch
            FROM events e JOIN rep r ON e.rowid = r.rid""",
        {"batch": batch_id},
    )
    con.execute("DELETE FROM events WHERE rowid IN (SELECT rid FROM rep)")
    return str(rep["reason"][0])


def _record_file(con: duckdb.DuckDBPyConnection, res: FileResult, batch_id: str) -> None:
    """The ``ingested_files`` row that makes a re-ingest of the same content a no-op."""
    _append(
        con,
        "ingested_files",
        pl.DataFrame(
            {
                "path": [res.path],
                "sha256": [res.sha256],
                "source_format": [res.source_format],
                "encoding": [res.encoding],
                "rows": [res.events],
                "rejected": [res.rejects],
                "ingested_at": [datetime.now(UTC).replace(tzinfo=None)],
                "batch_id": [batch_id],
            }
        ),
    )


def _progress(enabled: bool, total: int) -> Iterator[tuple[object, object]]:
    if not enabled:
        yield nullcontext(), None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    prog = Progress(
        TextColumn("[bold]ingest[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    with prog:
        yield prog, prog.add_task("", total=total)


# --- reader thread → writer: one message stream, files in order ---------------
@dataclass(frozen=True)
class _Options:
    fmt: str | None
    tz: str
    mappings: dict[str, str] | None
    keep_pii: bool
    piece_bytes: int

    def load(self, path: Path, data: bytes, sha: str) -> _Loaded:
        """The whole-file reader with these options."""
        return _load(
            path,
            fmt=self.fmt,
            tz=self.tz,
            mappings=self.mappings,
            keep_pii=self.keep_pii,
            data=data,
            sha=sha,
        )


@dataclass
class _Start:
    """A file has rows to write: the writer checks its hash and opens a transaction."""

    idx: int
    sha: str


@dataclass
class _Data:
    """One piece of a file, parsed on a pool thread (or already, for a file read whole)."""

    idx: int
    job: Future[Chunk]
    nbytes: int


@dataclass
class _End:
    idx: int
    result: FileResult  # counts are the writer's; format, encoding, status the reader's


@dataclass
class _Fatal:
    """An unexpected error in the reader thread, re-raised by the writer."""

    exc: BaseException


_DONE = object()
_HASH_ID = r"^[0-9a-f]{16}:[0-9]+$"  # normalize's id for rows without a source id
_QUEUE = 4  # messages waiting for the writer (each may hold a parsed piece: memory bound)
_PARSERS = 2  # pool threads parsing pieces; with the writer this keeps two cores busy


class _Stopped(Exception):
    """The writer stopped (error or Ctrl-C): the reader thread ends quietly."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while block := f.read(8 << 20):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    return digest.hexdigest()


def _done(chunk: Chunk) -> Future[Chunk]:
    job: Future[Chunk] = Future()
    job.set_result(chunk)
    return job


def _read_one(
    idx: int,
    path: Path,
    size: int,
    known: set[str],
    opts: _Options,
    put: Callable[[object], None],
    pool: ThreadPoolExecutor,
) -> FileResult:
    """Turn one file into messages; returns its result (the caller sends ``_End``).

    Files bigger than a piece are cut into pieces here and parsed on ``pool``
    (bounded memory, several cores). A file the streaming readers refuse up
    front is read whole, as small files always are; one they refuse later is
    restarted by the writer.
    """
    sha: str | None = None
    try:
        data: bytes | None = None
        if size > opts.piece_bytes:
            sha = _sha256_file(path)
        else:
            data = _read_bytes(path)
            sha = hashlib.sha256(data).hexdigest()
        if sha in known:
            return FileResult(path=str(path), status="duplicate", sha256=sha)
        if data is None:
            ctx = FileContext(
                label=path.name,
                source_file=str(path),
                sha256=sha,
                tz=opts.tz,
                keep_pii=opts.keep_pii,
            )
            try:
                stream = open_stream(
                    path,
                    ctx=ctx,
                    fmt=opts.fmt,
                    mappings=opts.mappings,
                    piece_bytes=opts.piece_bytes,
                )
            except NotStreamable:
                data = _read_bytes(path)
            else:
                put(_Start(idx, sha))
                for task, nbytes in stream.tasks:
                    put(_Data(idx, pool.submit(task), nbytes))
                return FileResult(
                    path=str(path),
                    sha256=sha,
                    source_format=stream.source_format,
                    encoding=stream.encoding,
                )
        loaded = opts.load(path, data, sha)
        del data
        res = loaded.result
        if res.status != "empty":
            put(_Start(idx, sha))
            put(_Data(idx, _done(Chunk(loaded.events, loaded.rejects, res.rows_in)), size))
        return res
    except InputError as exc:
        return FileResult(path=str(path), status="unreadable", error=str(exc), sha256=sha)
    except OSError as exc:  # vanished or unreadable half way through
        error = f"{path}: cannot read file: {exc.strerror or exc}"
        return FileResult(path=str(path), status="unreadable", error=error, sha256=sha)


def _read_files(
    files: list[Path],
    sizes: list[int],
    known: set[str],
    opts: _Options,
    put: Callable[[object], None],
    pool: ThreadPoolExecutor,
) -> None:
    """Reader thread: per file ``_Start, _Data…, _End`` (or only ``_End``), then ``_DONE``."""
    try:
        for idx, (path, size) in enumerate(zip(files, sizes, strict=True)):
            put(_End(idx, _read_one(idx, path, size, known, opts, put, pool)))
        put(_DONE)
    except _Stopped:
        return
    except BaseException as exc:  # handed to the writer, which raises it in the caller's thread
        try:
            put(_Fatal(exc))
        except _Stopped:
            return


@dataclass
class _FileState:
    """What the writer knows about the file whose transaction is open."""

    sha: str = ""
    source_ids: bool = False  # some event_id came from the source (error_id, trace_id)
    sources: list[str] = field(default_factory=list)  # source_file values written, in order
    source_format: str | None = None  # after a restart: what the whole-file reader found
    encoding: str | None = None
    rows_in: int = 0
    events: int = 0
    rejects: int = 0
    nbytes: int = 0  # shown on the progress bar
    first_reject: str | None = None  # --strict: the file fails, nothing more is written
    error: str | None = None  # the file turned out unreadable: nothing more is written
    whole: bool = False  # restarted with the whole-file reader: later pieces are void


class _Writer:
    """The caller's side: one transaction per file, committed only when the file ended well."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report: IngestReport,
        files: list[Path],
        opts: _Options,
        strict: bool,
        advance: Callable[[int, str], None],
    ) -> None:
        self.con, self.report, self.files, self.opts = con, report, files, opts
        self.strict, self.advance = strict, advance
        self.open: int | None = None  # file whose transaction is open
        self.state = _FileState()
        self.duplicate: set[int] = set()

    def run(self, get: Callable[[], object]) -> None:
        try:
            while (msg := get()) is not _DONE:
                self._handle(msg)
        except BaseException:
            if self.open is not None:
                self.open = None
                with suppress(duckdb.Error):  # already rolled back by DuckDB, or between two steps
                    self.con.execute("ROLLBACK")
            raise

    def _handle(self, msg: object) -> None:
        if isinstance(msg, _Fatal):
            raise msg.exc
        if isinstance(msg, _Start):
            if _known(self.con, msg.sha):  # same content earlier in this batch
                self.duplicate.add(msg.idx)
            else:
                self.con.execute("BEGIN TRANSACTION")
                self.open = msg.idx
                self.state = _FileState(sha=msg.sha)
        elif isinstance(msg, _Data):
            self._data(msg)
        elif isinstance(msg, _End):
            self._end(msg.idx, msg.result)

    def _data(self, msg: _Data) -> None:
        st, name = self.state, self.files[msg.idx].name
        if self.open != msg.idx or st.whole or st.error:
            msg.job.cancel()
            return  # a duplicate, a restarted or a failed file: this piece is void
        try:
            chunk = msg.job.result()
        except NotStreamable:
            self._restart(msg.idx)
            return
        except InputError as exc:
            st.error = str(exc)
            return
        st.nbytes += msg.nbytes
        self.advance(msg.nbytes, name)
        self._write(chunk)

    def _write(self, chunk: Chunk) -> None:
        st = self.state
        for source in chunk.events["source_file"].unique(maintain_order=True).to_list():
            if source not in st.sources:  # the file's path, or path#sheet per sheet in order
                st.sources.append(source)
        if not st.source_ids:  # ids made from file hash and line cannot repeat: no lookup needed
            st.source_ids = not chunk.events["event_id"].str.contains(_HASH_ID).all()
        st.rows_in += chunk.rows_in
        st.events += chunk.events.height
        st.rejects += chunk.rejects.height
        if st.first_reject is not None:
            return
        if self.strict and chunk.rejects.height:
            st.first_reject = str(chunk.rejects["reason"][0])
            return
        batch = pl.lit(self.report.batch_id).alias("batch_id")
        _append(self.con, "events", chunk.events.with_columns(batch))
        store.append(self.con, "rejects", chunk.rejects.with_columns(batch))

    def _restart(self, idx: int) -> None:
        """A piece needs the whole-file reader (a quoted newline, say): redo the file whole."""
        path = self.files[idx]
        self.con.execute("ROLLBACK")
        self.con.execute("BEGIN TRANSACTION")
        self.advance(-self.state.nbytes, path.name)
        self.state = st = _FileState(sha=self.state.sha, whole=True)
        try:
            data = _read_bytes(path)
            loaded = self.opts.load(path, data, st.sha)
        except InputError as exc:
            st.error = str(exc)
            return
        st.nbytes = len(data)
        del data
        st.source_format, st.encoding = loaded.result.source_format, loaded.result.encoding
        self.advance(st.nbytes, path.name)
        self._write(Chunk(loaded.events, loaded.rejects, loaded.result.rows_in))

    def _drop_repeats(self, idx: int) -> None:
        """Events whose id is already loaded become rejects (an event is never counted twice)."""
        st = self.state
        if not st.source_ids:
            return
        batch = self.report.batch_id
        repeats = repeated_events(self.con, batch, st.sources)
        if repeats.height == 0:
            return
        first = _move_repeats_to_rejects(self.con, repeats, batch, self.files[idx])
        st.events -= repeats.height
        st.rejects += repeats.height
        if self.strict:
            st.first_reject = first

    def _end(self, idx: int, res: FileResult) -> None:
        if idx in self.duplicate:
            res = FileResult(path=res.path, status="duplicate", sha256=res.sha256)
        elif self.open == idx:
            st = self.state
            if res.status == "loaded" and not st.error and st.rows_in and st.first_reject is None:
                self._drop_repeats(idx)
            res.rows_in, res.events, res.rejects = st.rows_in, st.events, st.rejects
            if st.whole:  # read again by the whole-file reader: its findings count
                res.source_format, res.encoding = st.source_format, st.encoding
            if st.error or res.status == "unreadable":
                res.status, res.error = "unreadable", st.error or res.error
                res.rows_in = res.events = res.rejects = 0
            elif res.rows_in == 0:
                res.status = "empty"
            elif st.first_reject is not None:
                res.status = "rejected"
                res.error = (
                    f"{res.rejects} row(s) rejected, file not written (--strict); "
                    f"first: {st.first_reject}"
                )
            if res.status == "loaded":
                _record_file(self.con, res, self.report.batch_id)
                self.con.execute("COMMIT")
            else:
                self.con.execute("ROLLBACK")
            self.open = None  # only now: a failure above still rolls the file back
        self.report.files.append(res)


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

    Files already ingested (same sha256) are reported as ``duplicate``; a file
    that cannot be read is reported ``unreadable`` and the others still load.
    With ``strict`` a file with any reject is not written (status ``rejected``).

    A reader thread cuts files into pieces that two pool threads parse and
    normalize (Polars) while this thread writes (DuckDB, one thread); all of
    them release the GIL, so parsing and writing overlap on separate cores.
    """
    check_tz(tz)
    if fmt is not None:
        spec_for(fmt)
    files = expand_paths(paths)
    con.execute("SET enable_progress_bar = false")  # our own bar (or none) instead of DuckDB's
    report = IngestReport(batch_id=uuid.uuid4().hex)
    sizes = [f.stat().st_size for f in files]
    known = {row[0] for row in con.execute("SELECT sha256 FROM ingested_files").fetchall()}
    opts = _Options(fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii, piece_bytes=piece_bytes)
    messages: queue.Queue[object] = queue.Queue(maxsize=_QUEUE)
    stop = threading.Event()

    def put(msg: object) -> None:
        while not stop.is_set():
            try:
                messages.put(msg, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    gen = _progress(progress, sum(sizes))
    prog, task = next(gen)

    def advance(nbytes: int, name: str) -> None:
        if task is not None:
            prog.update(task, advance=nbytes, description=name)  # type: ignore[attr-defined]

    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    # one DuckDB thread: the parser threads keep the other core busy, and a single
    # writer compresses row groups at commit instead of leaving them to close()
    con.execute("SET threads = 1")
    pool = ThreadPoolExecutor(max_workers=_PARSERS, thread_name_prefix="opsrca-parse")
    reader = threading.Thread(
        target=_read_files,
        args=(files, sizes, known, opts, put, pool),
        name="opsrca-ingest-reader",
        daemon=True,
    )
    reader.start()
    try:
        _Writer(con, report, files, opts, strict, advance).run(messages.get)
    except BaseException:
        # Ctrl-C or an error: do not wait for the reader to finish hashing or parsing a
        # big file; it notices ``stop`` at its next message and never touches ``con``
        stop.set()
        reader.join(timeout=1.0)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        reader.join()
        pool.shutdown(wait=True)
    finally:
        stop.set()
        gen.close()
        with suppress(duckdb.Error):  # never hide the error that got us here
            con.execute(f"SET threads = {int(threads)}")
    return report
