"""The writer's side of a batch: one transaction per file, committed only when it ended well.

``Committer`` reads the workers' messages in the caller's thread, writes each
piece through an ``EventWriter``, restarts a file with the whole-file reader
when a piece needs it, turns repeated source ids into rejects, and decides
each file's status (loaded, duplicate, unreadable, empty, rejected by
``--strict``). A crash or Ctrl-C rolls back the open file only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from opsrca.ingest.boundary import INTERRUPTS, READ_ERRORS, unreadable
from opsrca.ingest.repeats import has_source_ids
from opsrca.ingest.results import FileResult, IngestReport
from opsrca.ingest.stream import Chunk, NotStreamable
from opsrca.ingest.wholefile import read_bytes
from opsrca.ingest.workers import DONE, Data, End, Fatal, Options, Start
from opsrca.ingest.writer import EventWriter
from opsrca.progress import Advance


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
    pieces: int = 0  # pieces written: with several, identical records are numbered again
    first_reject: str | None = None  # --strict: the file fails, nothing more is written
    error: str | None = None  # the file turned out unreadable: nothing more is written
    whole: bool = False  # restarted with the whole-file reader: later pieces are void


class Committer:
    """Consumes the message stream of ``workers.Workers``; appends each file to ``report``."""

    def __init__(
        self,
        writer: EventWriter,
        report: IngestReport,
        files: list[Path],
        opts: Options,
        *,
        strict: bool,
        advance: Advance,
    ) -> None:
        self.writer, self.report, self.files, self.opts = writer, report, files, opts
        self.strict, self.advance = strict, advance
        self.open: int | None = None  # file whose transaction is open
        self.state = _FileState()
        self.duplicate: set[int] = set()

    def run(self, get: Callable[[], object]) -> None:
        """Handle messages until ``DONE``; on any error roll back the open file and re-raise."""
        try:
            while (msg := get()) is not DONE:
                self._handle(msg)
        except BaseException:
            if self.open is not None:
                self.open = None
                self.writer.rollback_file(after_error=True)
            raise

    def _handle(self, msg: object) -> None:
        if isinstance(msg, Fatal):
            raise msg.exc
        if isinstance(msg, Start):
            if self.writer.known(msg.sha):  # same content earlier in this batch
                self.duplicate.add(msg.idx)
            else:
                self.writer.begin_file()
                self.open = msg.idx
                self.state = _FileState(sha=msg.sha)
        elif isinstance(msg, Data):
            self._data(msg)
        elif isinstance(msg, End):
            self._end(msg.idx, msg.result)

    def _data(self, msg: Data) -> None:
        st, name = self.state, self.files[msg.idx].name
        if self.open != msg.idx or st.whole or st.error:
            msg.job.cancel()
            return  # a duplicate, a restarted or a failed file: this piece is void
        try:
            chunk = msg.job.result()
        except NotStreamable:
            self._restart(msg.idx)
            return
        except INTERRUPTS:
            raise
        except READ_ERRORS as exc:  # a piece's parser failed: the file is unreadable
            st.error = unreadable(self.files[msg.idx], exc)
            return
        st.nbytes += msg.nbytes
        self.advance(msg.nbytes, name)
        self._write_guarded(msg.idx, chunk)

    def _write_guarded(self, idx: int, chunk: Chunk) -> None:
        """``_write``; a piece the database refuses makes the file unreadable, not the batch."""
        try:
            self._write(chunk)
        except INTERRUPTS:
            raise
        except READ_ERRORS as exc:
            self.state.error = unreadable(self.files[idx], exc)
            self.writer.rollback_file(after_error=True)
            self.writer.begin_file()  # an empty transaction, rolled back at the file's end

    def _write(self, chunk: Chunk) -> None:
        st = self.state
        for source in chunk.events["source_file"].unique(maintain_order=True).to_list():
            if source not in st.sources:  # the file's path, or path#sheet per sheet in order
                st.sources.append(source)
        if not st.source_ids:  # ids made from file hash and line cannot repeat: no lookup needed
            st.source_ids = has_source_ids(chunk.events)
        st.rows_in += chunk.rows_in
        st.pieces += 1
        st.events += chunk.events.height
        st.rejects += chunk.rejects.height
        if st.first_reject is not None:
            return
        if self.strict and chunk.rejects.height:
            st.first_reject = str(chunk.rejects["reason"][0])
            return
        self.writer.append(chunk.events, chunk.rejects)

    def _restart(self, idx: int) -> None:
        """A piece needs the whole-file reader (a quoted newline, say): redo the file whole."""
        path = self.files[idx]
        self.writer.rollback_file()
        self.writer.begin_file()
        self.advance(-self.state.nbytes, path.name)
        self.state = st = _FileState(sha=self.state.sha, whole=True)
        try:
            data = read_bytes(path)
            loaded = self.opts.load(path, data, st.sha)
        except INTERRUPTS:
            raise
        except READ_ERRORS as exc:
            st.error = unreadable(path, exc)
            return
        st.nbytes = len(data)
        del data
        st.source_format, st.encoding = loaded.result.source_format, loaded.result.encoding
        self.advance(st.nbytes, path.name)
        self._write_guarded(idx, Chunk(loaded.events, loaded.rejects, loaded.result.rows_in))

    def _drop_repeats(self, idx: int) -> None:
        """Events whose id is already loaded become rejects (an event is never counted twice)."""
        st = self.state
        if not st.source_ids:
            return
        if st.pieces > 1 or len(st.sources) > 1:
            self.writer.renumber(st.sources)
        moved, first = self.writer.drop_repeats(self.files[idx], st.sources)
        if moved == 0:
            return
        st.events -= moved
        st.rejects += moved
        if self.strict:
            st.first_reject = first

    def _commit(self, res: FileResult) -> None:
        """Commit the open file; interrupted mid-COMMIT, report what the database really holds.

        A Ctrl-C can land while DuckDB commits: the file is then either stored
        whole or not at all. It is reported ``loaded`` exactly when it was
        stored, so a re-run skips it as a duplicate and nothing claims failure.
        """
        try:
            self.writer.commit_file(res)
        except BaseException:
            self.open = None
            self.writer.rollback_file(after_error=True)
            if res.sha256 is not None and self._stored(res.sha256):
                self.report.files.append(res)
            raise

    def _stored(self, sha: str) -> bool:
        try:
            return self.writer.known(sha)
        except Exception:  # the connection is gone: the caller's error says enough
            return False

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
                self._commit(res)
            else:
                self.writer.rollback_file()
            self.open = None  # only now: a failure above still rolls the file back
        self.report.files.append(res)
