"""Tokenizer of the model: jieba for Chinese runs, stemmed lowercase Russian words, lowercase
English words, in any mix (Ozon answers in Russian, TOP wrappers in English around Chinese),
plus one ``__c_<concept>__`` token per concept of the cross-language glossary
(``opsrca/data/concepts.toml``) the text names, so evidence learned in one language carries
to the others.

A module-level function (the model is rebuilt from data, so the tokenizer is code, never stored). jieba is loaded once,
quietly, with the shipped domain dictionary (``opsrca/data/jieba_userdict.txt``) so terms
such as 奇门, 人脸核验 or 运费模板 stay whole tokens.
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
import unicodedata
from functools import cache, lru_cache
from typing import Any

import polars as pl

from opsrca.classify.keys import key_columns
from opsrca.paths import data_file, files_sha256

__all__ = [
    "CONCEPT_PREFIX",
    "concepts",
    "feature_docs",
    "fold_latin",
    "readable",
    "stem_ru",
    "tokenize",
    "tokenizer_sha256",
]

CONCEPT_PREFIX = "__c_"
"""Concept tokens are ``__c_<name>__``; field tokens (``__status_401__``) never start so."""
_CONCEPT = re.compile(re.escape(CONCEPT_PREFIX) + r"([a-z_]+?)__")
_FIELD = r"__[a-z0-9_.\-]+__"  # structured-field tokens such as __status_401__

_TOKEN = re.compile(
    rf"(?P<feat>{_FIELD})"
    r"|(?P<ph><[A-Z]+>)"  # normalizer placeholders
    r"|(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<cyr>[\u0400-\u04ff]+)"
)
# Russian inflections, longest first: `обязательно`, `обязательное`, `обязательный` share a stem.
_RU_REFLEXIVE = ("ся", "сь")
_RU_ENDINGS = tuple(
    sorted(
        [
            "иями",
            "ями",
            "ами",
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ых",
            "их",
            "ой",
            "ей",
            "ий",
            "ый",
            "ая",
            "яя",
            "ое",
            "ее",
            "ую",
            "юю",
            "ом",
            "ем",
            "ам",
            "ям",
            "ах",
            "ях",
            "ов",
            "ев",
            "ия",
            "ие",
            "ью",
            "ть",
            "а",
            "я",
            "о",
            "е",
            "ы",
            "и",
            "у",
            "ю",
            "ь",
            "й",
        ],
        key=len,
        reverse=True,
    )
)
_RU_MIN_STEM = 3
_lock = threading.Lock()
_jieba: Any = None


def _tokenizer() -> Any:
    """The jieba tokenizer with the domain dictionary, built once per process."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                with open(data_file("jieba_userdict.txt"), "rb") as fh:
                    tok.load_userdict(fh)
                _jieba = tok
    return _jieba


@lru_cache(maxsize=65536)
def _cut(run: str) -> tuple[str, ...]:
    """jieba words of one Chinese run (cached: the same runs recur across templates)."""
    return tuple(w for w in _tokenizer().lcut(run, HMM=False) if w.strip())


def stem_ru(word: str) -> str:
    """A light Russian stem: lowercase, ё as е, one reflexive and one inflection ending off
    (never shorter than three letters). Enough for error text, where words recur in a few
    forms; not a linguistic stemmer."""
    w = word.lower().replace("ё", "е")
    for suffix in _RU_REFLEXIVE:
        if w.endswith(suffix) and len(w) - len(suffix) >= _RU_MIN_STEM:
            w = w[: -len(suffix)]
            break
    for suffix in _RU_ENDINGS:
        if w.endswith(suffix) and len(w) - len(suffix) >= _RU_MIN_STEM:
            return w[: -len(suffix)]
    return w


def _latin_table() -> dict[int, str]:
    """Accented Latin letters (U+00C0-U+024F) to their ASCII base: what a reader of Spanish,
    Portuguese, French, German or Polish error text would still recognize as the same word."""
    special = {"ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
               "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "Th"}  # fmt: skip
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = special.get(ch, base)
        if base != ch and base.isascii() and base.isalpha():
            table[code] = base
    return table


_LATIN = _latin_table()


def fold_latin(text: str) -> str:
    """``text`` with accented Latin letters as plain ASCII (inválido -> invalido, größer ->
    grosser); Chinese and Cyrillic untouched (й stays й). Without it the word tokenizer cut
    Rejeição into `rejei` + `o` and no glossary word could match."""
    return text.translate(_LATIN)


_FIELD_TOKEN = re.compile(_FIELD)
_WORDS = re.compile(r"[a-z0-9]+|[а-я]+")
_CJK_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@cache
def _glossary() -> tuple[tuple[str, re.Pattern[str] | None, re.Pattern[str] | None], ...]:
    """``(token, words pattern, Chinese pattern)`` per concept of ``concepts.toml``.

    The words pattern runs over `` word word … `` (see ``_words``) and starts with a space, so
    the regex engine tries it only at word starts: a few microseconds per message."""
    with open(data_file("concepts.toml"), "rb") as fh:
        raw = tomllib.load(fh)
    out = []
    for name, terms in raw["concept"].items():
        words = []
        if terms.get("en"):
            words.append(r" (?:" + "|".join(terms["en"]) + r")(?= )")
        starts = [*terms.get("ru", ()), *terms.get("eu", ())]
        if starts:
            words.append(r" (?:" + "|".join(starts) + ")")
        zh = "|".join(re.escape(t) for t in terms.get("zh", ()))
        out.append(
            (
                f"{CONCEPT_PREFIX}{name}__",
                re.compile("|".join(words)) if words else None,
                re.compile(zh) if zh else None,
            )
        )
    return tuple(out)


def _words(low: str) -> str:
    """Latin and Cyrillic words of lowercased text, joined by single spaces and framed by them."""
    return " " + " ".join(_WORDS.findall(low)) + " "


@lru_cache(maxsize=65536)
def concepts(text: str) -> tuple[str, ...]:
    """The glossary concept tokens ``text`` names, in glossary order (field tokens such as
    ``__status_401__`` are not text). Cached: a template's document is tokenized for the
    model, its evidence and its unknown-word share."""
    low = _FIELD_TOKEN.sub(" ", fold_latin(text.lower()).replace("ё", "е"))
    words = _words(low)
    cjk = " ".join(_CJK_RUNS.findall(low))
    return tuple(
        token
        for token, w, zh in _glossary()
        if (w is not None and w.search(words)) or (zh is not None and cjk and zh.search(cjk))
    )


def tokenizer_sha256() -> str:
    """Hash of the data files that shape the tokens (glossary, jieba dictionary), recorded in
    a model's manifest: a model fitted on other tokens sees different features."""
    return files_sha256(data_file(name) for name in ("concepts.toml", "jieba_userdict.txt"))


def readable(term: str) -> str:
    """A feature term as evidence shows it: concept tokens become ``concept:<name>``."""
    return _CONCEPT.sub(r"concept:\1", term)


def tokenize(doc: str) -> list[str]:
    """Tokens of a feature document: jieba words, lowercase English words, stemmed Russian
    words, field tokens, then the glossary's concept tokens."""
    out: list[str] = []
    for match in _TOKEN.finditer(fold_latin(doc)):
        kind = match.lastgroup
        text = match.group()
        if kind == "cjk":
            out.extend(_cut(text))
        elif kind == "word":
            out.append(text.lower())
        elif kind == "cyr":
            out.append(stem_ru(text))
        else:
            out.append(text.lower() if kind == "feat" else text)
    out.extend(concepts(doc))
    return out


def _token(prefix: str, col: str) -> pl.Expr:
    """`` __prefix_value__`` for a non-empty field value, else an empty string."""
    value = (
        pl.col(col)
        .cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9_.\-]+", "_")
        .str.slice(0, 40)
    )
    return (
        pl.when(value.is_null() | value.is_in(["", "0", "none", "null", "nan"]))
        .then(pl.lit(""))
        .otherwise(pl.lit(f" __{prefix}_") + value + pl.lit("__"))
    )


def feature_docs(keys: pl.DataFrame) -> pl.Series:
    """The model's input documents: template plus the structured fields as tokens.

    ``keys`` has any of the decision keys (``keys.DECISION_KEYS``); missing ones are empty.
    """
    frame = keys.with_columns(key_columns(keys.columns))
    exhausted = pl.col("rate_limit_exhausted").fill_null(False)
    status = pl.col("http_status").cast(pl.String)
    return frame.select(
        (
            pl.col("template").fill_null("")
            + _token("platform", "platform")
            + _token("status", "http_status")
            + pl.when(status.is_null() | (status == "0"))
            .then(pl.lit(""))
            .otherwise(pl.lit(" __status_") + status.str.slice(0, 1) + pl.lit("xx__"))
            + _token("code", "error_code")
            + _token("sub", "sub_code")
            + pl.when(exhausted).then(pl.lit(" __ratelimit_exhausted__")).otherwise(pl.lit(""))
        ).alias("doc")
    )["doc"]
