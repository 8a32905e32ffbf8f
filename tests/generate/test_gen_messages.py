"""generate_messages: the labeled stream for classifier benchmarks."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opsrca.generate import LABELS, generate_messages
from opsrca.generate.catalog import PLACEHOLDER_RE

COLUMNS = [
    "message",
    "platform",
    "http_status",
    "error_code",
    "sub_code",
    "rate_limit_remaining",
    "true_label",
]


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return generate_messages(20_000, seed=7)


def test_columns_and_types(frame: pl.DataFrame) -> None:
    assert frame.columns == COLUMNS
    assert frame.height == 20_000
    assert frame.schema["message"] == pl.String
    assert frame.schema["http_status"] == pl.Int32
    assert frame.schema["rate_limit_remaining"] == pl.Int32
    assert frame["message"].null_count() == 0
    assert set(frame["platform"].unique()) == {"tiktok", "qimen", "ozon", "taobao"}


def test_label_distribution(frame: pl.DataFrame) -> None:
    counts = dict(frame.group_by("true_label").len().iter_rows())
    assert set(counts) == set(LABELS)  # every category and unknown appear
    shares = {k: v / frame.height for k, v in counts.items()}
    assert max(shares.values()) < 0.15
    assert min(shares.values()) > 0.002
    assert shares["access.rate_limited"] > shares["auth.environment_mismatch"]


def test_messages_are_filled_and_varied(frame: pl.DataFrame) -> None:
    assert not frame["message"].str.contains(PLACEHOLDER_RE.pattern).any()
    assert frame["message"].n_unique() > 5_000
    assert frame["message"].str.contains(r"\p{Han}").mean() > 0.2  # Chinese is first-class
    assert frame["message"].str.contains(r"^[\x00-\x7f]+$").mean() > 0.3


def test_deterministic_by_seed() -> None:
    assert generate_messages(2_000, seed=3).equals(generate_messages(2_000, seed=3))
    assert not generate_messages(2_000, seed=3).equals(generate_messages(2_000, seed=4))


def test_edge_sizes_and_bad_input() -> None:
    assert generate_messages(0).columns == COLUMNS
    assert generate_messages(1).height == 1
    with pytest.raises(ValueError, match="n must be"):
        generate_messages(-1)
    with pytest.raises(ValueError, match="unknown platforms"):
        generate_messages(10, platform_mix={"amazon": 1.0})


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1), n=st.integers(min_value=0, max_value=300)
)
def test_any_seed_gives_filled_labeled_messages(seed: int, n: int) -> None:
    frame = generate_messages(n, seed=seed)
    assert frame.height == n
    assert set(frame["true_label"].unique()) <= set(LABELS)
    assert not frame["message"].str.contains(PLACEHOLDER_RE.pattern).any()
