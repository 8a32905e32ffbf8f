"""The words of the terminal summary and report.html, per language, read from ``report_labels.toml``.

Labels are data so a translation is a file edit, and one test can check that no language
lacks a key. Sentences built from numbers (the token-health verdict, the incident line)
are composed here from the label templates, so ``--lang zh`` never prints English prose.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from opsrca import paths
from opsrca.errors import ConfigError

LANGS: tuple[str, ...] = ("zh", "en")


@lru_cache(maxsize=1)
def _all() -> Mapping[str, Mapping[str, str]]:
    file = paths.data_file("report_labels.toml")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read report labels {str(file)!r}: {exc}") from exc
    missing = [lang for lang in LANGS if lang not in data]
    if missing:
        raise ConfigError(f"{file}: no [{missing[0]}] table")
    keys = set(data[LANGS[0]])
    for lang in LANGS[1:]:
        if set(data[lang]) != keys:
            diff = sorted(keys ^ set(data[lang]))
            raise ConfigError(f"{file}: [{lang}] and [{LANGS[0]}] differ in keys {diff}")
    return MappingProxyType({lang: MappingProxyType(dict(data[lang])) for lang in LANGS})


def labels(lang: str) -> Mapping[str, str]:
    """The labels of ``lang`` (``zh`` or ``en``); ``ValueError`` for any other language."""
    if lang not in LANGS:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return _all()[lang]


class Note(str):
    """A note under the summary: English text (what the API and logs show) that remembers its
    label key and values, so the terminal and report.html print it in the chosen language."""

    key: str
    values: Mapping[str, Any]

    def __new__(cls, key: str, **values: Any) -> Note:
        note = super().__new__(cls, labels("en")[key].format(**values))
        note.key, note.values = key, MappingProxyType(values)
        return note

    def __reduce__(self) -> tuple[Any, ...]:  # pickles (notebooks, workers) as the same note
        return (_note, (self.key, dict(self.values)))

    def text(self, lang: str) -> str:
        """The note in ``lang``."""
        return labels(lang)[self.key].format(**self.values)


def _note(key: str, values: dict[str, Any]) -> Note:
    return Note(key, **values)


def note_text(note: str, lang: str) -> str:
    """A summary note in ``lang`` (a plain string, from code that does not translate, as it is)."""
    return note.text(lang) if isinstance(note, Note) else note


def pct(value: Any) -> str:
    """A 0–1 share as a percentage with one decimal; ``–`` when unknown."""
    return "–" if value is None else f"{100 * float(value):.1f}%"


def cause_name(row: Mapping[str, Any], lang: str) -> str:
    """The root cause's name in ``lang`` (its id when the taxonomy has no name)."""
    name = row.get("name_zh" if lang == "zh" else "name_en")
    return str(name or row.get("root_cause") or "–")


def verdict(row: Mapping[str, Any], lang: str) -> str:
    """The token-health verdict of one ``token_health`` row in ``lang``.

    Built from the row's numbers (the same tests as the SQL ``flags`` column, which stays
    English for ``opsrca health`` and its CSV).
    """
    L = labels(lang)
    expired = int(row.get("token_expired") or 0)
    other = int(row.get("auth_errors") or 0) - expired
    cc = int(row.get("cc_write_calls") or 0)
    limited = int(row.get("rate_limited") or 0)
    peak, quota = row.get("peak_calls_per_min"), row.get("quota_per_min")
    parts = []
    if expired > 0:
        parts.append(L["verdict_token_expired"].format(n=expired))
    if other > 0:
        parts.append(L["verdict_other_auth"].format(n=other))
    if cc > 0:
        parts.append(L["verdict_cc_write"].format(n=cc))
    if peak is not None and quota:
        if peak > quota:
            parts.append(L["verdict_over_quota"])
        elif peak > 0.8 * quota:
            parts.append(L["verdict_near_quota"])
    if limited > 0:
        parts.append(L["verdict_rate_limited"].format(n=limited))
    return L["verdict_sep"].join(parts) if parts else L["verdict_ok"]


def _hm(value: datetime | None, fmt: str) -> str:
    return "–" if value is None else value.strftime(fmt)


def incident_line(row: Mapping[str, Any], lang: str) -> str:
    """One incident as a sentence in ``lang`` (the ``line`` column of ``incidents`` is English)."""
    start, end = row.get("start"), row.get("end")
    same_day = start is not None and end is not None and start.date() == end.date()
    return labels(lang)["incident_line"].format(
        shop=row.get("shop") or row.get("shop_id") or "(none)",
        cause=row.get("root_cause") or "–",
        start=_hm(start, "%m-%d %H:%M"),
        end=_hm(end, "%H:%M" if same_day else "%m-%d %H:%M"),
        errors=f"{int(row.get('errors') or 0):,}",
    )
