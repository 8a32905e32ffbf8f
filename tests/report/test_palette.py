"""One colour per root cause: distinct, the same in every chart and every report."""

from __future__ import annotations

from math import dist

from opsrca.classify.taxonomy import label_ids
from opsrca.report.palette import GREYS, _lab, cause_colors, palette


def test_every_taxonomy_cause_has_its_own_colour() -> None:
    causes = [c for c in label_ids() if c != "unknown"]
    colours = cause_colors(causes)
    assert len(causes) >= 23
    assert len(set(colours.values())) == len(causes)
    labs = [_lab(c) for c in colours.values()]
    closest = min(dist(a, b) for i, a in enumerate(labs) for b in labs[i + 1 :])
    assert closest > 20  # told apart by eye (CIELAB ΔE), not ten colours cycled


def test_colour_is_stable_whatever_else_is_shown() -> None:
    ids = label_ids()
    full = cause_colors(ids)
    assert cause_colors(["media.image_invalid"]) == {
        "media.image_invalid": full["media.image_invalid"]
    }
    assert cause_colors(list(reversed(ids))) == full


def test_unknown_is_grey_and_extra_causes_get_free_colours() -> None:
    colours = cause_colors(["unknown", "unclassified", "zz.custom_cause", "auth.token_expired"])
    assert (
        colours["unknown"] == GREYS["unknown"] and colours["unclassified"] == GREYS["unclassified"]
    )
    taken = set(cause_colors(label_ids()).values())
    assert colours["zz.custom_cause"] not in taken


def test_palette_has_no_pale_or_grey_colours() -> None:
    for colour in palette():
        lightness, a, b = _lab(colour)
        assert 25 < lightness < 82 and (a * a + b * b) ** 0.5 > 20, colour
