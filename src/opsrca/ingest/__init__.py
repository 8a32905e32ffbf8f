"""Ingest: Qimen / TikTok / Ozon / Taobao exports → the ``events`` and ``rejects`` tables.

``read_file`` reads one file into frames (pure), ``iter_events`` the same piece by
piece; ``ingest_paths`` loads files
and folders into DuckDB, one transaction per file, idempotent by content hash.

Rules (the decisions behind ``rows in = events + rejects``):

- A row is a CSV record (a quoted field may span lines), a JSON line, or a
  non-empty sheet row. Blank lines are not rows: skipped, not counted.
- ``source_line`` is the physical 1-based line where the row starts (CSV header
  = line 1; JSON Lines: line 1 is the first object; XLSX: the sheet row).
- Every sheet of a workbook is read. With several sheets, ``source_file`` is
  ``path#sheet`` and reasons name the sheet; rows of a sheet whose columns
  match no format (a summary sheet) are rejected, saying so.
- Ragged rows (more or fewer fields than the header) are rejected, naming
  both counts. A quote that never closes is rejected as that line alone and the
  lines after it are read normally; a quote inside an unquoted field
  (``12" screen``) is literal text, as Excel reads it.
- A row is rejected (one reject per row, the first failing field) when its
  timestamp is empty or unreadable, a number field is not a whole number
  ("100" and " 100 " are fine), or a Qimen 同步状态 is unknown.
- Unknown extra columns are kept in ``payload`` (a JSON object: ``request`` /
  ``response`` payload columns embedded as JSON when they look like JSON, extra
  columns under their own names). For JSON Lines the payload is the whole object.
- ``event_id``: TikTok ``error_id`` / Taobao ``trace_id`` when not empty, else
  ``<first 16 hex of the file's sha256>:<line>`` (stable across runs).
- A source id already loaded (overlapping exports, or a repeat inside one
  file) is a reject on field ``event_id`` naming the file and line it was
  first loaded from; its row as it would have been loaded is kept in ``raw``.
  An event is never counted twice.
- Files bigger than one piece (32 MB) are read piecewise (bounded memory);
  every rule above holds across pieces.
- Timestamps without a zone are ``tz`` (Asia/Shanghai by default); all are
  stored as naive UTC.
- Buyer PII in every text column of ``events`` (but ``event_id`` and
  ``source_file``) and in ``rejects.field/reason/raw`` is masked with the ordered
  patterns of ``data/pii.toml`` (encoded values decoded first) unless ``keep_pii``.
"""

from __future__ import annotations

from opsrca.ingest.mapping import parse_mappings
from opsrca.ingest.pii import mask_text
from opsrca.ingest.pipeline import (
    FileResult,
    IngestReport,
    expand_paths,
    ingest_paths,
    iter_events,
    read_file,
)
from opsrca.ingest.summary import summary_table

__all__ = [
    "FileResult",
    "IngestReport",
    "expand_paths",
    "ingest_paths",
    "iter_events",
    "mask_text",
    "parse_mappings",
    "read_file",
    "summary_table",
]
