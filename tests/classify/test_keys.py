"""The decision keys: one list that add_keys produces and rules and feature documents read."""

from __future__ import annotations

import polars as pl

from opsrca.classify.hybrid import add_keys
from opsrca.classify.keys import DECISION_KEYS, KEY_DTYPES, key_columns
from opsrca.classify.tokenize import feature_docs


def test_add_keys_produces_every_decision_key_in_its_dtype() -> None:
    frame = pl.DataFrame(
        {
            "message": ["Too many requests", "\x00\x01\x02\x03"],
            "platform": ["TikTok", None],
            "http_status": ["429", ""],
            "error_code": ["36009004", None],
            "sub_code": [None, None],
            "rate_limit_remaining": ["0", None],
        }
    )
    keyed = add_keys(frame).select(DECISION_KEYS)
    assert keyed.schema == pl.Schema(KEY_DTYPES)
    assert keyed.row(0) == ("Too many requests", "tiktok", 429, "36009004", None, True, False)
    assert keyed["garbage"][1] is True


def test_key_columns_fills_missing_keys_with_typed_nulls() -> None:
    frame = pl.DataFrame({"template": ["x"], "http_status": ["401"]})
    out = frame.with_columns(key_columns(frame.columns)).select(DECISION_KEYS)
    assert out.schema == pl.Schema(KEY_DTYPES)
    assert out.row(0) == ("x", None, 401, None, None, None, None)


def test_feature_docs_same_with_or_without_empty_keys() -> None:
    """A frame carrying only the template gives the document of one whose other keys are empty."""
    bare = pl.DataFrame({"template": ["签名错误"]})
    full = bare.with_columns(key_columns(bare.columns))
    assert feature_docs(bare).to_list() == feature_docs(full).to_list() == ["签名错误"]
    with_fields = full.with_columns(
        pl.lit(401, pl.Int64).alias("http_status"), pl.lit(True).alias("rate_limit_exhausted")
    )
    assert feature_docs(with_fields).item() == (
        "签名错误 __status_401__ __status_4xx__ __ratelimit_exhausted__"
    )
