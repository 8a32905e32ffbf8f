"""classify_frame / classify_db: output contract, join-back, bad input, precedence end to end."""

from __future__ import annotations

import polars as pl
import pytest

from opsrca import store
from opsrca.classify import classify_db, classify_frame
from opsrca.classify.hybrid import OUTPUT_COLUMNS
from opsrca.classify.persist import LoadedModel
from opsrca.errors import InputError


def test_output_columns_and_input_columns_kept(small_model: LoadedModel) -> None:
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3],
            "message": ["access_token expired", "qimen route error", "运费模板不存在"],
            "platform": ["tiktok", "qimen", "doudian"],
            "http_status": [401, None, None],
        }
    )
    out = classify_frame(frame, model=small_model)
    assert out.columns == [*frame.columns, *OUTPUT_COLUMNS]
    assert out["id"].to_list() == [1, 2, 3]
    assert out["root_cause"].to_list() == [
        "auth.token_expired",
        "integration.route_unreachable",
        "config.base_setup_missing",
    ]
    assert set(out["method"]) <= {"rule", "rule+model"}
    assert out["fix_zh"].null_count() == 0 and out["fix_en"].null_count() == 0
    assert out["retryable"].to_list() == [False, True, False]


def test_join_back_keeps_order_and_duplicates(small_model: LoadedModel) -> None:
    messages = ["库存为0", "签名错误", "库存为7", None, "签名错误"] * 40
    out = classify_frame(pl.DataFrame({"message": messages}), model=small_model)
    assert out.height == len(messages)
    assert out["message"].to_list() == messages
    expected = {"库存为0": "inventory.stock_unavailable", "签名错误": "auth.invalid_credentials"}
    for msg, cause in zip(out["message"], out["root_cause"], strict=True):
        if msg in expected:
            assert cause == expected[msg]
    assert out["template"].n_unique() == 3  # 库存为<NUM>, 签名错误, ""


@pytest.mark.parametrize(
    "message",
    [
        "",
        None,
        "\x00\x01\x02\x03\x04\x05\ufffd\ufffd",
        "12345 67890",
        "x" * 1_000_000 + " 令牌过期",
    ],
    ids=["empty", "null", "binary", "digits-only", "1MB"],
)
def test_bad_messages_never_crash(small_model: LoadedModel, message: str | None) -> None:
    out = classify_frame(
        pl.DataFrame({"message": [message]}, schema={"message": pl.String}), model=small_model
    )
    assert out["root_cause"][0] == "unknown"
    assert out["confidence"][0] < 0.5


def test_non_text_message_column(small_model: LoadedModel) -> None:
    out = classify_frame(pl.DataFrame({"message": [1, 2, None]}), model=small_model)
    assert out["root_cause"].to_list() == ["unknown"] * 3
    assert set(out["method"]) == {"none"}


def test_gibberish_is_unknown_whatever_threshold_training_picked(
    small_model: LoadedModel,
) -> None:
    """Words the model never saw leave only its class priors: that is no evidence, so the
    answer is unknown with no runner-up, even at a threshold of 0 (the frequent-class guess
    used to win whenever training chose a low threshold)."""
    msgs = pl.DataFrame({"message": ["zxqv plorbitz wubble"]})
    for threshold in (None, 0.0):
        out = classify_frame(msgs, model=small_model, threshold=threshold)
        assert out["root_cause"][0] == "unknown"
        assert out["confidence"][0] == 0.0
        assert out["root_cause_2"][0] is None
        assert "knows none of its words" in out["evidence"][0]


def test_a_message_with_known_words_below_threshold_keeps_its_best_guess(
    small_model: LoadedModel,
) -> None:
    out = classify_frame(
        pl.DataFrame({"message": ["zxqv plorbitz wubble token"]}), model=small_model, threshold=1.0
    )
    assert out["root_cause"][0] == "unknown"
    assert out["evidence"][0].startswith("below threshold")
    assert out["root_cause_2"][0] is not None


def test_face_verification_outranks_parameter_error_end_to_end(small_model: LoadedModel) -> None:
    frame = pl.DataFrame(
        {
            "message": [
                '{"code":491,"message":"需要店铺主账号人脸核验后,才能继续操作; Invalid arguments: price"}'
            ],
            "error_code": ["491"],
        }
    )
    out = classify_frame(frame, model=small_model)
    assert out["root_cause"][0] == "risk.face_verification"
    assert out["rule_id"][0] in {"face_verification_code", "face_verification_text"}


def test_429_precedence_end_to_end(small_model: LoadedModel) -> None:
    frame = pl.DataFrame(
        {
            "message": [
                "Too Many Requests",
                "Too Many Requests: IP 1.2.3.4 not in whitelist",
                "429: access_token expired",
            ],
            "http_status": [429, 429, 429],
            "rate_limit_remaining": [0, 31, 31],
        }
    )
    out = classify_frame(frame, model=small_model)
    assert out["root_cause"].to_list() == [
        "access.rate_limited",
        "access.ip_restricted",
        "auth.token_expired",
    ]
    assert out["rule_id"][0] == "rate_limit_header_zero"


def test_threshold_override(small_model: LoadedModel) -> None:
    frame = pl.DataFrame({"message": ["zxqv plorbitz wubble token"]})
    out = classify_frame(frame, model=small_model, threshold=0.0)
    assert out["root_cause"][0] != "unknown"
    assert out["method"][0] == "model"
    assert out["evidence"][0].startswith("terms: ")
    with pytest.raises(InputError, match="threshold"):
        classify_frame(frame, model=small_model, threshold=2.0)


def test_missing_message_column_is_an_input_error(small_model: LoadedModel) -> None:
    with pytest.raises(InputError, match=r"no 'message' column.*\['msg'\]"):
        classify_frame(pl.DataFrame({"msg": ["x"]}), model=small_model)


def test_classify_db(small_model_dir: object) -> None:
    con = store.connect(":memory:")
    events = pl.DataFrame(
        {
            "event_id": ["e1", "e2", "e3", "e4"],
            "platform": ["tiktok", "qimen", "taobao", "tiktok"],
            "http_status": [401, None, None, 200],
            "error_code": [None, None, "491", "0"],
            "message": ["access_token expired", "仓库代码OTHER不存在", "需要人脸核验", "success"],
            "is_error": [True, True, True, False],
        }
    )
    store.append(con, "events", events)
    counts = classify_db(con, model_dir=small_model_dir)  # type: ignore[arg-type]
    assert counts["events"].sum() == 3
    stored = store.table(con, "classifications").sort("event_id")
    assert stored["event_id"].to_list() == ["e1", "e2", "e3"]
    assert stored["root_cause"].to_list() == [
        "auth.token_expired",
        "config.base_setup_missing",
        "risk.face_verification",
    ]
    assert stored["model_version"].null_count() == 0
    classify_db(con, model_dir=small_model_dir)  # type: ignore[arg-type]  # re-run replaces
    assert store.table(con, "classifications").height == 3
