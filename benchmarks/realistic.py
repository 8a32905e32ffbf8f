"""The realistic dump benchmarks run on, generated once per (rows, seed, generator) and cached.

``ensure_realistic_dump(rows)`` returns a folder holding the five source files of
``opsrca generate --profile realistic`` and ``truth.parquet`` (file, line, event_key,
is_error, root_cause, template_id). The folder is built beside its final name and
renamed into place, so an interrupted generation never leaves a half dump in the cache. The
name carries a hash of the generator's code and data, so an edited catalog is never measured
against a dump (and truth) the old one wrote.

Usage: python benchmarks/realistic.py [--rows 1000000] [--seed 7]   (prints the folder)
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

CACHE = Path(os.environ.get("OPSRCA_BENCH_CACHE", "/tmp/opsrca-bench"))


def generator_sha256() -> str:
    """Hash of what writes the dump: the generate package's modules and its catalog."""
    import opsrca.generate
    from opsrca.paths import files_sha256

    package = Path(opsrca.generate.__file__).parent
    data = Path(opsrca.generate.__file__).parents[1] / "data" / "generator_catalog.toml"
    return files_sha256([*sorted(package.glob("*.py")), data])


def ensure_realistic_dump(rows: int, seed: int = 7) -> Path:
    """The cached realistic dump of ``rows`` rows (generated only when missing)."""
    from opsrca.generate import write_realistic_dump

    name = f"realistic-{rows}-{seed}-{generator_sha256()[:12]}"
    final = CACHE / name
    if (final / "truth.parquet").is_file():
        return final
    staging = CACHE / f".{name}.{os.getpid()}"
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
