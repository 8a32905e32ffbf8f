"""Where ingested rows are stored: the DuckDB writer behind one small interface.

``Committer`` (commit.py) decides, file by file, what is written and whether
the file is committed; it talks to storage only through ``EventWriter``, so
moving events to another store (Parquet files per ingested file, say) means
writing one class like ``DuckDBWriter`` and nothing else.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

import duckdb
import polars as pl

from opsrca import schema, store
from opsrca.ingest.repeats import move_repeats_to_rejects, repeated_events
from opsrca.ingest.results import FileResult

_INSERT_ROWS = 250_000


class EventWriter(Protocol):
    """Storage of one batch: at most one file open at a time, written all or nothing."""

    def known_hashes(self) -> set[str]:
        """sha256 of every file stored before this batch."""
        ...

    def known(self, sha: str) -> bool:
        """True when a file with this content is stored (also earlier in this batch)."""
        ...

    def begin_file(self) -> None:
        """Open the file's transaction."""
        ...

    def append(self, events: pl.DataFrame, rejects: pl.DataFrame) -> None:
        """Write one piece of the open file."""
        ...

    def drop_repeats(self, path: Path, sources: list[str]) -> tuple[int, str | None]:
        """Move the open file's repeated source ids to rejects: ``(count, first reason)``."""
        ...

    def commit_file(self, result: FileResult) -> None:
        """Record the file as ingested (its content hash) and make its rows permanent."""
        ...

    def rollback_file(self, *, after_error: bool = False) -> None:
        """Drop everything the open file wrote; ``after_error`` never raises."""
        ...


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


class DuckDBWriter:
    """``EventWriter`` on a DuckDB connection: one transaction per file.

    Used as a context manager: it runs DuckDB on one thread while the batch is
    written (the parser threads keep the other core busy, and a single writer
    compresses row groups at commit instead of leaving them to close()) and
    restores the setting after.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> None:
        self.con, self.batch_id = con, batch_id
        self._threads: int | None = None
        self._sources: set[str] = set()  # source_file values of the open file (its sheets)

    def __enter__(self) -> DuckDBWriter:
        store.quiet_progress(self.con)  # our own bar (or none) instead
        self._threads = int(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        self.con.execute("SET threads = 1")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._threads is not None:
            with suppress(duckdb.Error):  # never hide the error that got us here
                self.con.execute(f"SET threads = {self._threads}")

    def known_hashes(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT sha256 FROM ingested_files").fetchall()}

    def known(self, sha: str) -> bool:
        # fetchall, not fetchone: duckdb 2 keeps a half-read result open and blocks the connection
        rows = self.con.execute(
            "SELECT 1 FROM ingested_files WHERE sha256 = ? LIMIT 1", [sha]
        ).fetchall()
        return bool(rows)

    def begin_file(self) -> None:
        self._sources = set()
        self.con.execute("BEGIN TRANSACTION")

    def append(self, events: pl.DataFrame, rejects: pl.DataFrame) -> None:
        batch = pl.lit(self.batch_id).alias("batch_id")
        if "source_file" in events.columns:
            self._sources.update(events["source_file"].drop_nulls().unique().to_list())
        _append(self.con, "events", events.with_columns(batch))
        store.append(self.con, "rejects", rejects.with_columns(batch))

    def drop_repeats(self, path: Path, sources: list[str]) -> tuple[int, str | None]:
        repeats = repeated_events(self.con, self.batch_id, sources)
        if repeats.height == 0:
            return 0, None
        return repeats.height, move_repeats_to_rejects(self.con, repeats, self.batch_id, path)

    def commit_file(self, result: FileResult) -> None:
        store.update_shops(self.con, self.batch_id, sorted(self._sources))
        _append(
            self.con,
            "ingested_files",
            pl.DataFrame(
                {
                    "path": [result.path],
                    "sha256": [result.sha256],
                    "source_format": [result.source_format],
                    "encoding": [result.encoding],
                    "rows": [result.events],
                    "rejected": [result.rejects],
                    "ingested_at": [datetime.now(UTC).replace(tzinfo=None)],
                    "batch_id": [self.batch_id],
                }
            ),
        )
        self.con.execute("COMMIT")

    def rollback_file(self, *, after_error: bool = False) -> None:
        if not after_error:
            self.con.execute("ROLLBACK")
            return
        with suppress(duckdb.Error):  # already rolled back by DuckDB, or between two steps
            self.con.execute("ROLLBACK")
