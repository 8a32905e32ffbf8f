"""One colour per root cause, the same in every chart of every report.

Plotly's default cycle has 10 colours, so 24 causes repeated colours in the timeline.
Colours come from plotly's qualitative palettes (Alphabet, Dark24, Light24), without
greys, near-whites and washed-out tones (unreadable on white), ordered so each next
colour is the farthest (CIELAB distance) from those before it: the first 23 causes are at
least ΔE 26 apart. They follow the taxonomy's order, so ``auth.token_expired`` has the
same colour in every chart and every report. ``unknown`` and ``unclassified`` are greys,
so real causes stand out.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from math import cbrt, dist, hypot

from plotly.colors import qualitative

GREYS: dict[str, str] = {"unknown": "#9AA5B1", "unclassified": "#52606D"}


def _lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of a ``#RRGGBB`` colour: distances there track what eyes tell apart."""
    lin = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        lin.append(((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92)
    r, g, b = lin
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = (cbrt(v) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


@lru_cache(maxsize=1)
def palette() -> tuple[str, ...]:
    """The colour sequence (upper-case hex), each colour the farthest from all before it."""
    pool: list[str] = []
    for colour in (*qualitative.Alphabet, *qualitative.Dark24, *qualitative.Light24):
        c = colour.upper()
        lab = _lab(c)
        if c not in pool and 25 < lab[0] < 82 and hypot(lab[1], lab[2]) > 20:
            pool.append(c)
    labs = {c: _lab(c) for c in pool}
    chosen = [pool[0]]
    while len(chosen) < len(pool):
        rest = [c for c in pool if c not in chosen]
        chosen.append(max(rest, key=lambda c: min(dist(labs[c], labs[d]) for d in chosen)))
    return tuple(chosen)


def cause_colors(causes: Iterable[str], *, order: Iterable[str] | None = None) -> dict[str, str]:
    """Colour of each id in ``causes``: by position in ``order`` (default: the taxonomy file).

    Ids not in ``order`` get the next free colours in sorted order; past the palette's end
    colours repeat (more than 70 causes).
    """
    if order is None:
        from opsrca.classify.taxonomy import label_ids

        order = label_ids()
    known = [c for c in order if c not in GREYS]
    wanted = list(dict.fromkeys(causes))
    extra = sorted(c for c in wanted if c not in known and c not in GREYS)
    colours = palette()
    index = {c: i for i, c in enumerate([*known, *extra])}
    return {c: GREYS[c] if c in GREYS else colours[index[c] % len(colours)] for c in wanted}
