"""PII masking benchmark: the masking ingest does, on realistic event text, timed alone.

Generates a realistic dump (``opsrca.generate``, seeded), ingests it with ``keep_pii`` so
the text is unmasked, then times ``ingest.pii.mask_frame`` over the event text columns
(what ``ingest.normalize`` masks) beside the whole ingest of the same dump with masking
on. With ``--baseline FILE`` (an older ``pii.py``, e.g. ``git show main:src/opsrca/ingest/pii.py``)
it also times that module's ``mask_series`` over message (once per value) and payload,
which is all the older ingest masked (with ``FILE.toml`` beside it as its patterns).

Usage: python benchmarks/bench_pii.py [--rows 1000000] [--baseline /tmp/pii_main.py]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline", type=Path, default=None)
    args = parser.parse_args()

    import duckdb

    from opsrca import store
    from opsrca.ingest import ingest_paths
    from opsrca.ingest.normalize import _EVENT_UNIQUE, EVENT_MASKED
    from opsrca.ingest.pii import mask_frame

    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump"
        subprocess.run(
            [
                str(Path(sys.executable).with_name("opsrca")),
                "generate",
                "--profile",
                "realistic",
                "--rows",
                str(args.rows),
                "--out",
                str(dump),
                "--seed",
                "7",
            ],
            check=True,
            capture_output=True,
        )
        files = sorted(p for p in dump.rglob("*") if p.is_file())
        timings: dict[str, float] = {}
        for keep, name in ((False, "ingest (masked)"), (True, "ingest (--keep-pii)")):
            db = Path(tmp) / f"{name[:6]}{keep}.duckdb"
            con = store.connect(db)
            t0 = time.perf_counter()
            ingest_paths(files, con, keep_pii=keep)
            timings[name] = time.perf_counter() - t0
            con.close()
        con = duckdb.connect(str(db), read_only=True)
        frame = con.sql(f"SELECT {', '.join(EVENT_MASKED)} FROM events").pl()
        con.close()
        t0 = time.perf_counter()
        masked = mask_frame(frame, EVENT_MASKED, unique=_EVENT_UNIQUE)
        timings["mask_frame, all event text columns"] = time.perf_counter() - t0
        changed = sum(int((frame[c] != masked[c]).fill_null(False).sum()) for c in EVENT_MASKED)
        if args.baseline is not None:
            spec = importlib.util.spec_from_file_location("pii_baseline", args.baseline)
            assert spec and spec.loader
            old = importlib.util.module_from_spec(spec)
            sys.modules["pii_baseline"] = old
            spec.loader.exec_module(old)
            toml = args.baseline.with_suffix(".toml")  # its own patterns, when beside it
            pats = old.load_patterns(toml) if toml.exists() else None
            t0 = time.perf_counter()
            old.mask_series(frame["message"], pats, unique=True)
            old.mask_series(frame["payload"], pats)
            timings["baseline: message + payload"] = time.perf_counter() - t0
    print(f"{frame.height:,} events, {changed:,} cells masked")
    for name, secs in timings.items():
        print(f"  {name:40s} {secs:7.2f} s  ({frame.height / secs:,.0f} rows/s)")
    masking = timings["mask_frame, all event text columns"]
    print(
        f"  masking share of the masked ingest: {100 * masking / timings['ingest (masked)']:.1f} %"
    )


if __name__ == "__main__":
    pl.Config.set_tbl_rows(20)
    main()
