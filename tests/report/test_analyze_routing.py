"""`analyze` routes a dump once: each file's header is read once, by the one header reader."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from opsrca import paths
from opsrca.ingest import route as route_mod


def test_analyze_sniffs_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (paths.DEFAULT_MODEL_DIR / "manifest.json").exists():
        pytest.skip("the bundled model (models/default) is not built yet")
    from opsrca.report.analyze import analyze

    dump = tmp_path / "dump"
    dump.mkdir()
    names = ["tiktok_ops_errors_export_sea.csv", "qimen_sync_log_20261105.xlsx",
             "listings.csv", "products.csv", "visitor_profiles.csv", "open_categories.txt"]  # fmt: skip
    for name in names:
        shutil.copy(paths.SAMPLE_DUMP_DIR / name, dump / name)
    (dump / "notes.md").write_text("# not an input\n", encoding="utf-8")

    reads: Counter[str] = Counter()
    real = route_mod.read_head

    def counting(path: Path) -> route_mod.Head:
        reads[path.name] += 1
        return real(path)

    monkeypatch.setattr(route_mod, "read_head", counting)
    result = analyze([dump], db=tmp_path / "a.duckdb", out=tmp_path / "out")

    assert reads == Counter(names)  # every input once; notes.md never sniffed as an input
    ingested = sorted(Path(f.path).name for f in result.ingest.files if f.status != "skipped")
    assert ingested == ["qimen_sync_log_20261105.xlsx", "tiktok_ops_errors_export_sea.csv"]
    skipped = [(Path(f.path).name, f.error) for f in result.ingest.files if f.status == "skipped"]
    assert skipped == [("notes.md", f"{dump / 'notes.md'}: skipped: suffix '.md' is not an "
                        "input format (csv, tsv, txt, jsonl, ndjson, json, log, xlsx, xlsm, xls, "
                        "parquet)")]  # fmt: skip
    assert {k: [p.name for p in v] for k, v in result.listing_files.items()} == {
        "listings": ["listings.csv"], "products": ["products.csv"],
        "profiles": ["visitor_profiles.csv"], "categories": ["open_categories.txt"],
    }  # fmt: skip
    assert result.checks is not None and result.checks.lint.height > 0
