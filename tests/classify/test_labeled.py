"""The labeled training/evaluation set: size, coverage, language mix, grouping and determinism."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from opsrca.classify.labeled import (
    COLUMNS,
    SCHEMA,
    build_labeled,
    family_files,
    main,
    write_labeled,
)
from opsrca.errors import ConfigError
from opsrca.paths import SAMPLES_DIR, data_file

COMMITTED = SAMPLES_DIR / "labeled_errors.csv"
MIN_ROWS = 1500
MIN_PER_LABEL = 40
PLATFORMS = {"qimen", "tiktok", "ozon", "taobao", "doudian", "other"}
CJK = r"[\u4e00-\u9fff]"


@pytest.fixture(scope="module")
def labeled() -> pl.DataFrame:
    return build_labeled(seed=7)


@pytest.fixture(scope="module")
def taxonomy_ids() -> set[str]:
    with data_file("taxonomy.toml").open("rb") as fh:
        return {c["id"] for c in tomllib.load(fh)["category"]}


def test_columns_and_types(labeled: pl.DataFrame) -> None:
    assert tuple(labeled.columns) == COLUMNS
    assert dict(labeled.schema) == SCHEMA
    for col in ("message", "platform", "label", "source", "group"):
        assert labeled[col].null_count() == 0, col
        assert (labeled[col].str.strip_chars() != "").all(), col


def test_size_and_per_label_floor(labeled: pl.DataFrame, taxonomy_ids: set[str]) -> None:
    assert labeled.height >= MIN_ROWS
    counts = dict(labeled.group_by("label").len().iter_rows())
    assert set(counts) == taxonomy_ids, "every taxonomy id (incl. unknown) must be present"
    thin = {label: n for label, n in counts.items() if n < MIN_PER_LABEL}
    assert not thin, f"labels under {MIN_PER_LABEL} rows: {thin}"


def test_labels_and_platforms_are_known(labeled: pl.DataFrame, taxonomy_ids: set[str]) -> None:
    assert set(labeled["label"].unique()) <= taxonomy_ids
    assert set(labeled["platform"].unique()) <= PLATFORMS


def test_languages_mixed_for_most_labels(labeled: pl.DataFrame) -> None:
    per_label = labeled.group_by("label").agg(
        pl.col("message").str.contains(CJK).any().alias("zh"),
        (~pl.col("message").str.contains(CJK)).any().alias("ascii"),
    )
    both = per_label.filter(pl.col("zh") & pl.col("ascii")).height
    assert both >= per_label.height - 2, per_label.filter(~(pl.col("zh") & pl.col("ascii")))
    mixed = labeled.filter(
        pl.col("message").str.contains(CJK) & pl.col("message").str.contains(r"[A-Za-z]{4,}")
    )
    assert mixed.height >= 200, "need messages mixing Chinese and English"


def test_groups_never_span_two_labels(labeled: pl.DataFrame) -> None:
    spans = labeled.group_by("group").agg(pl.col("label").n_unique().alias("n"))
    assert spans.filter(pl.col("n") > 1).is_empty()


def test_groups_allow_a_grouped_split(labeled: pl.DataFrame) -> None:
    groups = labeled.group_by("label").agg(pl.col("group").n_unique().alias("g"))
    assert groups["g"].min() >= 5, groups.sort("g").head(5)
    sources = labeled.group_by("label").agg(pl.col("source").n_unique().alias("s"))
    assert sources["s"].min() >= 3, sources.sort("s").head(5)


def test_no_duplicate_messages_per_label(labeled: pl.DataFrame) -> None:
    assert labeled.select(["message", "label"]).is_duplicated().sum() == 0
    # the same text under two labels would be a labeling contradiction
    clashes = labeled.group_by("message").agg(pl.col("label").n_unique().alias("n"))
    assert clashes.filter(pl.col("n") > 1).is_empty(), clashes.filter(pl.col("n") > 1)


def test_placeholders_all_filled(labeled: pl.DataFrame) -> None:
    assert not labeled["message"].str.contains(r"\$\{[A-Za-z_]+\}").any()


def test_many_shapes_of_message(labeled: pl.DataFrame) -> None:
    msg = labeled["message"]
    assert msg.str.contains(r'^\{"error_response"').sum() >= 20  # TOP JSON
    assert msg.str.contains(r"<error_response>").sum() >= 10  # TOP XML
    assert msg.str.contains(r"code=\d+ msg=").sum() >= 30  # TOP log lines
    assert msg.str.contains(r"<response><flag>failure").sum() >= 10  # Qimen envelope
    assert msg.str.contains(r"\n\s+at |Traceback|Exception").sum() >= 20  # stack traces
    assert msg.str.contains(r"^HTTP/1\.1 \d{3}").sum() >= 10  # status lines


@pytest.mark.parametrize(
    ("needle", "label"),
    [
        ("HTTP/1.1 502 Bad Gateway", "integration.route_unreachable"),
        ("HTTP/1.1 504 Gateway Time-out", "integration.route_unreachable"),
        ("sub_code=isp.remote-service-timeout", "platform.server_error"),
        ("remote service timeout", "platform.server_error"),
        ('"error_description":"Refresh token expired"', "auth.authorization_revoked"),
        ('{"code":491,', "risk.face_verification"),
        ('{"code":492,', "risk.face_verification"),
        ("record already exists", "data.sync_conflict"),
        ("已存在,请勿重复推送", "data.sync_conflict"),
        ("活动期间不允许修改", "account.restricted"),
        ("sub_code=isv.env-suspected", "account.restricted"),
        ("code=7 msg=App Call Limited", "access.rate_limited"),
        ("仓库代码", "config.base_setup_missing"),
    ],
)
def test_issue_boundaries(labeled: pl.DataFrame, needle: str, label: str) -> None:
    hits = labeled.filter(pl.col("message").str.contains(needle, literal=True))
    assert hits.height > 0, f"no row contains {needle!r}"
    assert set(hits["label"].unique()) == {label}, hits.select("message", "label").head()


def test_same_seed_same_frame_other_seed_differs() -> None:
    first = build_labeled(seed=11)
    assert first.equals(build_labeled(seed=11))
    assert not first.equals(build_labeled(seed=12))


def test_committed_csv_equals_fresh_build(labeled: pl.DataFrame) -> None:
    assert COMMITTED.exists(), (
        "run: python -m opsrca.classify.labeled --out data/samples/labeled_errors.csv"
    )
    assert COMMITTED.read_bytes().startswith(b"\xef\xbb\xbf"), "CSV must be UTF-8 with BOM"
    committed = pl.read_csv(COMMITTED, schema=SCHEMA)
    assert committed.equals(labeled), "rebuild data/samples/labeled_errors.csv with seed 7"


def test_write_and_cli_roundtrip(tmp_path: Path, labeled: pl.DataFrame) -> None:
    out = write_labeled(tmp_path / "sub" / "labeled.csv", seed=7)
    assert pl.read_csv(out, schema=SCHEMA).equals(labeled)
    cli_out = tmp_path / "cli.csv"
    assert main(["--out", str(cli_out), "--seed", "7"]) == 0
    assert cli_out.read_bytes() == out.read_bytes()


def test_bad_family_file_is_a_clear_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "labeled"
    data_dir.mkdir()
    src = family_files()[0].parent / "_slots.toml"
    (data_dir / "_slots.toml").write_bytes(src.read_bytes())
    (data_dir / "fam.toml").write_text(
        'source = "x"\n[[t]]\ng = "a"\nlabel = "not.a.label"\ntexts = ["boom"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"fam\.toml.*not\.a\.label"):
        build_labeled(data_dir=data_dir)
    (data_dir / "fam.toml").write_text(
        'source = "x"\n[[t]]\ng = "a"\nlabel = "unknown"\ntexts = ["${nope}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"nope"):
        build_labeled(data_dir=data_dir)


def test_sources_doc_matches_the_data(labeled: pl.DataFrame) -> None:
    doc = (SAMPLES_DIR / "SOURCES.md").read_text(encoding="utf-8")
    documented = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\| `([a-z0-9-]+)` \| (\d+) \|", doc, re.M)
    }
    actual = dict(labeled.group_by("source").len().iter_rows())
    assert documented == actual, "update the family table of data/samples/SOURCES.md"
    assert f"{labeled.height:,} rows" in doc
    assert f"{labeled['group'].n_unique()} template groups" in doc
