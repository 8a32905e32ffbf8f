"""Encoding and format detection: what a file is, without the user saying so.

A file's encoding is the one most of its lines are written in: UTF-8 (with or
without BOM), then GB18030 (a superset of GBK, what Chinese Excel writes), and
only then charset-normalizer's guess. Lines that encoding refuses are decoded
one by one (``decode_lines``), so one broken line costs one reject, not the
file. Formats are told from the header (tables) or the keys of the first JSON
objects, matched against ``aliases.toml``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

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


#: the encodings real exports are written in; a line its file's encoding refuses is tried in these
STRICT_ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030")
#: share of the non-UTF-8 lines GB18030 must read for a file to be GB18030 (GBK text almost
#: always is; Cyrillic or Latin codepages often are not, and charset-normalizer names those)
_LEGACY_SHARE = 0.9


@dataclass(frozen=True)
class Decoded:
    """Text of file bytes and the lines that would not decode.

    An undecodable line is left empty in ``text`` (so line numbers stay the
    file's) and listed in ``undecodable`` as ``(line number, reason, the line
    with its bad bytes escaped)``: readers turn those into rejects. A line of
    good text with a few broken bytes is kept, those bytes read as U+FFFD.
    ``fallbacks`` counts lines read in another encoding than the file's.
    """

    text: str
    encoding: str
    undecodable: tuple[tuple[int, str, str], ...] = ()
    fallbacks: int = 0


def decode(data: bytes, *, name: str = "file") -> Decoded:
    """Decode file bytes, line by line where the whole will not; any BOM is removed.

    The file's encoding is the one most of its non-ASCII lines are written in
    (``file_encoding``), so one broken line neither garbles nor drops the rest.
    Raises InputError only for binary data (``looks_binary``) or broken UTF-16.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: broken UTF-16 ({exc.reason}); re-save it as UTF-8") from exc
    if looks_binary(data[:65536]):
        raise InputError(
            f"{name}: binary data (control bytes), not a text export; is it the right file?"
        )
    if data.startswith(codecs.BOM_UTF8):
        return decode_lines(data[len(codecs.BOM_UTF8) :], "utf-8", label="utf-8-sig")
    return decode_lines(data, file_encoding(data))


def file_encoding(data: bytes) -> str:
    """The encoding most non-ASCII lines of ``data`` are written in.

    UTF-8 when the whole decodes or most such lines do (random bytes are almost
    never valid UTF-8, so it is strong evidence); else GB18030 when it reads
    nearly all the rest; else charset-normalizer's guess from those lines
    (a Cyrillic or Latin codepage). UTF-8 when nothing names another.
    """
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    utf8 = legacy = other = 0
    rest: list[bytes] = []
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        if _strict(line, ("utf-8",)) is not None:
            utf8 += 1
        elif _strict(line, ("gb18030",)) is not None:
            legacy += 1
        else:
            other += 1
            if len(rest) < 20_000:
                rest.append(line)
    if utf8 >= legacy + other:
        return "utf-8"
    if legacy >= _LEGACY_SHARE * (legacy + other):
        return "gb18030"
    from charset_normalizer import from_bytes  # slow; only for what the strict decoders refuse

    best = from_bytes(b"\n".join(rest)[:1_000_000]).best()
    if best is not None and best.encoding and best.encoding not in STRICT_ENCODINGS:
        return best.encoding
    return "utf-8" if utf8 >= legacy else "gb18030"


def decode_lines(data: bytes, encoding: str, *, label: str | None = None) -> Decoded:
    """``data`` in ``encoding``, line by line where the whole will not decode.

    A line ``encoding`` refuses is, in this order: text with a few broken bytes
    (a UTF-8 message cut inside a character; ``_repaired``) when the file is
    UTF-8; a line of the other strict encoding (a GBK row appended to a UTF-8
    export); broken text of a legacy-encoded file; else undecodable (left empty
    in the text, listed for rejects). In a legacy-encoded file a line that is
    UTF-8 text (``_utf8_text``) is read as UTF-8 even where the legacy encoding
    would accept it as other characters: UTF-8 is believed first because random
    bytes are almost never valid UTF-8, while GB18030 reads most byte pairs.
    Lines are cut at ``\\n``, which no supported encoding uses inside a
    character, so a piece of a file cut at line ends decodes on its own.
    ``label`` is the encoding's name as recorded (``utf-8-sig``).
    """
    label = label or encoding
    lines = data.split(b"\n")
    utf8 = set() if encoding == "utf-8" else {i for i, ln in enumerate(lines) if _utf8_text(ln)}
    if not utf8:
        try:
            return Decoded(data.decode(encoding), label)
        except (UnicodeDecodeError, LookupError):
            pass
    others = tuple(e for e in STRICT_ENCODINGS if e != encoding)
    out: list[str] = []
    bad: list[tuple[int, str, str]] = []
    fallbacks = 0
    for i, line in enumerate(lines):
        if i in utf8:
            out.append(line.decode("utf-8"))
            fallbacks += 1
            continue
        text = _strict(line, (encoding,))
        if text is None and encoding == "utf-8":
            text = _repaired(line, encoding)
        if text is None:
            text = _strict(line, others)
            fallbacks += text is not None
        if text is None and encoding != "utf-8":
            text = _repaired(line, encoding)
        if text is None:
            text = ""
            reason = _undecodable_reason(line, (encoding, *others))
            bad.append((i + 1, reason, _shown(line, encoding)))
        out.append(text)
    return Decoded("\n".join(out), label, tuple(bad), fallbacks)


def _utf8_text(line: bytes) -> bool:
    """Is this line UTF-8 text: valid UTF-8 with at least three non-ASCII characters?

    Legacy-encoded text is almost never valid UTF-8 (2 of 4,550 Chinese KB and
    real-world messages written in GBK are, both two characters long), so three
    characters make a UTF-8 line in a GBK file safe to tell."""
    if line.isascii():
        return False
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for ch in text if ch > "\x7f") >= 3


def _strict(line: bytes, encodings: tuple[str, ...]) -> str | None:
    for enc in encodings:
        try:
            return line.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _repaired(line: bytes, encoding: str) -> str | None:
    """The line with its broken bytes as U+FFFD, when it is good text with a cut in it.

    UTF-8: at least as many well-formed non-ASCII characters as broken bytes (junk
    has none: random bytes are almost never valid UTF-8). GB18030 reads most byte
    pairs, so junk makes "characters" too: one broken spot among at least four
    characters (a message cut at a byte limit) is the most it repairs.
    """
    try:
        text = line.decode(encoding, errors="replace")
    except LookupError:
        return None
    broken = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - broken
    if encoding == "utf-8":
        return text if good > 0 and broken <= good else None
    return text if broken == 1 and good >= 4 else None


def _undecodable_reason(line: bytes, tried: tuple[str, ...]) -> str:
    """Why a line is a reject: which byte, where, what was tried, what to do."""
    try:
        line.decode(tried[0])
        where = ""
    except (UnicodeDecodeError, LookupError) as exc:
        start = getattr(exc, "start", None)
        where = "" if start is None else f" (byte 0x{line[start]:02X} at byte {start + 1})"
    names = [_NAMES.get(e, e) for e in tried]
    return (
        f"undecodable bytes{where}: the line is not {names[0]} like the rest of the file, "
        f"nor {' or '.join(names[1:])}; fix the line or re-export the file as UTF-8"
    )


_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030 (GBK)"}


def _shown(line: bytes, encoding: str) -> str:
    """The line as text with its bad bytes written as ``\\xNN`` (control bytes too)."""
    try:
        text = line.decode(encoding, errors="backslashreplace")
    except LookupError:
        text = line.decode("utf-8", errors="backslashreplace")
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text.removesuffix("\r"))


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


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
