"""Templating benchmark: real-shaped messages (hex, UUID, letter+digit, base64 ids, long order
numbers and quantities in every row) through the normalizer.

``--rows`` (default 2,000,000) messages are built with a seeded numpy generator from ~700
distinct labeled messages (data/samples/labeled_errors.csv), each given one fixed set of id
slots, so the true number of distinct errors is known. Timed, on the same column:

1. a plain ``str.len_chars()`` pass (the floor: reading the column once);
2. the classifier's path: ``prefold`` every row, dedupe, template the distinct folded
   messages, join back (``fold_digits`` instead of ``prefold`` when run against an older
   opsrca, for a before/after on the same messages);
3. ``template_expr`` on every row, on a ``--direct-sample`` of rows (extrapolated).

Prints rows/s, distinct folded messages, distinct templates, the ratio to the ``len_chars``
pass and peak RSS.

Usage: python benchmarks/bench_templates.py [--rows N] [--bases N] [--direct-sample N] [--seed S]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from opsrca import normalize
from opsrca.normalize import template_expr

LABELED = Path(__file__).resolve().parents[1] / "data" / "samples" / "labeled_errors.csv"
_LOWER = b"abcdefghijklmnopqrstuvwxyz"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdef"
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Where a row's ids go: each base message gets one of these suffixes (fixed per base).
SLOTS = (
    " trace {hex}",
    ", request_id: {alnum}",
    " 订单{order}处理失败, 数量 {qty}",
    " (uuid {uuid})",
    " token {b64} rejected",
    " trace {hex}, request {alnum}, order {order}",
)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _random_text(rng: np.random.Generator, n: int, alphabet: bytes, width: int) -> np.ndarray:
    """``n`` random strings of ``width`` characters from ``alphabet``, as a (n, width) byte array."""
    table = np.frombuffer(alphabet, dtype=np.uint8)
    return table[rng.integers(0, len(alphabet), (n, width))]


def _series(chars: np.ndarray) -> pl.Series:
    width = chars.shape[1]
    return pl.Series(np.ascontiguousarray(chars).view(f"S{width}").ravel()).cast(pl.String)


def ids(rng: np.random.Generator, n: int) -> dict[str, pl.Series]:
    """Fresh ids of every shape for ``n`` rows (vectorized, seeded)."""
    hex16 = _random_text(rng, n, _HEX, 16)
    hex16[:, 0] = np.frombuffer(b"abcdef", dtype=np.uint8)[rng.integers(0, 6, n)]
    hex16[:, 15] = np.frombuffer(_DIGITS, dtype=np.uint8)[rng.integers(0, 10, n)]
    alnum = _random_text(rng, n, _LOWER + _DIGITS, 13)
    alnum[:, 0] = np.frombuffer(b"ghijklmnopqrstuvwxyz", dtype=np.uint8)[rng.integers(0, 20, n)]
    alnum[:, 1] = np.frombuffer(_DIGITS, dtype=np.uint8)[rng.integers(0, 10, n)]
    order = _random_text(rng, n, _DIGITS, 18)
    order[:, 0] = ord("5")
    uuid = _series(_random_text(rng, n, _HEX, 32))
    b64 = _random_text(rng, n, _B64, 22)
    b64[:, 10] = np.frombuffer(_DIGITS, dtype=np.uint8)[rng.integers(0, 10, n)]
    frame = pl.DataFrame({"u": uuid}).select(
        pl.concat_str(
            pl.col("u").str.slice(0, 8),
            pl.lit("-"),
            pl.col("u").str.slice(8, 4),
            pl.lit("-4"),
            pl.col("u").str.slice(13, 3),
            pl.lit("-"),
            pl.col("u").str.slice(16, 4),
            pl.lit("-"),
            pl.col("u").str.slice(20, 12),
        )
    )
    return {
        "hex": _series(hex16),
        "alnum": _series(alnum),
        "order": _series(order),
        "uuid": frame.to_series(),
        "b64": _series(b64) + "==",
        "qty": pl.Series(rng.integers(1, 500, n)).cast(pl.String),
    }


def build_messages(rows: int, bases: int, seed: int) -> tuple[pl.Series, int]:
    """``rows`` messages from ``bases`` distinct labeled messages with fresh ids in every row."""
    rng = np.random.default_rng(seed)
    labeled = pl.read_csv(LABELED, infer_schema=False, encoding="utf8-lossy")
    pool = labeled[:, 0].unique(maintain_order=True)
    chosen = pool.gather(rng.choice(pool.len(), size=min(bases, pool.len()), replace=False))
    slot = pl.Series([SLOTS[i] for i in rng.integers(0, len(SLOTS), chosen.len())])
    pattern = (chosen + slot).gather(rng.integers(0, chosen.len(), rows))
    out = pattern
    for name, values in ids(rng, rows).items():
        frame = pl.DataFrame({"t": out, "v": values})
        out = frame.select(
            pl.col("t").str.replace_all("{" + name + "}", pl.col("v"), literal=True)
        )["t"]
    return out.alias("message"), chosen.len()


def _fold() -> tuple[str, Callable[[pl.Expr], pl.Expr]]:
    """The classifier's pre-dedupe of this opsrca: ``prefold`` (or ``fold_digits`` before it)."""
    fold = getattr(normalize, "prefold", None)
    if fold is not None:
        return "prefold", fold
    return "fold_digits", normalize.fold_digits  # type: ignore[attr-defined]


def _timed(fn: Callable[[], pl.DataFrame]) -> tuple[float, pl.DataFrame]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--bases", type=int, default=700)
    parser.add_argument("--direct-sample", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    start = time.perf_counter()
    messages, n_bases = build_messages(args.rows, args.bases, args.seed)
    frame = pl.DataFrame({"message": messages})
    print(
        f"built {frame.height:,} messages from {n_bases} base messages in "
        f"{time.perf_counter() - start:.1f}s ({frame['message'].n_unique():,} distinct raw)"
    )

    t_len, _ = _timed(
        lambda: frame.lazy().select(pl.col("message").str.len_chars()).collect(engine="streaming")
    )
    print(f"len_chars pass: {t_len:.2f}s ({frame.height / t_len:,.0f} rows/s)")

    name, fold = _fold()

    def dedupe_path() -> pl.DataFrame:
        folded = (
            frame.lazy().select(fold(pl.col("message")).alias("key")).collect(engine="streaming")
        )
        distinct = folded.unique("key")
        done = distinct.with_columns(template_expr(pl.col("key")).alias("template"))
        return folded.join(done, on="key", how="left", maintain_order="left")

    t_path, out = _timed(dedupe_path)
    print(
        f"{name} + dedupe + template + join: {t_path:.2f}s ({frame.height / t_path:,.0f} rows/s, "
        f"{t_path / t_len:.1f}x len_chars); {out['key'].n_unique():,} distinct folded, "
        f"{out['template'].n_unique():,} distinct templates"
    )

    sample = frame.head(args.direct_sample)
    t_direct, direct = _timed(
        lambda: (
            sample.lazy()
            .select(template_expr(pl.col("message")).alias("template"))
            .collect(engine="streaming")
        )
    )
    rate = sample.height / t_direct
    print(
        f"template_expr on every row ({sample.height:,} sample): {t_direct:.2f}s "
        f"({rate:,.0f} rows/s, {frame.height / rate / t_len:.1f}x len_chars extrapolated); "
        f"{direct['template'].n_unique():,} distinct templates in the sample"
    )
    print(f"peak RSS: {_peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
