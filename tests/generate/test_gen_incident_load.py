"""The incidents load generator: its planted truth and its shape."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from opsrca.generate.incident_load import START, make_incident_load


def test_planted_bursts_are_in_the_events() -> None:
    load = make_incident_load(1_000, shops=50, days=7, bursts=4, seed=2)
    errors = load.events.join(load.classifications, on="event_id")
    for b in load.bursts.iter_rows(named=True):
        inside = errors.filter(
            (pl.col("shop_id") == b["shop_id"])
            & (pl.col("root_cause") == b["root_cause"])
            & pl.col("occurred_at").is_between(b["start"], b["end"], closed="left")
        )
        assert inside.height >= b["errors"]
        assert b["start"].minute % 10 == 0 and b["start"].second == 0


def test_shape_of_a_month() -> None:
    load = make_incident_load(20_000, shops=100, days=30, bursts=0, gaps=2, seed=4)
    ev = load.events
    assert ev["occurred_at"].min() >= START and ev["occurred_at"].max() < START + timedelta(days=30)
    assert load.classifications.height == ev["is_error"].sum()  # every error has a root cause
    logs_success = ev.group_by("shop_id").agg(pl.col("is_error").not_().any())["is_error"]
    assert 0 < logs_success.sum() < logs_success.len()  # some shops log successes, some not
    assert ev.height < 20_000  # the gaps dropped what fell into them
    assert ev["event_id"].n_unique() == ev.height


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="got"):
        make_incident_load(10, shops=0)
