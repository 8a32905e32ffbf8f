"""Split rows → ``events`` and ``rejects`` frames: mapping, casts, checks, masking.

All work is Polars expressions over whole columns (JSON fields are pulled by
DuckDB's JSON functions in one pass); the expensive steps run only where they
are needed (slow timestamp shapes, rows that may hold PII, reasons for bad
rows). Empty is null: an empty or whitespace-only cell, quoted or not, is a
missing value (``blank_to_null``, applied to every cell of every reader before
any cast). A row whose present field cannot be read becomes one reject naming
the file, line, source column and the bad value; every other row becomes an
event. Only ``occurred_at`` must be present in every row.
``rows in = events + rejects`` holds by construction: the two outputs are
complementary filters of the same frame.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import duckdb
import polars as pl

from opsrca import schema
from opsrca.errors import InputError
from opsrca.ingest.mapping import Aliases, FormatSpec, load_aliases, resolve_columns
from opsrca.ingest.pii import mask_frame, mask_text
from opsrca.ingest.readers import BAD_SCHEMA, LINE, RAW, RawRows
from opsrca.ingest.timeparse import parse_timestamp_series
from opsrca.safety import strip_text_mark
from opsrca.templates import with_template_ids

_INT_FIELDS: tuple[str, ...] = ("http_status", "retry_count", "rate_limit_remaining")
_TEXT_FIELDS: tuple[str, ...] = (
    "event_id", "platform", "shop_id", "shop_name", "region", "api_endpoint", "http_method", "error_code",
    "sub_code", "message", "is_error", "status", "occurred_at", "retry_count", "item_code", "warehouse_code",
    "token_type", "rate_limit_remaining", "http_status", "details", "result",
)  # fmt: skip
_FREE_TEXT = frozenset({"message", "details", "request_payload", "response_payload"})
_SHOW = 60  # characters of a bad value quoted in a reason
# text columns of events that pass the PII masks: all but event_id (masking could merge two
# events into one id), source_file (the user's own path) and the fixed-vocabulary columns
EVENT_MASKED: tuple[str, ...] = (
    "shop_id", "shop_name", "region", "api_endpoint", "http_method", "error_code", "sub_code",
    "message", "item_code", "warehouse_code", "token_type", "payload",
)  # fmt: skip
# masked once per distinct value: columns whose values repeat (codes, names, messages)
_EVENT_UNIQUE: tuple[str, ...] = (
    "message", "api_endpoint", "shop_id", "shop_name", "item_code", "region", "http_method",
    "error_code", "sub_code", "warehouse_code", "token_type",
)  # fmt: skip
REJECT_MASKED: tuple[str, ...] = ("field", "reason", "raw")


@dataclass(frozen=True)
class FileContext:
    """What the normalizer needs to know about the file being read."""

    label: str  # file name shown in reasons
    source_file: str  # events.source_file / rejects.source_file
    sha256: str
    tz: str
    keep_pii: bool


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Null where a String cell is empty or whitespace only; the cell's name is kept.

    The one definition of a missing value for every reader (CSV, XLSX, JSON
    Lines): exporters write one as nothing, as ``""`` (Polars, pandas) or as
    spaces, and all three must load as null instead of failing a cast. Only a
    present value that does not parse is a reject.
    """
    return pl.when(~expr.str.contains(r"^\s*$")).then(expr)


def _shown(expr: pl.Expr) -> pl.Expr:
    return (
        pl.when(expr.str.len_chars() > _SHOW).then(expr.str.slice(0, _SHOW) + "…").otherwise(expr)
    )


def _parse_int(expr: pl.Expr) -> pl.Expr:
    """Integer from text ("100", " 100 ", "100.0"); null when not a whole number in range."""
    f = pl.coalesce(
        expr.cast(pl.Float64, strict=False), expr.str.strip_chars().cast(pl.Float64, strict=False)
    )
    ok = f.is_finite() & (f == f.floor()) & (f.abs() < 2**31)
    return pl.when(ok).then(f).otherwise(None).cast(pl.Int32)


def _in(expr: pl.Expr, values: frozenset[str]) -> pl.Expr:
    return expr.str.strip_chars().str.to_lowercase().is_in(sorted(values))


def _json_value(values: pl.Series) -> pl.Series:
    """JSON value text for each cell: embedded as-is when it looks like JSON, else a JSON string.

    Only cells that do not look like JSON are escaped (a subset, usually empty).
    """
    looks = (values.str.starts_with("{") & values.str.ends_with("}")) | (
        values.str.starts_with("[") & values.str.ends_with("]")
    )
    out = values.fill_null("null")
    idx = (~looks.fill_null(True)).arg_true()
    if idx.len() == 0:
        return out
    escaped = (
        values.gather(idx)
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
    )
    return out.scatter(idx, '"' + escaped + '"')


def _table_fields(
    raw: RawRows, spec: FormatSpec, ctx: FileContext
) -> tuple[pl.DataFrame, dict[str, str]]:
    found, extras = resolve_columns(raw.header, spec)
    missing = [f for f in spec.required if f not in found]
    if missing:
        wanted = ", ".join(f"{m} ({' / '.join(spec.fields.get(m, ())[:3])})" for m in missing)
        header = str(raw.header) if ctx.keep_pii else mask_text(str(raw.header))
        raise InputError(
            f"{ctx.label}: not a complete {spec.name} export: missing column(s) {wanted}; "
            f"header is {header}; add --map SOURCE_COLUMN=field or pick another --format"
        )
    # empty is null for every cell, fields and payload parts alike; values are not
    # stripped here (a full copy of every column) but where it matters: numbers,
    # statuses, timestamps
    cells = raw.rows.with_columns(
        blank_to_null(pl.col(c)) for c in raw.rows.columns if c not in (LINE, RAW)
    )
    # ids and codes of our own CSV exports carry an invisible TEXT_MARK (so a spreadsheet
    # keeps them as text): read back, they are the ids they were written from
    cols = [
        (pl.col(src) if f in _FREE_TEXT else strip_text_mark(pl.col(src))).alias(f)
        for f, src in found.items()
    ]
    parts = {
        k: v
        for k, v in {
            "request": found.get("request_payload"),
            "response": found.get("response_payload"),
            **{c: c for c in extras},
        }.items()
        if v is not None
    }
    if parts:
        pieces: list[pl.Expr] = []
        for i, (key, col) in enumerate(parts.items()):
            pieces.append(
                pl.lit(("{" if i == 0 else ",") + json.dumps(key, ensure_ascii=False) + ":")
            )
            pieces.append(pl.lit(_json_value(cells[col])))
        pieces.append(pl.lit("}"))
        any_set = pl.any_horizontal([pl.col(c).is_not_null() for c in parts.values()])
        payload = pl.when(any_set).then(pl.concat_str(pieces))
    else:
        payload = pl.lit(None, dtype=pl.String)
    keep = [pl.col(LINE)] + ([pl.col(RAW)] if RAW in raw.rows.columns else [])
    frame = cells.select(*keep, *cols, payload.alias("payload"))
    return frame, found


def _json_fields(
    raw: RawRows, spec: FormatSpec
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]:
    """Pull every aliased JSON path with one DuckDB pass; returns (rows, bad rows, field → path)."""
    paths: list[str] = []
    slots: dict[str, list[int]] = {}
    for target, aliases in spec.fields.items():
        slots[target] = []
        for alias in aliases:
            slots[target].append(len(paths))
            paths.append(alias)
    path_list = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    con = _scratch()
    con.register("lines", raw.rows.select(RAW))
    try:
        # try(): NULL for text that is not JSON, so each line is parsed once or twice, not
        # three times; only the small columns come back (the raw text is already here)
        pulled = con.sql(
            f"""SELECT __type,
                   CASE WHEN __type = 'OBJECT' THEN json_extract_string("{RAW}", {path_list})
                   END AS __vals
                FROM (SELECT "{RAW}", try(json_type("{RAW}")) AS __type FROM lines)"""
        ).pl()
    finally:
        con.unregister("lines")
    if pulled.height != raw.rows.height:  # DuckDB keeps scan order; never lose a row over it
        raise AssertionError("JSON field extraction returned a different number of rows")
    pulled = pl.concat([raw.rows.select(LINE, RAW), pulled], how="horizontal")
    ok = pl.col("__type") == "OBJECT"
    bad = (
        pulled.filter(~ok.fill_null(False))
        .rechunk()
        .select(  # see normalize(): rechunk
            pl.col(LINE),
            pl.lit(None, dtype=pl.String).alias("__field"),
            pl.when(pl.col("__type").is_not_null())
            .then(pl.format("not a JSON object (found {})", pl.col("__type").str.to_lowercase()))
            .otherwise(pl.lit("not valid JSON (truncated or malformed line)"))
            .alias("__msg"),
            pl.col(RAW),
        )
    )
    good = pulled.filter(ok.fill_null(False))
    # a blank value is null before the aliases are coalesced, so "" falls through to the next
    cols = [
        pl.coalesce(
            [blank_to_null(pl.col("__vals").list.get(i, null_on_oob=True)) for i in idx]
        ).alias(t)
        for t, idx in slots.items()
    ]
    frame = good.select(pl.col(LINE), pl.col(RAW), *cols, pl.col(RAW).alias("payload"))
    names = {t: spec.fields[t][0].removeprefix("$.") for t in slots}
    return frame, bad, names


def _is_error(fmt: str, cols: set[str], aliases: Aliases) -> pl.Expr:
    """Whether a row is a failure, by the rule of its source format."""
    status_ok = pl.col("__http_status") == 200
    code = pl.col("error_code")
    code_ok = code.is_null() | code.is_in(["0", "0.0", "success", "ok"])
    if fmt == "tiktok_csv":
        return ~(status_ok.fill_null(False) & code_ok)
    if fmt == "ozon_jsonl":
        return (pl.col("__http_status") >= 400).fill_null(False) | ~code_ok
    if fmt == "taobao_jsonl":
        return ~code.is_in(["0", "0.0"]).fill_null(False)
    generic = (pl.col("__http_status") >= 400).fill_null(False) | ~code_ok
    if "is_error" in cols:
        flag = pl.col("is_error").str.to_lowercase()
        generic = (
            pl.when(_in(flag, aliases.flag_true))
            .then(True)
            .when(_in(flag, aliases.flag_false))
            .then(False)
            .otherwise(generic)
        )
    if "status" in cols:
        st = pl.col("status")
        by_status = (
            pl.when(_in(st, aliases.status_failure))
            .then(True)
            .when(_in(st, aliases.status_success))
            .then(False)
        )
        fallback = (code.is_not_null() & ~code.is_in(["0"])) if fmt == "qimen_log" else generic
        return by_status.otherwise(fallback)
    return generic


def normalize(
    raw: RawRows, spec: FormatSpec, ctx: FileContext
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Turn the split rows of one file into ``(events, rejects)`` frames (schema columns)."""
    aliases = load_aliases()
    bad = raw.bad
    if raw.kind == "json":
        frame, json_bad, names = _json_fields(raw, spec)
        bad = pl.concat([bad, json_bad])
    else:
        frame, found = _table_fields(raw, spec, ctx)
        names = dict(found)
    present = {c for c in frame.columns if c not in (LINE, RAW, "payload")}
    missing = [f for f in _TEXT_FIELDS if f not in frame.columns]
    frame = frame.with_columns([pl.lit(None, dtype=pl.String).alias(f) for f in missing])

    # --- casts, then the checks that turn a row into a reject (first failing field wins)
    ts = parse_timestamp_series(frame["occurred_at"], tz=ctx.tz)
    frame = frame.with_columns(
        ts.alias("__ts"), *[_parse_int(pl.col(f)).alias(f"__{f}") for f in _INT_FIELDS]
    )
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        (
            "occurred_at",
            pl.col("__ts").is_null(),
            pl.when(pl.col("occurred_at").is_null())
            .then(pl.lit("empty; every row needs a timestamp"))
            .otherwise(
                pl.format("cannot parse '{}' as a timestamp", _shown(pl.col("occurred_at")))
            ),
        ),
    ]
    for f in _INT_FIELDS:
        checks.append(
            (
                f,
                pl.col(f).is_not_null() & pl.col(f"__{f}").is_null(),
                pl.format("cannot parse '{}' as a whole number", _shown(pl.col(f))),
            )
        )
    if "status" in present:
        known = aliases.status_success | aliases.status_failure
        checks.append(
            (
                "status",
                pl.col("status").is_not_null() & ~_in(pl.col("status"), known),
                pl.format(
                    "unknown sync status '{}'; expected 成功/失败/success/failed",
                    _shown(pl.col("status")),
                ),
            )
        )
    frame = frame.with_columns(pl.any_horizontal([flag for _, flag, _ in checks]).alias("__bad"))
    # Rechunked: pl.format inside when/then over a filtered multi-chunk frame panics in
    # Polars ("assertion failed: i < self.len()"); bad rows are few, so the copy is cheap.
    failed = frame.filter(pl.col("__bad")).rechunk()
    if failed.height and not ctx.keep_pii:
        # a reason quotes the bad value: masked before it is cut to _SHOW characters, so a
        # cut never leaves half a phone number the masks no longer recognise
        failed = mask_frame(failed, ("occurred_at", *_INT_FIELDS, "status"))
    if failed.height:
        field_expr = pl.lit(None, dtype=pl.String)
        msg_expr = pl.lit(None, dtype=pl.String)
        for f, flag, msg in reversed(checks):
            field_expr = pl.when(flag).then(pl.lit(names.get(f, f))).otherwise(field_expr)
            msg_expr = pl.when(flag).then(msg).otherwise(msg_expr)
        row_bad = failed.select(pl.col(LINE), field_expr.alias("__field"), msg_expr.alias("__msg"))
        row_bad = row_bad.with_columns(
            failed[RAW] if RAW in failed.columns else raw.raw_of(row_bad[LINE])
        )
        bad = pl.concat([bad, row_bad.select(list(BAD_SCHEMA))])
    events = _events(frame.filter(~pl.col("__bad")), spec, present, aliases, ctx)
    # Templates are decided once, so every failed event is given its template here, in the
    # pass that parses it (after PII masking: the template is of the stored message).
    events = with_template_ids(events).select(schema.columns(schema.EVENTS))
    rejects = rejects_frame(bad.sort(LINE), ctx)
    return events, rejects


def _events(
    frame: pl.DataFrame, spec: FormatSpec, present: set[str], aliases: Aliases, ctx: FileContext
) -> pl.DataFrame:
    message = pl.col("message")
    if spec.name == "ozon_jsonl":
        has_details = pl.col("details").is_not_null() & ~pl.col("details").is_in(
            ["[]", "{}", "null"]
        )
        message = (
            pl.when(has_details)
            .then(pl.concat_str([message.fill_null(""), pl.lit(" | details: "), pl.col("details")]))
            .otherwise(message)
        )
    platform: pl.Expr = pl.lit(spec.platform)
    if "platform" in present:
        platform = (
            pl.col("platform")
            .str.to_lowercase()
            .str.strip_chars()
            .replace_strict(aliases.platform_values, default=spec.platform, return_dtype=pl.String)
        )
    region = pl.col("region").str.to_uppercase()
    if spec.region:
        region = region.fill_null(pl.lit(spec.region))
    out = frame.select(
        pl.col("event_id"),
        platform.alias("platform"),
        pl.lit(spec.name).alias("source_format"),
        pl.coalesce([pl.col("shop_id"), pl.col("shop_name")]).alias("shop_id"),
        region.alias("region"),
        pl.col("api_endpoint"),
        pl.col("http_method").str.to_uppercase().alias("http_method"),
        pl.col("__http_status").alias("http_status"),
        pl.col("error_code"),
        pl.col("sub_code"),
        message.alias("message"),
        _is_error(spec.name, present, aliases).alias("is_error"),
        pl.col("__ts").alias("occurred_at"),
        pl.col("__retry_count").alias("retry_count"),
        pl.col("item_code"),
        pl.col("warehouse_code"),
        pl.col("token_type"),
        pl.col("__rate_limit_remaining").alias("rate_limit_remaining"),
        pl.col("payload"),
        pl.lit(ctx.source_file).alias("source_file"),
        pl.col(LINE).alias("source_line"),
        pl.col("shop_name"),
    )
    if out["event_id"].null_count():  # before masking: the id is of the record as exported
        out = out.with_columns(pl.coalesce(pl.col("event_id"), content_ids(out)).alias("event_id"))
    if not ctx.keep_pii:
        out = mask_frame(out, EVENT_MASKED, unique=_EVENT_UNIQUE)
    return schema.conform(out, schema.EVENTS)


#: what identifies a record without an id of its own: everything but where it was read from
_IDENTITY = (
    "platform", "source_format", "shop_id", "shop_name", "region", "api_endpoint", "http_method",
    "http_status", "error_code", "sub_code", "message", "is_error", "occurred_at", "retry_count",
    "item_code", "warehouse_code", "token_type", "rate_limit_remaining", "payload",
)  # fmt: skip
#: the form of a content id: 16 hex of the record's md5, ``-``, its occurrence among identical ones
CONTENT_ID = r"^[0-9a-f]{16}-[0-9]+$"


_local = threading.local()


def _scratch() -> duckdb.DuckDBPyConnection:
    """This thread's in-memory DuckDB for JSON extraction and md5 (opening one per piece
    cost ~20 ms, a few seconds over a 10M-row dump)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
        con.execute("SET threads = 1")  # the parse threads are the parallelism
    return con


def content_ids(events: pl.DataFrame) -> pl.Series:
    """``<16 hex of md5(normalized record)>-<k>``: the id of a row whose source gives none.

    The same record re-saved (UTF-8 instead of GBK, CRLF instead of LF, renamed)
    keeps its id, so loading it again adds nothing; ``k`` counts identical
    records in file order, so two identical rows of one file are both kept.
    md5 (DuckDB's, vectorized) because the id must not change with a library
    version, which Polars' hash may.
    """
    key = pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("\x00") for c in _IDENTITY], separator="\x1f"
    )
    con = _scratch()
    con.register("keys", events.select(key.alias("k")))
    try:
        digests = con.sql("SELECT left(md5(k), 16) AS h FROM keys").pl()["h"]
    finally:
        con.unregister("keys")
    frame = pl.DataFrame({"h": digests})
    return frame.select(
        pl.format("{}-{}", pl.col("h"), pl.col("h").cum_count().over("h")).alias("event_id")
    )["event_id"]


def rejects_frame(bad: pl.DataFrame, ctx: FileContext) -> pl.DataFrame:
    """``rejects`` rows from bad rows ``(__line, __field, __msg, __raw)``: reason names file and line."""
    bad = bad.rechunk()  # pl.format over a filtered multi-chunk frame panics (see normalize)
    where = pl.format("{} line {}", pl.lit(ctx.label), pl.col(LINE))
    reason = (
        pl.when(pl.col("__field").is_not_null())
        .then(pl.format("{}: field '{}': {}", where, pl.col("__field"), pl.col("__msg")))
        .otherwise(pl.format("{}: {}", where, pl.col("__msg")))
    )
    out = bad.select(
        pl.lit(ctx.source_file).alias("source_file"),
        pl.col(LINE).alias("source_line"),
        pl.col("__field").alias("field"),
        reason.alias("reason"),
        pl.col(RAW).alias("raw"),
    )
    if not ctx.keep_pii and out.height:
        out = mask_frame(out, REJECT_MASKED)
    return schema.conform(out, schema.REJECTS)


def renumber_content_ids(events: pl.DataFrame) -> pl.DataFrame:
    """Content ids numbered over the whole frame (sheets of one workbook are normalized alone)."""
    is_content = pl.col("event_id").str.contains(CONTENT_ID)
    base = pl.col("event_id").str.split("-").list.first()
    numbered = pl.format("{}-{}", base, base.cum_count().over(base))
    return events.with_columns(
        pl.when(is_content).then(numbered).otherwise(pl.col("event_id")).alias("event_id")
    )
