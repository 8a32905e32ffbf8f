"""The knowledge base: every documented code decides like a rule, with its source as evidence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from opsrca.classify import kb as kb_module
from opsrca.classify.hybrid import add_keys, decide
from opsrca.classify.kb import KB_COLUMNS, code_decides, kb_training_rows, load_kb
from opsrca.errors import ConfigError

FIXTURE_KB = (
    ",".join(KB_COLUMNS) + "\n"
    "taobao,25,,Invalid Signature,auth.invalid_credentials,https://open.taobao.com/doc-25\n"
    "taobao,41,,Invalid Arguments,validation.invalid_value,https://open.taobao.com/doc-41\n"
    "taobao,15,isv.missing-parameter,Remote service error,validation.missing_field,doc-a\n"
    "taobao,15,isv.invalid-parameter,Remote service error,validation.invalid_value,doc-b\n"
    "taobao,,isv.item-not-exist,商品不存在,data.sync_conflict,doc-c\n"
    "taobao,15,,Remote service error,platform.server_error,doc-d\n"
)


@pytest.fixture
def fixture_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The decision reads a small knowledge base of known rows (the shipped one grows)."""
    (tmp_path / "fixture.csv").write_text(FIXTURE_KB, encoding="utf-8")
    monkeypatch.setattr(kb_module, "kb_dir", lambda: tmp_path)
    kb_module.load_kb.cache_clear()
    kb_module._lookups.cache_clear()
    yield tmp_path
    kb_module.load_kb.cache_clear()
    kb_module._lookups.cache_clear()


def _decide(rows: list[dict[str, object]]) -> pl.DataFrame:
    return decide(add_keys(pl.DataFrame(rows, infer_schema_length=None)), None)


def _lookup_rows() -> list[dict[str, object]]:
    """KB rows that a lookup can decide: the key a lookup uses (code and sub code; sub code
    alone; code alone) has one category in the KB. Each row carries every source of its key
    (the evidence names one of them)."""
    kb = load_kb()
    levels = [
        (pl.col("code").is_not_null() & pl.col("sub_code").is_not_null(), ["code", "sub_code"]),
        (pl.col("code").is_null() & pl.col("sub_code").is_not_null(), ["sub_code"]),
        (code_decides() & pl.col("sub_code").is_null(), ["code"]),
    ]
    out = []
    for rows_of_level, key in levels:
        universe = kb.filter(pl.col("sub_code").is_not_null()) if key == ["sub_code"] else kb
        counts = universe.group_by("platform", *key).agg(
            pl.col("category").n_unique().alias("n"), pl.col("source").unique().alias("sources")
        )
        rows = kb.filter(rows_of_level).join(counts, on=["platform", *key])
        out += rows.filter(pl.col("n") == 1).to_dicts()
    return out


def test_every_documented_code_is_decided_by_its_lookup() -> None:
    """Each KB row, sent as an event with its code (and sub code), comes back as its category
    with method ``kb`` and a source of that code in the evidence; only a rule may outrank it."""
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
        (r["file"], r["line"], r["category"], got, method)
        for r, got, method, evidence in zip(
            rows, out["root_cause"], out["method"], out["evidence"], strict=True
        )
        if (
            method == "kb"
            and (got != r["category"] or not any(s in evidence for s in r["sources"]))
        )
        or (method != "kb" and not method.startswith("rule"))
    ]
    assert wrong == []
    assert (out["method"] == "kb").sum() >= len(rows) * 0.8


def test_sub_code_decides_the_envelope(fixture_kb: Path) -> None:
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


def test_codes_written_in_the_message_are_looked_up(fixture_kb: Path) -> None:
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
    assert "open.taobao.com/doc-25" in out["evidence"][0]


def test_a_numeric_sub_code_in_the_message_keeps_the_envelope_from_deciding(
    fixture_kb: Path,
) -> None:
    """`"sub_code": "-4003"` masks to <NUM>, but it still says envelope 15 is not the error:
    no lookup by the bare envelope, so the sub message ('商品ID不合法') is left to the model."""
    out = _decide(
        [
            {
                "message": '{"code": 15, "msg": "Remote service error", "sub_code": "-4003", '
                '"sub_msg": "您输入的商品ID不合法"}',
                "platform": "taobao",
            },
            {"message": '{"code": 15, "msg": "Remote service error"}', "platform": "taobao"},
        ]
    )
    assert out["method"].to_list()[0] != "kb"
    assert out["root_cause"].to_list()[0] != "platform.server_error"
    assert out["rule_id"].to_list()[1] == "kb:taobao/15"


def test_face_verification_outranks_a_documented_parameter_code(fixture_kb: Path) -> None:
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


def test_codes_many_vendors_share_never_decide_alone(tmp_path: Path) -> None:
    """`other` gathers every ERP and SDK: its `400` (Python's HTTP table) or `-1` means nothing
    alone, and an HTTP status never decides on any platform but TOP, whose numbers are its own;
    a distinctive code still decides."""
    (tmp_path / "x.csv").write_text(
        ",".join(KB_COLUMNS) + "\n"
        "other,400,,Bad Request,validation.invalid_value,cpython\n"
        "other,-1,,系统繁忙,platform.server_error,wx\n"
        "other,40164,,invalid ip not in whitelist,access.ip_restricted,wx\n"
        "ozon,403,,Offer not signed,account.restricted,swagger\n"
        "taobao,25,,Invalid signature,auth.invalid_credentials,top\n",
        encoding="utf-8",
    )
    from opsrca.classify.kb import apply_kb

    codes = [
        ("other", "400"),
        ("other", "-1"),
        ("other", "40164"),
        ("ozon", "403"),
        ("taobao", "25"),
    ]
    keys = add_keys(
        pl.DataFrame(
            {
                "message": ["image download failed"] * len(codes),
                "platform": [p for p, _ in codes],
                "error_code": [c for _, c in codes],
            }
        )
    )
    out = apply_kb(keys, folder=tmp_path)
    assert out["kb_label"].to_list() == [
        None,
        None,
        "access.ip_restricted",
        None,
        "auth.invalid_credentials",
    ]


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


def test_a_shared_code_yields_to_a_sure_reading_of_another_vendors_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On `other` a code one vendor documents may be another's (Kuaishou's documented `300018`
    is a refund state; WeChat's `300018` is an image error): a sure model reading of the message
    outranks it, unless the event carries the documented message itself."""
    from opsrca.classify.hybrid import combine, verdicts

    (tmp_path / "x.csv").write_text(
        ",".join(KB_COLUMNS) + "\n"
        "other,300018,,REFUND ORDER STATUS NOT ALLOW,data.sync_conflict,kuaishou-doc\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(kb_module, "kb_dir", lambda: tmp_path)
    kb_module.load_kb.cache_clear()
    kb_module._lookups.cache_clear()
    try:
        keys = add_keys(
            pl.DataFrame(
                {
                    "message": [
                        '{"errmsg":"product image width or height more than 300px","errcode":300018}',
                        "refund 77: REFUND ORDER STATUS NOT ALLOW (300018)",
                    ],
                    "platform": ["other", "other"],
                    "error_code": ["300018", "300018"],
                }
            )
        )
        frame = verdicts(keys)
    finally:
        kb_module.load_kb.cache_clear()
        kb_module._lookups.cache_clear()
    assert frame["kb_label"].to_list() == ["data.sync_conflict"] * 2
    assert frame["kb_text_agrees"].to_list() == [False, True]
    sure = frame.with_columns(
        model_label=pl.lit("media.image_invalid"),
        model_confidence=pl.lit(0.9),
        model_label_2=pl.lit("validation.invalid_value"),
        model_confidence_2=pl.lit(0.05),
        model_terms=pl.lit("image"),
    )
    out = combine(sure, threshold=0.2)
    assert out["root_cause"].to_list() == ["media.image_invalid", "data.sync_conflict"]
    assert out["method"].to_list() == ["model", "kb"]
    overruled, kept = out["evidence"].to_list()
    assert "another vendor's code" in overruled and "kuaishou-doc" in overruled
    assert "another vendor" not in kept
