"""The documented-error knowledge base and the real-world evaluation set are data with provenance.

These checks keep the two files usable by the classifier branch (exact lookups, training rows,
evaluation) and keep the evaluation honest: no source feeds both the knowledge base and the
real-world set, so a real-world score never rewards memorised documentation.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from opsrca.classify.taxonomy import label_ids
from opsrca.schema import PLATFORMS

ROOT = Path(__file__).resolve().parents[2]
KB_DIR = ROOT / "src" / "opsrca" / "data" / "kb"
REALWORLD = ROOT / "data" / "realworld" / "realworld.csv"
KB_HEADER = ["platform", "code", "sub_code", "message", "category", "source"]
RW_HEADER = ["message", "platform", "category", "source", "source_group"]
KB_FILES = sorted(KB_DIR.glob("*.csv"))


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _kb_rows() -> list[dict[str, str]]:
    return [row for path in KB_FILES for row in _read(path)[1]]


def _rw_rows() -> list[dict[str, str]]:
    return _read(REALWORLD)[1]


def test_kb_files_exist_one_per_platform() -> None:
    assert KB_FILES, f"no knowledge-base CSV in {KB_DIR}"
    for path in KB_FILES:
        assert path.stem in PLATFORMS, f"{path.name}: file name must be a platform of {PLATFORMS}"


@pytest.mark.parametrize("path", KB_FILES, ids=lambda p: p.name)
def test_kb_file_header_and_rows(path: Path) -> None:
    header, rows = _read(path)
    assert header == KB_HEADER
    taxonomy = set(label_ids())
    for line, row in enumerate(rows, start=2):
        where = f"{path.name}:{line}"
        assert row["platform"] == path.stem, f"{where}: platform {row['platform']!r} in {path.name}"
        assert row["category"] in taxonomy, f"{where}: unknown category {row['category']!r}"
        assert row["message"].strip() == row["message"] and row["message"], (
            f"{where}: empty or untrimmed message"
        )
        assert row["source"].strip(), f"{where}: no source"


def test_kb_has_no_duplicate_entries() -> None:
    keys = Counter((r["platform"], r["code"], r["sub_code"], r["message"]) for r in _kb_rows())
    dupes = [key for key, n in keys.items() if n > 1]
    assert not dupes, f"duplicate (platform, code, sub_code, message): {dupes[:5]}"


def test_kb_size() -> None:
    assert len(_kb_rows()) >= 1000


def test_realworld_header_and_rows() -> None:
    header, rows = _read(REALWORLD)
    assert header == RW_HEADER
    taxonomy = set(label_ids())
    for line, row in enumerate(rows, start=2):
        where = f"realworld.csv:{line}"
        assert row["platform"] in PLATFORMS, f"{where}: unknown platform {row['platform']!r}"
        assert row["category"] in taxonomy, f"{where}: unknown category {row['category']!r}"
        assert row["message"].strip(), f"{where}: empty message"
        assert row["source"].strip() and row["source_group"].strip(), (
            f"{where}: no source or source_group"
        )


def test_realworld_size_and_every_category_present() -> None:
    rows = _rw_rows()
    assert len(rows) >= 300
    missing = set(label_ids()) - {r["category"] for r in rows}
    assert not missing, f"categories without a real-world example: {sorted(missing)}"


def test_realworld_sources_never_feed_the_kb() -> None:
    kb_sources = {r["source"] for r in _kb_rows()}
    rows = _rw_rows()
    shared = {r["source_group"] for r in rows} & kb_sources
    shared |= {r["source"] for r in rows} & kb_sources
    assert not shared, f"sources on both sides of the split: {sorted(shared)}"


def test_realworld_messages_are_not_copies_of_kb_messages() -> None:
    kb_messages = {r["message"] for r in _kb_rows()}
    copies = [r["message"] for r in _rw_rows() if r["message"] in kb_messages]
    assert not copies, f"real-world messages copied verbatim in the KB: {copies[:5]}"
