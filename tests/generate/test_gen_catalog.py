"""The template catalog: labels are the taxonomy ids, every category is covered, semantics hold."""

from __future__ import annotations

import tomllib

import numpy as np
import polars as pl
import pytest

from opsrca.generate import LABELS, load_catalog
from opsrca.generate.catalog import PLACEHOLDER_RE
from opsrca.generate.fill import fill_templates
from opsrca.paths import data_file

CATEGORIES = [label for label in LABELS if label != "unknown"]


@pytest.fixture(scope="module")
def templates() -> pl.DataFrame:
    return load_catalog().templates


def test_labels_are_the_taxonomy_ids() -> None:
    assert len(CATEGORIES) == 23
    taxonomy = data_file("taxonomy.toml")
    if not taxonomy.exists():
        pytest.skip("taxonomy.toml not written yet")
    ids = {c["id"] for c in tomllib.loads(taxonomy.read_text(encoding="utf-8"))["category"]}
    assert set(LABELS) == ids


def test_every_label_is_known_and_every_category_has_templates(templates: pl.DataFrame) -> None:
    assert set(templates["label"].unique()) <= set(LABELS)
    per_label = dict(templates.unique(["label", "text"]).group_by("label").len().iter_rows())
    missing = [c for c in LABELS if per_label.get(c, 0) < 6]
    assert not missing, f"categories with fewer than 6 templates: {missing}"


def test_every_platform_has_many_categories(templates: pl.DataFrame) -> None:
    for platform in ("tiktok", "qimen", "ozon", "taobao"):
        labels = templates.filter(pl.col("platform") == platform)["label"].n_unique()
        assert labels >= 18, platform


def test_weights_form_a_distribution_per_platform(templates: pl.DataFrame) -> None:
    catalog = load_catalog()
    for platform in ("tiktok", "qimen", "ozon", "taobao"):
        w = catalog.for_platform(platform)["weight"]
        assert w.min() > 0
        assert w.sum() == pytest.approx(1.0)


def test_qimen_texts_encode_as_gbk(templates: pl.DataFrame) -> None:
    for text in templates.filter(pl.col("platform") == "qimen")["text"]:
        text.encode("gbk")  # the sample dump writes Qimen as a GBK Excel export


def test_all_placeholders_fill(templates: pl.DataFrame) -> None:
    filled = fill_templates(templates["text"], np.random.default_rng(1), load_catalog())
    leftovers = [m for m in filled if PLACEHOLDER_RE.search(m)]
    assert not leftovers
    assert filled.len() == templates.height


def test_rate_limit_semantics(templates: pl.DataFrame) -> None:
    """429 is a rate limit only when the quota is exhausted; with quota left it is something else."""
    t429 = templates.filter(pl.col("http_status") == 429)
    limited = t429.filter(pl.col("label") == "access.rate_limited")
    assert limited.height > 0 and (limited["rate_limit_remaining"] == 0).all()
    others = t429.filter(pl.col("label") != "access.rate_limited")
    assert set(others["label"]) == {"access.ip_restricted", "auth.token_expired"}
    assert (others["rate_limit_remaining"] > 0).all()
    ip = others.filter(pl.col("label") == "access.ip_restricted")
    assert ip["text"].str.contains("IP").all()


def test_gateway_and_platform_error_semantics(templates: pl.DataFrame) -> None:
    gateway = templates.filter(pl.col("http_status").is_in([502, 504]))
    assert (gateway["label"] == "integration.route_unreachable").all()
    isp = templates.filter(pl.col("sub_code").str.starts_with("isp."))
    assert isp.height > 0 and (isp["label"] == "platform.server_error").all()
    face = templates.filter(pl.col("error_code").is_in(["491", "492"]))
    assert (face["label"] == "risk.face_verification").all()
    scope = templates.filter(pl.col("text") == "Insufficient scope")
    assert set(scope["label"]) == {"auth.insufficient_permission"}
    assert templates.filter(pl.col("text").str.contains("来源不能是淘宝"))[
        "label"
    ].unique().to_list() == ["policy.distribution_source"]


def test_taobao_codes_are_numeric(templates: pl.DataFrame) -> None:
    codes = templates.filter(pl.col("platform") == "taobao")["error_code"]
    assert codes.str.contains(r"^-?\d+$").all()


def test_several_templates_per_platform_where_a_failure_happens(templates: pl.DataFrame) -> None:
    cells = templates.group_by("label", "platform").len()
    assert cells["len"].min() >= 3
    assert (cells["len"] >= 6).mean() > 0.9
