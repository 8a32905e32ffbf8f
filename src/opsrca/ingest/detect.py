"""Encoding and format detection: what a file is, without the user saying so.

Encodings are tried strictly in the order real exports use them: UTF-8 (with or
without BOM), then GB18030 (a superset of GBK, what Chinese Excel writes), and
only then charset-normalizer's guess. Formats are told from the header (tables)
or the keys of the first JSON objects, matched against ``aliases.toml``.
"""

from __future__ import annotations

import codecs
import csv
import io

import polars as pl

from opsrca.errors import InputError
from opsrca.ingest.mapping import FormatSpec, load_aliases, resolve_columns
from opsrca.ingest.pii import mask_text

TABLE_SUFFIXES: frozenset[str] = frozenset({".csv", ".tsv", ".txt"})
EXCEL_SUFFIXES: frozenset[str] = frozenset({".xlsx", ".xlsm", ".xls"})
JSON_SUFFIXES: frozenset[str] = frozenset({".jsonl", ".ndjson", ".json", ".log"})
ALL_SUFFIXES: frozenset[str] = TABLE_SUFFIXES | EXCEL_SUFFIXES | JSON_SUFFIXES
#: largest CSV field Python's csv module accepts (its default, 128 KiB, is below real payloads);
#: bounded, so a runaway quote cannot make one field the whole file
FIELD_MAX = 64 << 20
csv.field_size_limit(max(csv.field_size_limit(), FIELD_MAX))


#: control bytes no text export writes (tab, newline, carriage return, form feed and ESC aside)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
#: share of control bytes above which a head is binary: random or compressed data has ~10 %, a text
#: export with a few broken lines (a stray NUL row) far below 1 %
_BINARY_SHARE = 0.02


def looks_binary(head: bytes) -> bool:
    """Is this the head of binary data rather than a text export? UTF-16 (with a BOM) is text;
    a text export with a few NUL-damaged lines is still text, so those lines reach rejects."""
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL))
    return controls > _BINARY_SHARE * len(head)


def decode(data: bytes, *, name: str = "file") -> tuple[str, str]:
    """Decode file bytes; returns ``(text, encoding)`` with any BOM removed.

    Raises InputError for binary data (``looks_binary``) or text no decoder accepts.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if looks_binary(data[:65536]):
        raise InputError(
            f"{name}: binary data (control bytes), not a text export; is it the right file?"
        )
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # slow; only for what the strict decoders refuse

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise InputError(
        f"{name}: cannot decode as UTF-8 or GB18030; re-save it as UTF-8 (Excel: 'CSV UTF-8')"
    )


def sniff_separator(header_line: str) -> str:
    """The field separator of a CSV header line: comma unless tabs or semicolons dominate."""
    counts = {sep: header_line.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else ","


def split_header(header_line: str, sep: str) -> list[str]:
    """The column names of one header line (quotes honoured, blanks named).

    A line the csv module refuses (a bare CR inside, a field over ``FIELD_MAX``)
    is split at every separator instead: a header never stops a command.
    """
    try:
        row = next(csv.reader(io.StringIO(header_line), delimiter=sep), [])
    except csv.Error:
        row = [c.strip('"') for c in header_line.split(sep)]
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(row):
        name = raw.replace("\ufeff", "").strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    return names


def detect_table_format(header: list[str], mappings: dict[str, str] | None = None) -> str | None:
    """The table format whose detection columns are all in ``header``, best first."""
    specs = sorted(
        (s for s in load_aliases().formats.values() if s.kind == "table"), key=lambda s: s.priority
    )
    for spec in specs:
        found, _ = resolve_columns(header, spec.with_mappings(mappings))
        if all(f in found for f in spec.detect):
            return spec.name
    return None


def detect_json_format(lines: pl.Series, mappings: dict[str, str] | None = None) -> str | None:
    """The JSON Lines format whose detection paths resolve in the first objects of ``lines``."""
    sample = lines.head(50)
    specs = sorted(
        (s for s in load_aliases().formats.values() if s.kind == "json"), key=lambda s: s.priority
    )
    best: tuple[int, str] | None = None
    for spec in specs:
        spec = spec.with_mappings(mappings)
        hits = 0
        for target in spec.detect:
            paths = spec.fields.get(target, ())
            if any(sample.str.json_path_match(p).is_not_null().any() for p in paths):
                hits += 1
        if hits == len(spec.detect) and (best is None or hits > best[0]):
            best = (hits, spec.name)
    return best[1] if best else None


def resolve_format(
    kind: str,
    header: list[str],
    sample: pl.Series | None,
    fmt: str | None,
    mappings: dict[str, str] | None,
    name: str,
) -> tuple[str, FormatSpec]:
    """The source format (``fmt`` or detected from header / JSON sample) and its spec."""
    fmt_name = fmt
    if fmt_name is None:
        if kind == "json":
            fmt_name = detect_json_format(sample, mappings) if sample is not None else None
        else:
            fmt_name = detect_table_format(header, mappings)
    if fmt_name is None:
        # a header is file content: it may hold buyer data, so it is quoted masked
        what = f"columns {mask_text(str(header))}" if kind == "table" else "JSON keys"
        raise InputError(
            f"{name}: cannot tell the source format from its {what}; "
            "use --format tiktok_csv|qimen_log|ozon_jsonl|taobao_jsonl|generic or --map SOURCE_COLUMN=field"
        )
    spec = spec_for(fmt_name).with_mappings(mappings)
    if (spec.kind == "json") != (kind == "json"):
        raise InputError(
            f"{name}: --format {fmt_name} expects {spec.kind} input but the file is {kind}"
        )
    return fmt_name, spec


def spec_for(name: str) -> FormatSpec:
    """The FormatSpec called ``name`` or an InputError listing the known ones."""
    formats = load_aliases().formats
    if name not in formats:
        raise InputError(f"unknown format {name!r}; use one of {', '.join(formats)}")
    return formats[name]
