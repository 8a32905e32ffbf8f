"""The read side of ingest: a reader thread and a pool of parse workers.

The reader thread hashes each file (skipping content already stored), cuts
big files into pieces for the pool to parse and normalize (Polars releases the
GIL, so parsing overlaps the database writes on another core), and sends one
message stream, files in order, to the writer: per file ``Start, Data…, End``
(or only ``End``), then ``DONE``. The queue is short, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from opsrca.errors import InputError
from opsrca.ingest.boundary import INTERRUPTS, READ_ERRORS, unreadable
from opsrca.ingest.normalize import FileContext
from opsrca.ingest.results import FileResult
from opsrca.ingest.route import RoutedFile
from opsrca.ingest.stream import Chunk, NotStreamable, open_stream
from opsrca.ingest.wholefile import Loaded, load_file, read_bytes

_QUEUE = 4  # messages waiting for the writer (each may hold a parsed piece: memory bound)
_PARSERS = 2  # pool threads parsing pieces; with the writer this keeps two cores busy


@dataclass(frozen=True)
class Options:
    """How every file of one batch is read."""

    fmt: str | None
    tz: str
    mappings: dict[str, str] | None
    keep_pii: bool
    piece_bytes: int

    def load(self, path: Path, data: bytes, sha: str) -> Loaded:
        """The whole-file reader with these options."""
        return load_file(
            path,
            fmt=self.fmt,
            tz=self.tz,
            mappings=self.mappings,
            keep_pii=self.keep_pii,
            data=data,
            sha=sha,
        )


@dataclass
class Start:
    """A file has rows to write: the writer checks its hash and opens a transaction."""

    idx: int
    sha: str


@dataclass
class Data:
    """One piece of a file, parsed on a pool thread (or already, for a file read whole)."""

    idx: int
    job: Future[Chunk]
    nbytes: int


@dataclass
class End:
    """A file was read: counts are the writer's; format, encoding, status the reader's."""

    idx: int
    result: FileResult


@dataclass
class Fatal:
    """An unexpected error in the reader thread, re-raised by the writer."""

    exc: BaseException


DONE = object()


class _Stopped(Exception):
    """The writer stopped (error or Ctrl-C): the reader thread ends quietly."""


def sha256_file(path: Path) -> str:
    """The content hash of a file too big to hold, read in blocks."""
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
    opts: Options,
    put: Callable[[object], None],
    pool: ThreadPoolExecutor,
) -> FileResult:
    """Turn one file into messages; returns its result (the caller sends ``End``).

    Files bigger than a piece are cut into pieces here and parsed on ``pool``
    (bounded memory, several cores). A file the streaming readers refuse up
    front is read whole, as small files always are; one they refuse later is
    restarted by the writer.
    """
    sha: str | None = None
    try:
        data: bytes | None = None
        if size > opts.piece_bytes:
            sha = sha256_file(path)
        else:
            data = read_bytes(path)
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
                data = read_bytes(path)
            else:
                put(Start(idx, sha))
                for task, nbytes in stream.tasks:
                    put(Data(idx, pool.submit(task), nbytes))
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
            put(Start(idx, sha))
            put(Data(idx, _done(Chunk(loaded.events, loaded.rejects, res.rows_in)), size))
        return res
    except _Stopped:
        raise
    except INTERRUPTS:
        raise
    except READ_ERRORS as exc:  # the one boundary: this file is unreadable, the others load
        error = unreadable(path, exc)
        return FileResult(path=str(path), status="unreadable", error=error, sha256=sha)


class Workers:
    """The reader thread and the parse pool of one batch; ``get`` is the writer's end.

    As a context manager: on a clean exit it waits for both; on an error or
    Ctrl-C it does not wait for a big file to finish hashing or parsing (the
    reader notices at its next message and never touches the database).
    """

    def __init__(self, files: list[RoutedFile], known: set[str], opts: Options) -> None:
        self.files, self.known, self.opts = files, known, opts
        self._messages: queue.Queue[object] = queue.Queue(maxsize=_QUEUE)
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=_PARSERS, thread_name_prefix="opsrca-parse")
        self._reader = threading.Thread(
            target=self._read_files, name="opsrca-ingest-reader", daemon=True
        )

    def get(self) -> object:
        """The next message (blocks)."""
        return self._messages.get()

    def _put(self, msg: object) -> None:
        while not self._stop.is_set():
            try:
                self._messages.put(msg, timeout=0.2)
                return
            except queue.Full:
                continue
        raise _Stopped

    def _read_files(self) -> None:
        """Reader thread: per file ``Start, Data…, End`` (or only ``End``), then ``DONE``."""
        try:
            for idx, f in enumerate(self.files):
                res = _read_one(idx, f.path, f.size, self.known, self.opts, self._put, self._pool)
                self._put(End(idx, res))
            self._put(DONE)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the writer, which raises it in the caller's thread
            try:
                self._put(Fatal(exc))
            except _Stopped:
                return

    def __enter__(self) -> Workers:
        self._reader.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self._stop.set()
                self._reader.join(timeout=1.0)
                self._pool.shutdown(wait=False, cancel_futures=True)
            else:
                self._reader.join()
                self._pool.shutdown(wait=True)
        finally:
            self._stop.set()
