"""`opsrca generate`: deterministic sample and benchmark data (registered on the shared app)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from opsrca.cli._app import app, console


class Profile(StrEnum):
    """What to generate: the small messy sample, or a dump shaped like real ones at any size."""

    sample = "sample"
    realistic = "realistic"


@app.command()
def generate(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write into: OUT/dump/* and OUT/truth/labels.csv (sample), "
            "OUT/realistic/* and OUT/realistic/truth.parquet (realistic: required).",
            file_okay=False,
            show_default="data/samples",
        ),
    ] = None,
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
    profile: Annotated[
        Profile,
        typer.Option(
            "--profile",
            help="sample: the small messy dump of data/samples; realistic: a month of ~1,200 shops "
            "with real id shapes, at --rows rows.",
        ),
    ] = Profile.sample,
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            min=0,
            help="Rows of the realistic dump (all sources together).",
            show_default="1000000",
        ),
    ] = None,
) -> None:
    """Generate a realistic, messy sample dump of integration errors, listings, visitor profiles and
    products (and optionally a large benchmark dump), or with --profile realistic a dump shaped
    like real ones (a month, ~1,200 shops, hex/UUID/base64 ids, quoted empty cells) with its truth.

    Example: opsrca generate --out data/samples --seed 7 --bench-rows 1000000
    Example: opsrca generate --profile realistic --rows 1000000 --out /tmp/dumps --seed 7
    """
    from opsrca.generate import write_bench_dump, write_realistic_dump, write_sample_dump
    from opsrca.listings.samples import write_listing_samples

    if profile is Profile.realistic:
        if out is None:
            raise typer.BadParameter(
                "--profile realistic needs --out DIR (it writes DIR/realistic/)"
            )
        paths = write_realistic_dump(out, rows=1_000_000 if rows is None else rows, seed=seed)
        _report(paths)
        return
    if rows is not None:
        raise typer.BadParameter(
            "--rows sizes the realistic dump; give --profile realistic, or --rows-per-source for the sample"
        )
    # relative to here, as the help says: never into the installed package (in a checkout
    # data/samples links to the bundled sample, which `make samples` regenerates)
    out = Path("data", "samples") if out is None else out
    paths = write_sample_dump(out, seed=seed, rows_per_source=rows_per_source)
    paths += write_listing_samples(out / "dump", seed=seed)
    if bench_rows:
        paths += write_bench_dump(out / "bench", rows=bench_rows, seed=seed)
    _report(paths)


def _report(paths: list[Path]) -> None:
    for path in paths:
        console.print(
            f"wrote {path} ({path.stat().st_size:,} bytes)", highlight=False, soft_wrap=True
        )
