"""route: one walk, one header read per file, and the kind and format each file gets."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from opsrca import paths
from opsrca.errors import InputError
from opsrca.ingest import ingest_paths
from opsrca.ingest import route as route_mod
from opsrca.ingest.route import EVENTS, by_kind, route


@pytest.fixture
def head_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts calls of the one header reader, per file name."""
    counts: Counter[str] = Counter()
    real = route_mod.read_head

    def counting(path: Path) -> route_mod.Head:
        counts[path.name] += 1
        return real(path)

    monkeypatch.setattr(route_mod, "read_head", counting)
    return counts


def test_sample_dump_files_get_their_kind_and_format() -> None:
    routed = {f.path.name: (f.kind, f.format) for f in route([paths.SAMPLE_DUMP_DIR])}
    assert routed == {
        "listings.csv": ("listings", None),
        "visitor_profiles.csv": ("profiles", None),
        "products.csv": ("products", None),
        "open_categories.txt": ("categories", None),
        "tiktok_ops_errors_2026-11.csv": (EVENTS, "tiktok_csv"),
        "tiktok_ops_errors_export_sea.csv": (EVENTS, "tiktok_csv"),
        "qimen_sync_log_20261102.csv": (EVENTS, "qimen_log"),
        "qimen_sync_log_20261105.xlsx": (EVENTS, "qimen_log"),
        "ozon_api_2026-11.jsonl": (EVENTS, "ozon_jsonl"),
        "taobao_distribute_2026-11.jsonl": (EVENTS, "taobao_jsonl"),
    }


def test_routed_format_is_the_one_ingest_finds(
    con: duckdb.DuckDBPyConnection, data_dir: Path
) -> None:
    routed = route([data_dir])
    report = ingest_paths(routed, con)
    found = {Path(f.path).name: f.source_format for f in report.files if f.status == "loaded"}
    assert found  # the fixtures load
    for f in routed:
        if f.path.name in found:
            assert f.format == found[f.path.name], f.path.name


def test_ingest_walks_once_and_reads_each_header_once(
    con: duckdb.DuckDBPyConnection, data_dir: Path, tmp_path: Path, head_reads: Counter[str]
) -> None:
    shutil.copy(data_dir / "tiktok_ops_errors_small.csv", tmp_path / "tiktok.csv")
    (tmp_path / "listings_2026.csv").write_text(
        "account_id,shop_id,item_id,title\n1,2,3,t\n", encoding="utf-8"
    )
    given = tmp_path / "given.csv"
    shutil.copy(data_dir / "tiktok_ops_errors_small.csv", given)
    folder = tmp_path / "dump"
    folder.mkdir()
    for name in ("tiktok.csv", "listings_2026.csv"):
        shutil.move(tmp_path / name, folder / name)
    report = ingest_paths([folder, given], con)
    assert [Path(f.path).name for f in report.files] == ["tiktok.csv", "given.csv"]
    # folder files sniffed once; a file named to ``ingest`` is loaded without sniffing
    assert head_reads == Counter({"tiktok.csv": 1, "listings_2026.csv": 1})


def test_a_listing_file_named_to_analyze_goes_to_the_checks_only(data_dir: Path) -> None:
    listings = paths.SAMPLE_DUMP_DIR / "listings.csv"
    tiktok = data_dir / "tiktok_ops_errors_small.csv"
    routed = route([listings, tiktok])
    assert [(f.path.name, f.kind) for f in routed] == [
        ("listings.csv", "listings"),
        ("tiktok_ops_errors_small.csv", EVENTS),
    ]
    assert by_kind(routed) == {"listings": [listings]}


def test_missing_path_names_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.csv: no such file or folder"):
        route([tmp_path / "nope.csv"])


def test_unreadable_files_are_routed_to_ingest_which_reports_them(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (tmp_path / "broken.csv").write_bytes(b"\x00\x01\x02garbage\xff\xfe" * 100)
    routed = route([tmp_path])
    assert [(f.path.name, f.kind, f.format) for f in routed] == [
        ("broken.csv", "skipped", None),  # binary junk, whatever its name: skipped by content
        ("broken.xlsx", EVENTS, None),  # a damaged workbook: its reader says why
    ]
    assert "binary data" in (routed[0].note or "")
