"""The decision keys: the columns a classification depends on, named and typed once.

Rows are reduced to unique combinations of these keys and decided once per combination
(``hybrid``); rules match on them (``rules``) and the model reads them as feature tokens
(``tokenize``). Adding a key here is the one change that makes every stage see it.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

__all__ = ["DECISION_KEYS", "KEY_DTYPES", "key_columns"]

KEY_DTYPES: dict[str, pl.DataType] = {
    "template": pl.String(),
    "platform": pl.String(),
    "http_status": pl.Int64(),
    "error_code": pl.String(),
    "sub_code": pl.String(),
    "rate_limit_exhausted": pl.Boolean(),
    # Empty, binary or text-free: decided ``unknown`` whatever the other keys say.
    "garbage": pl.Boolean(),
}
DECISION_KEYS: tuple[str, ...] = tuple(KEY_DTYPES)


def key_columns(columns: Collection[str]) -> list[pl.Expr]:
    """Every decision key in its dtype: a present column cast (non-strict), a missing one null.

    Lets rules and feature documents run on frames that carry only some keys.
    """
    return [
        (pl.col(name) if name in columns else pl.lit(None)).cast(dtype, strict=False).alias(name)
        for name, dtype in KEY_DTYPES.items()
    ]
