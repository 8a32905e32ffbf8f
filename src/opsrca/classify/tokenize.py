"""Tokenizer of the model: jieba for Chinese runs, stemmed lowercase Russian words, lowercase
English words, in any mix (Ozon answers in Russian, TOP wrappers in English around Chinese).

A module-level function (the model is rebuilt from data, so the tokenizer is code, never stored). jieba is loaded once,
quietly, with the shipped domain dictionary (``opsrca/data/jieba_userdict.txt``) so terms
such as 奇门, 人脸核验 or 运费模板 stay whole tokens.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Any

import polars as pl

from opsrca.classify.keys import key_columns
from opsrca.paths import data_file

__all__ = ["feature_docs", "stem_ru", "tokenize"]

_TOKEN = re.compile(
    r"(?P<feat>__[a-z0-9_.\-]+__)"  # structured-field tokens such as __status_401__
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


def tokenize(doc: str) -> list[str]:
    """Tokens of a feature document: jieba words, lowercase English words, stemmed Russian
    words, field tokens."""
    out: list[str] = []
    for match in _TOKEN.finditer(doc):
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
