"""Settings that stick to a database: shown and set by `opsrca config`, used by every command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from opsrca import paths, settings
from opsrca.cli import app
from opsrca.errors import ConfigError

SMALL = Path(__file__).resolve().parent / "data" / "classify" / "labeled_small.csv"
runner = CliRunner()


def _invoke(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, re.sub(r"[\s│╭╮╰╯─]+", " ", result.output)  # boxes and wraps


def test_a_database_without_settings_has_the_defaults(tmp_path: Path) -> None:
    s = settings.load_settings(tmp_path / "x.duckdb")
    assert (s.model_dir, s.lang, s.tz, s.out) == (
        paths.DEFAULT_MODEL_DIR,
        "zh",
        "Asia/Shanghai",
        paths.DEFAULT_OUT,
    )
    assert s.path == tmp_path / "x.toml"
    assert settings.settings_path(":memory:") is None


def test_set_values_stick_and_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "shop.duckdb"
    settings.set_value(db, "lang", "en")
    settings.set_value(db, "tz", "Europe/Moscow")
    settings.set_value(db, "out", "reports")
    again = settings.load_settings(db)
    assert (again.lang, again.tz, again.out) == ("en", "Europe/Moscow", tmp_path / "reports")
    assert 'out = "reports"' in (tmp_path / "shop.toml").read_text(encoding="utf-8")  # relative
    for key, bad, expected in (
        ("lang", "fr", "lang must be one of zh, en; got 'fr'"),
        ("tz", "Mars/Base", "tz must be an IANA time zone"),
        ("model", str(tmp_path), "no model at"),
        ("colour", "red", "unknown setting 'colour'; settings are: model, lang, tz, out"),
    ):
        with pytest.raises(ConfigError, match=re.escape(expected)):
            settings.set_value(db, key, bad)
    assert settings.unset_value(db, "lang").lang == "zh"
    assert settings.load_settings(db).tz == "Europe/Moscow"  # the others are kept


def test_a_broken_settings_file_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "opsrca.duckdb"
    (tmp_path / "opsrca.toml").write_text('lang = "de"\n', encoding="utf-8")
    code, out = _invoke("config", "--db", db)
    assert code == 2
    assert "opsrca.toml" in out and "lang must be one of zh, en; got 'de'" in out
    (tmp_path / "opsrca.toml").write_text("lang = \n", encoding="utf-8")
    assert "is not valid TOML" in _invoke("config", "--db", db)[1]


def test_config_shows_and_sets(tmp_path: Path) -> None:
    db = tmp_path / "opsrca.duckdb"
    code, out = _invoke("config", "--db", db)
    assert code == 0
    assert "lang zh default" in out and "tz Asia/Shanghai default" in out
    code, out = _invoke("config", "set", "lang", "en", "--db", db)
    assert code == 0 and "lang = en" in out
    code, out = _invoke("config", "--db", db)
    assert "lang en" in out and "opsrca.toml" in out


def test_config_set_unknown_key_is_a_usage_error_listing_the_keys(tmp_path: Path) -> None:
    code, out = _invoke("config", "set", "colour", "red", "--db", tmp_path / "opsrca.duckdb")
    assert code == 2
    assert "'colour' is not one of 'model', 'lang', 'tz', 'out'" in out
    assert not (tmp_path / "opsrca.toml").exists()


def test_model_resolution_flag_then_database_then_bundled(tmp_path: Path) -> None:
    db = tmp_path / "opsrca.duckdb"
    assert settings.resolve_model_dir(None, db) == paths.DEFAULT_MODEL_DIR
    mine = shutil.copytree(paths.DEFAULT_MODEL_DIR, tmp_path / "models" / "mine")
    settings.set_value(db, "model", str(mine))
    assert settings.resolve_model_dir(None, db) == mine
    assert settings.resolve_model_dir(tmp_path / "other", db) == tmp_path / "other"
    assert settings.resolve_model_dir(None, None) == paths.DEFAULT_MODEL_DIR


def test_train_refuses_the_bundled_model(tmp_path: Path) -> None:
    manifest = (paths.DEFAULT_MODEL_DIR / "manifest.json").read_bytes()
    code, out = _invoke("train", SMALL, "--model", paths.DEFAULT_MODEL_DIR)
    assert code == 2
    assert "read-only" in out
    assert (paths.DEFAULT_MODEL_DIR / "manifest.json").read_bytes() == manifest


@pytest.mark.slow
def test_train_then_plain_analyze_uses_the_new_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train (no --model) → a versioned model beside the database, and the next plain
    `analyze` classifies with it; settings for language and output folder apply too."""
    monkeypatch.chdir(tmp_path)
    bundled = (paths.DEFAULT_MODEL_DIR / "manifest.json").read_bytes()
    code, out = _invoke("train", SMALL)
    assert code == 0, out
    (folder,) = (tmp_path / "models").iterdir()
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}", folder.name)
    assert f"model written to models/{folder.name}" in out
    assert 'model = "models/' in (tmp_path / "opsrca.toml").read_text(encoding="utf-8")
    assert (paths.DEFAULT_MODEL_DIR / "manifest.json").read_bytes() == bundled

    assert _invoke("config", "set", "out", "reports")[0] == 0
    assert _invoke("config", "set", "lang", "en")[0] == 0
    code, out = _invoke("analyze")
    assert code == 0, out
    assert f"with model {folder.name}@" in out
    from opsrca.report.labels import labels

    assert labels("en")["headline"] in out and labels("zh")["headline"] not in out  # lang = en
    assert (tmp_path / "reports" / "report.html").is_file()
    assert not (tmp_path / "opsrca-out").exists()
    con = duckdb.connect(str(tmp_path / "opsrca.duckdb"), read_only=True)
    try:
        versions = {v for (v,) in con.execute("SELECT model_version FROM templates").fetchall()}
    finally:
        con.close()
    assert {v.split("@")[0] for v in versions} == {folder.name}

    # a flag still wins for one run, without changing the database's model
    code, out = _invoke("classify", "--model", paths.DEFAULT_MODEL_DIR)
    assert code == 0 and "with default@" in out
    assert "--model is for this run; the next plain run uses the database's model" in out
    assert settings.load_settings(tmp_path / "opsrca.duckdb").model_dir == folder


def test_a_recorded_model_that_is_gone_says_how_to_recover(tmp_path: Path) -> None:
    db = tmp_path / "opsrca.duckdb"
    mine = shutil.copytree(paths.DEFAULT_MODEL_DIR, tmp_path / "models" / "mine")
    settings.set_value(db, "model", str(mine))
    shutil.rmtree(mine)
    with pytest.raises(ConfigError, match=re.escape("is gone; train again, or go back")):
        settings.resolve_model_dir(None, db)
    code, out = _invoke("config", "unset", "model", "--db", db)
    assert code == 0 and "model = " in out and "(default)" in out
    assert settings.resolve_model_dir(None, db) == paths.DEFAULT_MODEL_DIR


def test_the_time_zone_setting_reads_zoneless_times(tmp_path: Path) -> None:
    """Qimen logs carry no zone: with `tz = UTC` 10:13:05 stays 10:13:05 UTC (not 02:13:05)."""
    qimen = Path(__file__).resolve().parent / "data" / "ingest" / "qimen_sync_log_bom.csv"
    first: dict[str, str] = {}
    for tz in ("default", "UTC"):
        db = tmp_path / f"{tz}.duckdb"
        if tz != "default":
            assert _invoke("config", "set", "tz", tz, "--db", db)[0] == 0
        code, out = _invoke("ingest", qimen, "--db", db, "--quiet")
        assert code == 1 and "rows in" in out, out  # the fixture has one bad row on purpose
        con = duckdb.connect(str(db), read_only=True)
        try:
            ((at,),) = con.execute(
                "SELECT strftime(min(occurred_at), '%H:%M:%S') FROM events"
            ).fetchall()
        finally:
            con.close()
        first[tz] = at
    assert first == {"default": "02:13:05", "UTC": "10:13:05"}
