"""What ``ingest_paths`` reports: one ``FileResult`` per file, one ``IngestReport`` per batch."""

from __future__ import annotations

from dataclasses import dataclass, field

STATUSES: tuple[str, ...] = (
    "loaded",
    "duplicate",
    "unreadable",
    "empty",
    "rejected",
    "skipped",
)  # skipped: found in a folder but no input (a PDF, an image); ``error`` says why


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    source_format: str | None = None
    encoding: str | None = None
    rows_in: int = 0
    events: int = 0
    rejects: int = 0
    status: str = (
        "loaded"  # loaded | duplicate | unreadable | empty | rejected (--strict) | skipped
    )
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
