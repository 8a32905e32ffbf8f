"""The realistic dump benchmarks run on, generated once per (rows, seed) and cached.

``ensure_realistic_dump(rows)`` returns a folder holding the five source files of
``opsrca generate --profile realistic`` and ``truth.parquet`` (file, line, event_key,
is_error, root_cause, template_id). The folder is built beside its final name and
renamed into place, so an interrupted generation never leaves a half dump in the cache.

Usage: python benchmarks/realistic.py [--rows 1000000] [--seed 7]   (prints the folder)
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

CACHE = Path(os.environ.get("OPSRCA_BENCH_CACHE", "/tmp/opsrca-bench"))


def ensure_realistic_dump(rows: int, seed: int = 7) -> Path:
    """The cached realistic dump of ``rows`` rows (generated only when missing)."""
    from opsrca.generate import write_realistic_dump

    final = CACHE / f"realistic-{rows}-{seed}"
    if (final / "truth.parquet").is_file():
        return final
    staging = CACHE / f".realistic-{rows}-{seed}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    write_realistic_dump(staging, rows=rows, seed=seed)
    shutil.rmtree(final, ignore_errors=True)
    (staging / "realistic").rename(final)
    shutil.rmtree(staging, ignore_errors=True)
    return final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(ensure_realistic_dump(args.rows, args.seed))


if __name__ == "__main__":
    main()
