"""The knowledge base: every documented code decides like a rule, with its source as evidence."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opsrca.classify.hybrid import add_keys, decide
from opsrca.classify.kb import KB_COLUMNS, kb_training_rows, load_kb
from opsrca.errors import ConfigError


def _decide(rows: list[dict[str, object]]) -> pl.DataFrame:
    return decide(add_keys(pl.DataFrame(rows, infer_schema_length=None)), None)


def _lookup_rows() -> list[dict[str, object]]:
    """KB rows that a lookup can decide: a code or sub code whose key has one category."""
    kb = load_kb()
    keyed = kb.filter(pl.col("code").is_not_null() | pl.col("sub_code").is_not_null())
    counts = keyed.group_by("platform", "code", "sub_code").agg(
        pl.col("category").n_unique().alias("n")
    )
    return (
        keyed.join(counts, on=["platform", "code", "sub_code"], nulls_equal=True)
        .filter(pl.col("n") == 1)
        .to_dicts()
    )


def test_every_documented_code_is_decided_by_its_lookup() -> None:
    """Each KB row, sent as an event with its code (and sub code), comes back as its category
    with method ``kb`` and the source in the evidence; precedence rules may outrank it."""
    rows = _lookup_rows()
    assert len(rows) >= 20
    events = [
        {
            "message": "x" if r["code"] is None else f"failure {r['code']}",
            "platform": r["platform"],
            "error_code": r["code"],
            "sub_code": r["sub_code"],
        }
        for r in rows
    ]
    out = _decide(events)
    wrong = [
        (r["file"], r["line"], r["category"], got)
        for r, got, method, evidence in zip(
            rows, out["root_cause"], out["method"], out["evidence"], strict=True
        )
        if (method == "kb" and (got != r["category"] or r["source"] not in evidence))
        or (method != "kb" and not method.startswith("rule"))
    ]
    assert wrong == []
    assert (out["method"] == "kb").sum() >= len(rows) * 0.8


def test_sub_code_decides_the_envelope() -> None:
    """TOP envelope 15 says nothing; its sub code decides (labeling guide: envelopes)."""
    out = _decide(
        [
            {
                "message": "Remote service error",
                "platform": "taobao",
                "error_code": "15",
                "sub_code": "isv.missing-parameter",
            },
            {
                "message": "Remote service error",
                "platform": "taobao",
                "error_code": "15",
                "sub_code": "isv.invalid-parameter",
            },
        ]
    )
    assert out["root_cause"].to_list() == ["validation.missing_field", "validation.invalid_value"]
    assert out["rule_id"].to_list() == [
        "kb:taobao/15/isv.missing-parameter",
        "kb:taobao/15/isv.invalid-parameter",
    ]


def test_codes_written_in_the_message_are_looked_up() -> None:
    """Pasted errors carry their codes in the text, not in columns."""
    out = _decide(
        [
            {
                "message": '{"error_response":{"code":25,"msg":"Invalid signature"}}',
                "platform": "taobao",
            },
            {
                "message": "code=15 msg=Remote service error sub_code=isv.item-not-exist",
                "platform": "taobao",
            },
        ]
    )
    assert out["root_cause"].to_list() == ["auth.invalid_credentials", "data.sync_conflict"]
    assert (out["method"] == "kb").all()
    assert "open.taobao.com" in out["evidence"][0]


def test_face_verification_outranks_a_documented_parameter_code() -> None:
    out = _decide(
        [
            {"message": "Invalid Arguments", "platform": "taobao", "error_code": "491"},
            {"message": "Invalid Arguments", "platform": "taobao", "error_code": "41"},
        ]
    )
    assert out["root_cause"].to_list() == ["risk.face_verification", "validation.invalid_value"]
    assert out["method"].to_list() == ["rule", "kb"]


def test_a_code_documented_with_two_categories_is_not_a_lookup(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(
        ",".join(KB_COLUMNS) + "\n"
        "tiktok,36009004,,invalid timestamp,auth.invalid_credentials,doc\n"
        "tiktok,36009004,,invalid param,validation.invalid_value,doc\n"
        "tiktok,12052700,,token expired,auth.token_expired,doc\n",
        encoding="utf-8",
    )
    from opsrca.classify.kb import apply_kb

    keys = add_keys(
        pl.DataFrame(
            {
                "message": ["a", "b"],
                "platform": ["tiktok", "tiktok"],
                "error_code": ["36009004", "12052700"],
            }
        )
    )
    out = apply_kb(keys, folder=tmp_path)
    assert out["kb_label"].to_list() == [None, "auth.token_expired"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("taobao,1,,m,not.a.category,doc", "not a taxonomy id"),
        ("taobao,1,,m,unknown,", "source is empty"),
    ],
)
def test_bad_kb_rows_are_refused_with_their_line(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "bad.csv").write_text(",".join(KB_COLUMNS) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_kb(tmp_path)


def test_kb_header_is_checked(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("platform,code,message\nx,1,m\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected"):
        load_kb(tmp_path)


def test_kb_rows_become_training_rows() -> None:
    rows = kb_training_rows()
    assert rows.height == load_kb().filter(pl.col("message").is_not_null()).height > 0
    assert rows["source"].str.starts_with("kb:").all()
