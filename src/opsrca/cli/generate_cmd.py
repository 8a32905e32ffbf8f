"""`opsrca generate`: deterministic sample and benchmark data (registered on the shared app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from opsrca.cli._app import app, console
from opsrca.paths import SAMPLES_DIR


@app.command()
def generate(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Folder to write into: OUT/dump/* (sample dump) and OUT/truth/labels.csv.",
            file_okay=False,
            show_default="data/samples",
        ),
    ] = SAMPLES_DIR,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed writes byte-identical files.")
    ] = 7,
    rows_per_source: Annotated[
        int,
        typer.Option("--rows-per-source", min=60, help="Rows per source in the messy sample dump."),
    ] = 300,
    bench_rows: Annotated[
        int,
        typer.Option(
            "--bench-rows",
            min=0,
            help="Also write a clean mixed-source benchmark dump of N rows into OUT/bench (0 = none).",
        ),
    ] = 0,
) -> None:
    """Generate a realistic, messy sample dump of integration errors, listings, visitor profiles and
    products (and optionally a large benchmark dump).

    Example: opsrca generate --out data/samples --seed 7 --bench-rows 1000000
    """
    from opsrca.generate import write_bench_dump, write_sample_dump
    from opsrca.listings.samples import write_listing_samples

    paths = write_sample_dump(out, seed=seed, rows_per_source=rows_per_source)
    paths += write_listing_samples(out / "dump", seed=seed)
    if bench_rows:
        paths += write_bench_dump(out / "bench", rows=bench_rows, seed=seed)
    for path in paths:
        console.print(
            f"wrote {path} ({path.stat().st_size:,} bytes)", highlight=False, soft_wrap=True
        )
