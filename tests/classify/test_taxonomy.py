"""The taxonomy data file: exact id set, complete fields, owners and retryability from issue 3."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from opsrca.paths import data_file

EXPECTED_IDS: tuple[str, ...] = (
    "auth.token_expired",
    "auth.authorization_revoked",
    "auth.insufficient_permission",
    "auth.invalid_credentials",
    "auth.environment_mismatch",
    "access.rate_limited",
    "access.ip_restricted",
    "integration.route_unreachable",
    "platform.server_error",
    "config.base_setup_missing",
    "validation.missing_field",
    "validation.invalid_value",
    "policy.prohibited_content",
    "policy.distribution_source",
    "catalog.category_invalid",
    "media.image_invalid",
    "inventory.stock_unavailable",
    "data.sync_conflict",
    "risk.face_verification",
    "risk.duplicate_listing",
    "account.restricted",
    "integration.api_misuse",
    "erp.internal_error",
    "unknown",
)
TEXT_FIELDS: tuple[str, ...] = (
    "id",
    "name_zh",
    "name_en",
    "description",
    "description_zh",
    "fix_zh",
    "fix_en",
    "owner",
)
OWNERS = {"seller_ops", "erp_admin", "developer", "platform"}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(scope="module")
def categories() -> list[dict[str, Any]]:
    with data_file("taxonomy.toml").open("rb") as fh:
        return list(tomllib.load(fh)["category"])


@pytest.fixture(scope="module")
def by_id(categories: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in categories}


def test_exactly_the_issue_ids_in_order(categories: list[dict[str, Any]]) -> None:
    ids = [c["id"] for c in categories]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert tuple(ids) == EXPECTED_IDS


@pytest.mark.parametrize("cat_id", EXPECTED_IDS)
def test_fields_present_and_typed(by_id: dict[str, dict[str, Any]], cat_id: str) -> None:
    cat = by_id[cat_id]
    for field in TEXT_FIELDS:
        assert isinstance(cat.get(field), str) and cat[field].strip(), f"{cat_id}.{field} empty"
    assert isinstance(cat.get("retryable"), bool)
    assert cat["owner"] in OWNERS
    examples = cat.get("examples")
    assert isinstance(examples, list) and 2 <= len(examples) <= 4
    assert all(isinstance(e, str) and e.strip() for e in examples)
    assert _has_cjk(cat["name_zh"]) and _has_cjk(cat["fix_zh"]) and _has_cjk(cat["description_zh"])
    assert not _has_cjk(cat["fix_en"]), f"{cat_id}.fix_en should be English"


def test_examples_are_unique_across_categories(categories: list[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for cat in categories:
        for example in cat["examples"]:
            assert example not in seen, f"{example!r} in {seen.get(example)} and {cat['id']}"
            seen[example] = cat["id"]


@pytest.mark.parametrize(
    ("cat_id", "retryable"),
    [
        ("access.rate_limited", True),
        ("integration.route_unreachable", True),
        ("platform.server_error", True),
        ("auth.token_expired", False),
        ("auth.insufficient_permission", False),
        ("risk.face_verification", False),
        ("validation.invalid_value", False),
        ("validation.missing_field", False),
        ("auth.invalid_credentials", False),
        ("auth.authorization_revoked", False),
    ],
)
def test_retryable_follows_issue(
    by_id: dict[str, dict[str, Any]], cat_id: str, retryable: bool
) -> None:
    assert by_id[cat_id]["retryable"] is retryable


def test_only_transient_categories_are_retryable(by_id: dict[str, dict[str, Any]]) -> None:
    retryable = {cid for cid, cat in by_id.items() if cat["retryable"]}
    assert retryable == {
        "access.rate_limited",
        "integration.route_unreachable",
        "platform.server_error",
    }


@pytest.mark.parametrize(
    ("cat_id", "needles"),
    [
        ("auth.token_expired", ("1 小时", "30 天")),
        ("access.rate_limited", ("3 分钟", "300", "600")),
        ("risk.face_verification", ("千牛", "零点")),
        ("risk.duplicate_listing", ("65%",)),
        ("media.image_invalid", ("800×800", "JPG/PNG")),
        ("validation.invalid_value", ("60",)),
        ("policy.distribution_source", ("1688",)),
    ],
)
def test_fix_texts_carry_the_concrete_numbers(
    by_id: dict[str, dict[str, Any]], cat_id: str, needles: tuple[str, ...]
) -> None:
    for needle in needles:
        assert needle in by_id[cat_id]["fix_zh"], f"{cat_id} fix_zh lacks {needle!r}"
