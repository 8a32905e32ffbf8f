"""Project settings that stick: a small TOML file beside the database.

A database is a project: the model it is classified with, the language of its summaries,
the time zone of zone-less timestamps and the output folder belong with it, so a plain
``opsrca analyze`` repeats what the last ``opsrca train`` or ``opsrca config set`` chose.
The file is named after the database (``opsrca.duckdb`` → ``opsrca.toml``) and is only
ever read beside the database the user named: nothing else in the current directory is.

Paths in the file are relative to the file's folder, so a project folder can be moved.
This module is the one loader (``load_settings``) and the one writer (``set_value``);
``resolve_model_dir`` is the one rule for which model a command uses.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opsrca import paths as P
from opsrca.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "KEYS",
    "Settings",
    "db_file",
    "load_settings",
    "new_model_dir",
    "resolve_model_dir",
    "set_value",
    "settings_path",
    "unset_value",
]

LANGS = ("zh", "en")
KEYS: dict[str, str] = {
    "model": "model folder the database is classified with (default: the bundled model)",
    "lang": "language of summaries and fixes: zh or en",
    "tz": "time zone of timestamps without one (IANA name, e.g. Asia/Shanghai)",
    "out": "output folder of analyze and report",
}
"""Every key ``opsrca config set`` accepts, with what it means."""


@dataclass(frozen=True)
class Settings:
    """The settings of one database; fields not in the file hold the defaults."""

    path: Path | None  # the settings file (None for an in-memory database)
    model: Path | None = None  # None: the bundled model
    lang: str = "zh"
    tz: str = "Asia/Shanghai"
    out: Path = P.DEFAULT_OUT
    stored: frozenset[str] = field(default_factory=frozenset)  # keys set in the file

    @property
    def model_dir(self) -> Path:
        """The model folder to use: the recorded one, else the bundled one."""
        return self.model if self.model is not None else P.DEFAULT_MODEL_DIR

    def shown(self) -> list[tuple[str, str, str]]:
        """``(key, value, source)`` rows for ``opsrca config``: source is the file or "default"."""
        values = {
            "model": str(self.model_dir),
            "lang": self.lang,
            "tz": self.tz,
            "out": str(self.out),
        }
        source = str(self.path) if self.path is not None else "default"
        return [(k, values[k], source if k in self.stored else "default") for k in KEYS]


def settings_path(db: Path | str) -> Path | None:
    """The settings file of a database: its name with ``.toml`` (None for ``:memory:``)."""
    if str(db) == ":memory:":
        return None
    return Path(db).with_suffix(".toml")


def load_settings(db: Path | str = P.DEFAULT_DB) -> Settings:
    """The settings of ``db`` (defaults when it has no settings file); a bad file is an error
    naming the file and key."""
    path = settings_path(db)
    if path is None or not path.is_file():
        return Settings(path=path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {str(path)!r} is not valid TOML: {exc}") from exc
    values = {
        key: _checked(key, value, base=path.parent, where=path, strict=False)
        for key, value in raw.items()
    }
    return Settings(path=path, stored=frozenset(values), **values)


def set_value(db: Path | str, key: str, value: str) -> Settings:
    """Check ``value`` and record it for ``db`` (paths relative to the current directory);
    returns the new settings. Other keys in the file are kept."""
    current = load_settings(db)
    if current.path is None:
        raise ConfigError("an in-memory database has no settings file")
    checked = _checked(key, value, base=Path.cwd(), where=None)
    new = replace(current, stored=current.stored | {key}, **{key: checked})
    _write(new)
    return new


def unset_value(db: Path | str, key: str) -> Settings:
    """Forget ``key`` for ``db`` (back to its default); returns the new settings."""
    _check_key(key, where=None)
    current = load_settings(db)
    if key not in current.stored:
        return current
    new = replace(current, stored=current.stored - {key}, **{key: getattr(Settings(None), key)})
    _write(new)
    return new


def resolve_model_dir(model_dir: Path | str | None, db: Path | str | None) -> Path:
    """The model a command uses: the ``--model`` folder, else the database's recorded model,
    else the bundled one. Every command that loads a model goes through here."""
    if model_dir is not None and str(model_dir) != "":
        return Path(model_dir)
    if db is None:
        return P.DEFAULT_MODEL_DIR
    settings = load_settings(db)
    if settings.model is not None and not (settings.model / "manifest.json").is_file():
        raise ConfigError(
            f"{str(settings.path)!r}: the database's model {str(settings.model)!r} is gone; "
            f"train again, or go back to the bundled model with `opsrca config unset model "
            f"--db {db}`"
        )
    return settings.model_dir


def db_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of a connection's database (None in memory), to find its settings."""
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def new_model_dir(db: Path | str, labeled: Path | str) -> Path:
    """A fresh versioned folder for a trained model, beside the database:
    ``models/<YYYYmmdd-HHMMSS>-<first 8 hex of the labeled file's sha256>``."""
    path = settings_path(db)
    base = path.parent if path is not None else Path.cwd()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    digest = hashlib.sha256(Path(labeled).read_bytes()).hexdigest()[:8]
    folder = base / "models" / f"{stamp}-{digest}"
    n = 1
    while folder.exists():  # two trainings within one second on the same file
        n += 1
        folder = base / "models" / f"{stamp}-{digest}-{n}"
    return folder


def _check_key(key: str, *, where: Path | None) -> None:
    if key not in KEYS:
        place = f"{str(where)!r}: " if where is not None else ""
        raise ConfigError(f"{place}unknown setting {key!r}; settings are: {', '.join(KEYS)}")


def _checked(key: str, value: Any, *, base: Path, where: Path | None, strict: bool = True) -> Any:
    """``value`` of ``key`` validated and converted (paths made absolute against ``base``).

    ``strict`` also checks that a model folder holds a model (when it is set; a recorded
    model that is gone later is reported when it is used, so `config unset` still works).
    """
    _check_key(key, where=where)
    place = f"{str(where)!r}: " if where is not None else ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{place}{key} must be a non-empty text, got {value!r}")
    if key == "lang":
        if value not in LANGS:
            raise ConfigError(f"{place}lang must be one of {', '.join(LANGS)}; got {value!r}")
        return value
    if key == "tz":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"{place}tz must be an IANA time zone such as Asia/Shanghai or UTC; got {value!r}"
            ) from None
        return value
    path = Path(value).expanduser()
    path = path if path.is_absolute() else base / path
    if key == "out":
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{place}out must be a folder; {str(path)!r} is a file")
        return path
    # key == "model": a folder holding a model
    if strict and not (path / "manifest.json").is_file():
        raise ConfigError(
            f"{place}model: no model at {str(path)!r} (no manifest.json); "
            "train one with `opsrca train LABELED.csv`"
        )
    return path


def _write(settings: Settings) -> None:
    """Write the stored keys; paths under the file's folder are written relative to it."""
    assert settings.path is not None
    lines = [
        "# opsrca project settings (`opsrca config` shows them, `opsrca config set` sets them)"
    ]
    for key in KEYS:
        if key not in settings.stored:
            continue
        value = getattr(settings, key)
        if isinstance(value, Path):
            value = _relative(value, settings.path.parent)
        lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
    settings.path.parent.mkdir(parents=True, exist_ok=True)
    settings.path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it (portable project folders), else absolute."""
    resolved, root = path.resolve(), base.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    return str(resolved)
