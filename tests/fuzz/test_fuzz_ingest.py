"""Fuzzing harness: hostile files in every supported format through ingest and analyze.

Invariants (issue 11): no exception escapes; every file beside a hostile one
still loads; per file ``rows in = events + rejects``, matching what the
database holds; every reject names its file and line and says why; an
unreadable or skipped file says why in one line. A clean generated file gives
exactly its rows. Deterministic (``derandomize``), so a failure replays and
hypothesis shrinks it to a small file (kept on disk, the path printed); the
review's cases are replayed first. ``OPSRCA_FUZZ_EXAMPLES=500`` runs deeper.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hostile import Hostile, hostile_files, seed_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsrca import store
from opsrca.ingest import IngestReport, ingest_paths

SENTINEL = "zz_sentinel.csv"
_SENTINEL_DATA = (
    b"error_id,shop_id,region,api_endpoint,http_method,http_status,error_code,"
    b"error_message,first_occurred_at,retry_count\n"
    b"SENTINEL-1,shopS,MY,/api/x,POST,400,1,sentinel one,2026-11-03 10:00:00,0\n"
    b"SENTINEL-2,shopS,MY,/api/x,POST,400,1,sentinel two,2026-11-03 10:01:00,0\n"
)
#: cases per run; the suite runs a fixed 50 (about 30 s), a deeper run sets e.g. 500
EXAMPLES = int(os.environ.get("OPSRCA_FUZZ_EXAMPLES", "50"))
_FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same cases every run: a failure is reproducible in CI
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _write(folder: Path, files: list[Hostile]) -> dict[str, Hostile]:
    named: dict[str, Hostile] = {}
    for i, f in enumerate(files):
        name = f"f{i:02d}_{f.name}"
        (folder / name).write_bytes(f.data)
        named[name] = f
    (folder / SENTINEL).write_bytes(_SENTINEL_DATA)
    return named


def check_report(
    report: IngestReport, con: duckdb.DuckDBPyConnection, named: dict[str, Hostile]
) -> None:
    """The invariants every ingest of hostile files keeps."""
    by_name = {Path(f.path).name: f for f in report.files}
    assert set(by_name) == {*named, SENTINEL}  # every file is accounted for
    sentinel = by_name[SENTINEL]
    assert (sentinel.status, sentinel.events, sentinel.rejects) == ("loaded", 2, 0)
    for name, f in by_name.items():
        assert f.rows_in == f.events + f.rejects, name
        held = con.execute(
            "SELECT (SELECT count(*) FROM events WHERE source_file LIKE '%/' || $n"
            "         OR source_file LIKE '%/' || $n || '#%'),"
            "       (SELECT count(*) FROM rejects WHERE source_file LIKE '%/' || $n"
            "         OR source_file LIKE '%/' || $n || '#%')",
            {"n": name},
        ).fetchall()[0]
        if f.status == "loaded":
            assert held == (f.events, f.rejects), name
        else:
            assert held == (0, 0), name
            assert f.rows_in == f.events == f.rejects == 0, name
        if f.status in ("unreadable", "skipped"):
            assert f.error and "\n" not in f.error and "Traceback" not in f.error, name
            assert (": file unreadable: " in f.error) or (": skipped: " in f.error), name
        hostile = named.get(name)
        if hostile is None:
            continue
        if hostile.loads:
            assert f.status in ("loaded", "empty", "duplicate"), (name, f.error)
        if hostile.clean_rows is not None and f.status == "loaded":
            not_repeats = con.execute(
                "SELECT count(*) FROM rejects WHERE source_file LIKE '%/' || $n || '%' "
                "AND field IS DISTINCT FROM 'event_id'",
                {"n": name},
            ).fetchall()[0][0]
            assert f.rows_in == hostile.clean_rows and not_repeats == 0, name
    bad = con.execute(
        "SELECT count(*) FROM rejects WHERE source_file IS NULL OR source_line IS NULL "
        "OR source_line < 1 OR reason IS NULL OR reason NOT LIKE '%line %'"
    ).fetchall()[0][0]
    assert bad == 0  # every reject says where (file, line) and why


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    """One temporary folder for the whole module (hypothesis cannot use function fixtures)."""
    with tempfile.TemporaryDirectory(prefix="opsrca-fuzz-") as tmp:
        yield Path(tmp)


_runs = iter(range(1_000_000))


def _ingest(workdir: Path, files: list[Hostile], *, piece_bytes: int) -> None:
    run = workdir / f"run{next(_runs)}"
    run.mkdir()
    named = _write(run, files)
    con = store.connect(":memory:")
    try:
        report = ingest_paths([run], con, piece_bytes=piece_bytes)
        check_report(report, con, named)
    except BaseException:  # keep the failing files where a person can open them
        print(f"failing input files kept in {run}")
        raise
    finally:
        con.close()


@pytest.mark.parametrize("case", seed_corpus(), ids=lambda h: h.name)
def test_seed_corpus(workdir: Path, case: Hostile) -> None:
    """The review's reproductions, read whole and in small pieces."""
    _ingest(workdir, [case], piece_bytes=32 << 20)
    _ingest(workdir, [case], piece_bytes=64 << 10)


@_FUZZ
@given(
    files=st.lists(hostile_files, min_size=1, max_size=3),
    piece_bytes=st.sampled_from([4096, 16 << 10, 32 << 20]),
)
def test_fuzz_ingest(workdir: Path, files: list[Hostile], piece_bytes: int) -> None:
    """Random hostile files beside a sentinel: the invariants hold, the sentinel loads."""
    _ingest(workdir, files, piece_bytes=piece_bytes)


def test_analyze_over_the_seed_corpus(tmp_path: Path) -> None:
    """One analyze over every seed case at once: it finishes, writes its report, names each
    unreadable file with its reason."""
    from io import StringIO

    from rich.console import Console

    from opsrca.report.analyze import analyze

    dump = tmp_path / "dump"
    dump.mkdir()
    named = _write(dump, seed_corpus())
    buf = StringIO()
    result = analyze([dump], db=tmp_path / "a.duckdb", out=tmp_path / "out",
                     console=Console(file=buf, width=300))  # fmt: skip
    con = duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True)
    try:
        check_report(result.ingest, con, named)
    finally:
        con.close()
    assert Path(result.outputs.report_html).stat().st_size > 0
    html = Path(result.outputs.report_html).read_text(encoding="utf-8")
    for f in result.ingest.files:
        if f.status in ("unreadable", "skipped"):
            assert Path(f.path).name in html
            assert Path(f.path).name in buf.getvalue()
    assert "Traceback" not in buf.getvalue()
