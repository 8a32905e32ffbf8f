"""Deterministic generator of realistic integration-error data.

``write_sample_dump`` makes the small messy dump committed under ``data/samples``;
``write_bench_dump`` / ``write_tiktok_csv`` make large clean files for benchmarks;
``generate_messages`` makes a labeled message stream for classifier benchmarks;
``write_realistic_dump`` makes a dump shaped like real ones (a month, ~1,200 shops,
real id shapes, quoted empty cells) at any size, with a Parquet truth file.
Messages come from the template catalog ``opsrca/data/generator_catalog.toml``.
"""

from __future__ import annotations

from opsrca.generate.catalog import LABELS, Catalog, load_catalog
from opsrca.generate.dump import BENCH_MIX, write_bench_dump, write_tiktok_csv
from opsrca.generate.mess import write_sample_dump
from opsrca.generate.messages import generate_messages
from opsrca.generate.realistic import realistic_frames, write_realistic_dump

__all__ = [
    "BENCH_MIX",
    "LABELS",
    "Catalog",
    "generate_messages",
    "load_catalog",
    "realistic_frames",
    "write_bench_dump",
    "write_realistic_dump",
    "write_sample_dump",
    "write_tiktok_csv",
]
