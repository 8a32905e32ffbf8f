"""Ingest files into the database: one transaction per file, idempotent by content hash.

``read_file`` is the pure part (file → events and rejects frames);
``ingest_paths`` walks folders, skips content it has already loaded, and
writes each file's events, rejects and ``ingested_files`` row atomically, so a
crash or Ctrl-C leaves the database as it was before that file.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from opsrca import schema, store
from opsrca.errors import InputError
from opsrca.ingest.csvread import read_csv_bytes
from opsrca.ingest.detect import (
    ALL_SUFFIXES,
    decode,
    detect_json_format,
    detect_table_format,
    spec_for,
)
from opsrca.ingest.normalize import FileContext, normalize
from opsrca.ingest.readers import RawRows, read_excel, read_json_bytes
from opsrca.ingest.timeparse import check_tz

_INSERT_ROWS = 250_000
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
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        result.status = "empty"
        return _Loaded(
            schema.empty_frame(schema.EVENTS), schema.empty_frame(schema.REJECTS), result
        )
    if data.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        raw: RawRows = read_excel(path, name=name)
        result.encoding = "xlsx"
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
    fmt_name = fmt
    if fmt_name is None:
        if raw.kind == "json":
            fmt_name = detect_json_format(raw.rows[raw.rows.columns[1]], mappings)
        else:
            fmt_name = detect_table_format(raw.header, mappings)
    if fmt_name is None:
        what = f"columns {raw.header}" if raw.kind == "table" else "JSON keys"
        raise InputError(
            f"{name}: cannot tell the source format from its {what}; "
            "use --format tiktok_csv|qimen_log|ozon_jsonl|taobao_jsonl|generic or --map SOURCE_COLUMN=field"
        )
    spec = spec_for(fmt_name).with_mappings(mappings)
    if (spec.kind == "json") != (raw.kind == "json"):
        raise InputError(
            f"{name}: --format {fmt_name} expects {spec.kind} input but the file is {raw.kind}"
        )
    result.source_format = fmt_name
    ctx = FileContext(label=name, source_file=str(path), sha256=sha, tz=tz, keep_pii=keep_pii)
    events, rejects = normalize(raw, spec, ctx)
    result.rows_in = raw.rows_in
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


_LISTING_PREFIXES: tuple[str, ...] = ("listings", "visitor_profiles", "products", "open_categories")


def _listing_kind(path: Path) -> str | None:
    """Listing-check inputs (area D) found in a dump folder are not ingest sources.

    Asks ``opsrca.listings.detect_kind`` when it exists, else goes by the file
    names of the shared contract (listings*, visitor_profiles*, products*,
    open_categories*).
    """
    try:
        from opsrca.listings import detect_kind  # type: ignore[attr-defined]
    except ImportError:
        detect_kind = None
    if detect_kind is not None:
        try:
            return detect_kind(path)  # type: ignore[no-any-return]
        except Exception:  # another area's detector must never break ingest
            pass
    name = path.name.lower()
    return next((p for p in _LISTING_PREFIXES if name.startswith(p)), None)


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files to ingest: given files as they are, folders walked (sorted, hidden skipped)."""
    out: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).parts
                if (
                    child.is_file()
                    and child.suffix.lower() in ALL_SUFFIXES
                    and not any(part.startswith(".") for part in rel)
                    and _listing_kind(child) is None
                ):
                    out.append(child)
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def _known(con: duckdb.DuckDBPyConnection, sha: str) -> bool:
    # fetchall, not fetchone: duckdb 2 keeps a half-read result open and blocks the connection
    rows = con.execute("SELECT 1 FROM ingested_files WHERE sha256 = ? LIMIT 1", [sha]).fetchall()
    return bool(rows)


def _append(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """``store.append`` with plain Arrow strings: DuckDB ingests them faster than string views."""
    if frame.height == 0:
        return
    declared = schema.TABLES[table]
    cols = ", ".join(f'"{c}"' for c in schema.columns(declared))
    # in slices, so only one slice at a time exists as an Arrow copy (peak memory)
    for part in schema.conform(frame, declared).iter_slices(n_rows=_INSERT_ROWS):
        data = part.to_arrow(compat_level=pl.CompatLevel.oldest())
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM data')
        del data


def _write(con: duckdb.DuckDBPyConnection, loaded: _Loaded, batch_id: str) -> None:
    """Write one file's rows and its ingested_files row in a single transaction."""
    res = loaded.result
    with store.transaction(con):
        _append(con, "events", loaded.events.with_columns(pl.lit(batch_id).alias("batch_id")))
        store.append(
            con, "rejects", loaded.rejects.with_columns(pl.lit(batch_id).alias("batch_id"))
        )
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


def ingest_paths(
    paths: Iterable[Path | str],
    con: duckdb.DuckDBPyConnection,
    *,
    fmt: str | None = None,
    tz: str = "Asia/Shanghai",
    mappings: dict[str, str] | None = None,
    keep_pii: bool = False,
    progress: bool = False,
    strict: bool = False,
) -> IngestReport:
    """Ingest files and folders into ``con``; one batch id, one transaction per file.

    Files already ingested (same sha256) are reported as ``duplicate``; a file
    that cannot be read is reported ``unreadable`` and the others still load.
    With ``strict`` a file with any reject is not written (status ``rejected``).
    """
    check_tz(tz)
    if fmt is not None:
        spec_for(fmt)
    files = expand_paths(paths)
    con.execute("SET enable_progress_bar = false")  # our own bar (or none) instead of DuckDB's
    report = IngestReport(batch_id=uuid.uuid4().hex)
    sizes = [f.stat().st_size for f in files]
    gen = _progress(progress, sum(sizes))
    prog, task = next(gen)
    try:
        for path, size in zip(files, sizes, strict=True):
            if task is not None:
                prog.update(task, description=path.name)  # type: ignore[attr-defined]
            report.files.append(
                _ingest_one(path, con, report.batch_id, fmt, tz, mappings, keep_pii, strict)
            )
            if task is not None:
                prog.advance(task, size)  # type: ignore[attr-defined]
    finally:
        gen.close()
    return report


def _ingest_one(
    path: Path,
    con: duckdb.DuckDBPyConnection,
    batch_id: str,
    fmt: str | None,
    tz: str,
    mappings: dict[str, str] | None,
    keep_pii: bool,
    strict: bool,
) -> FileResult:
    try:
        data = _read_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        if _known(con, sha):
            return FileResult(path=str(path), status="duplicate", sha256=sha)
        loaded = _load(
            path, fmt=fmt, tz=tz, mappings=mappings, keep_pii=keep_pii, data=data, sha=sha
        )
    except InputError as exc:
        return FileResult(path=str(path), status="unreadable", error=str(exc))
    del data
    res = loaded.result
    if res.status == "empty":
        return res
    if strict and res.rejects:
        first = loaded.rejects["reason"][0]
        res.status = "rejected"
        res.error = f"{res.rejects} row(s) rejected, file not written (--strict); first: {first}"
        return res
    _write(con, loaded, batch_id)
    return res
