"""The label file: both languages complete, every label the code asks for exists, sentences per language."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from opsrca import paths
from opsrca.report.labels import LANGS, incident_line, labels, verdict

REPORT_SRC = Path(__file__).resolve().parents[2] / "src" / "opsrca" / "report"
CJK = re.compile(r"[\u3400-\u9fff]")


def used_keys() -> set[str]:
    """Every ``L["key"]`` / ``L['key']`` in the report package."""
    found: set[str] = set()
    for file in REPORT_SRC.glob("*.py"):
        found |= set(re.findall(r"""\bL\[["']([a-z_]+)["']\]""", file.read_text(encoding="utf-8")))
    return found


def test_every_label_the_code_uses_exists_in_both_languages() -> None:
    used = used_keys()
    assert len(used) > 60  # the scan found the code
    for lang in LANGS:
        assert used <= set(labels(lang)), sorted(used - set(labels(lang)))


def test_every_label_is_used() -> None:
    text = "".join(f.read_text(encoding="utf-8") for f in REPORT_SRC.glob("*.py"))
    unused = [k for k in labels("zh") if f'"{k}"' not in text and f"'{k}'" not in text]
    assert not unused, unused


@pytest.mark.parametrize("key", sorted(labels("zh")))
def test_each_label_is_in_its_language(key: str) -> None:
    zh, en = labels("zh")[key], labels("en")[key]
    assert zh.strip() and en.strip()
    assert CJK.search(zh) or key == "verdict_sep", f"zh {key!r} = {zh!r} has no Chinese"
    assert not CJK.search(en), f"en {key!r} = {en!r} has Chinese"
    # the same placeholders, so either language formats with the same arguments
    assert sorted(re.findall(r"{(\w+)}", zh)) == sorted(re.findall(r"{(\w+)}", en)), key


def test_unknown_language() -> None:
    with pytest.raises(ValueError, match="'fr'"):
        labels("fr")


def test_label_file_ships_in_the_package() -> None:
    assert paths.data_file("report_labels.toml").is_file()


ROW = {
    "token_expired": 4,
    "auth_errors": 7,
    "cc_write_calls": 2,
    "rate_limited": 3,
    "peak_calls_per_min": 290,
    "quota_per_min": 300,
}


@pytest.mark.parametrize(
    ("lang", "row", "expected"),
    [
        ("zh", ROW, "令牌过期 ×4;其他授权错误 ×3;应用级令牌调用写接口 ×2;接近配额;被限流 ×3"),
        (
            "en",
            ROW,
            "token expired ×4; other auth errors ×3; client_credentials on write ×2; near quota; "
            "rate limited ×3",
        ),
        (
            "zh",
            {**ROW, "peak_calls_per_min": 301},
            "令牌过期 ×4;其他授权错误 ×3;应用级令牌调用写接口 ×2;超出配额;被限流 ×3",
        ),
        (
            "zh",
            {
                "token_expired": 0,
                "auth_errors": 0,
                "cc_write_calls": 0,
                "rate_limited": 0,
                "peak_calls_per_min": 5,
                "quota_per_min": None,
            },
            "正常",
        ),
        ("en", {"token_expired": 0, "auth_errors": 0}, "ok"),
    ],
)
def test_token_health_verdict(lang: str, row: dict[str, object], expected: str) -> None:
    assert verdict(row, lang) == expected


def test_verdict_matches_the_sql_flags_in_english(report_db: Path) -> None:
    """The English verdict says what ``opsrca health``'s flags column says, row by row."""
    from opsrca import api

    health = api.health(report_db)
    for row in health.to_dicts():
        assert verdict(row, "en") == (row["flags"] or "ok")


@pytest.mark.parametrize(
    ("lang", "end", "expected"),
    [
        (
            "zh",
            datetime(2026, 11, 2, 2, 40),
            "店铺 OZ1:auth.token_expired 11-02 02:00–02:40 UTC,1,200 个错误",
        ),
        (
            "en",
            datetime(2026, 11, 3, 1, 0),
            "shop OZ1: auth.token_expired 11-02 02:00–11-03 01:00 UTC, 1,200 errors",
        ),
    ],
)
def test_incident_line(lang: str, end: datetime, expected: str) -> None:
    row = {
        "shop_id": "OZ1",
        "root_cause": "auth.token_expired",
        "start": datetime(2026, 11, 2, 2),
        "end": end,
        "errors": 1200,
    }
    assert incident_line(row, lang) == expected
