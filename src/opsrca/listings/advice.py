"""Fix advice for listing findings, read from the shared taxonomy and ``listing_checks.toml``.

The taxonomy (``taxonomy.toml``) is the one place a root cause's fix is written, so a
lint finding says exactly what the classifier says for the same root cause.
"""

from __future__ import annotations

import tomllib
from functools import cache

from opsrca.classify.taxonomy import categories
from opsrca.errors import ConfigError
from opsrca.paths import data_file


def fix(root_cause: str) -> tuple[str, str]:
    """(fix_zh, fix_en) of a taxonomy id; a ConfigError names an id the taxonomy lacks."""
    cats = categories()
    if root_cause not in cats:
        raise ConfigError(f"taxonomy.toml has no category {root_cause!r}; known: {', '.join(cats)}")
    return cats[root_cause].fix_zh, cats[root_cause].fix_en


@cache
def check(name: str) -> dict[str, str]:
    """Settings of one check in ``listing_checks.toml`` (root_cause, hint_zh, hint_en)."""
    path = data_file("listing_checks.toml")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if name not in doc:
        raise ConfigError(f"{path} has no section [{name}]")
    return {k: str(v) for k, v in doc[name].items()}


def check_fix(name: str) -> tuple[str, str, str]:
    """(root_cause, fix_zh, fix_en) of a check: its specific hint followed by the taxonomy fix."""
    conf = check(name)
    zh, en = fix(conf["root_cause"])
    return conf["root_cause"], f"{conf['hint_zh']} {zh}".strip(), f"{conf['hint_en']} {en}".strip()
