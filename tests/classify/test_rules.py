"""Rules: each example decides its rule; each family pinned in Chinese and English; precedence."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opsrca.classify.hybrid import add_keys, decide
from opsrca.classify.keys import DECISION_KEYS
from opsrca.classify.rules import Rule, apply_rules, load_rules
from opsrca.errors import ConfigError

RULES = load_rules()


def _keys(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Decision keys of raw rows (message + optional fields), exactly as classify computes them."""
    cols = ["message", "platform", "http_status", "error_code", "sub_code", "rate_limit_remaining"]
    frame = pl.DataFrame(
        [{c: r.get(c) for c in cols} for r in rows],
        schema={
            "message": pl.String,
            "platform": pl.String,
            "http_status": pl.Int64,
            "error_code": pl.String,
            "sub_code": pl.String,
            "rate_limit_remaining": pl.Int64,
        },
    )
    return add_keys(frame).select(DECISION_KEYS)


def _rule_of(message: str, **fields: object) -> tuple[str | None, str | None]:
    out = apply_rules(_keys([{"message": message, **fields}]))
    return out["rule_id"][0], out["rule_label"][0]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_example_is_decided_by_that_rule(rule: Rule) -> None:
    rule_id, label = _rule_of(**rule.example)
    assert (rule_id, label) == (rule.id, rule.label)


FAMILIES: list[tuple[str, str, dict[str, object]]] = [
    # (message, expected label, fields) -- Chinese and English per family
    ("当日人脸核验次数达到上限,请明天再来", "risk.face_verification", {"error_code": "492"}),
    ("Shop owner face verification required before publishing", "risk.face_verification", {}),
    ('{"code":401,"message":"令牌已失效，请重新获取"}', "auth.token_expired", {}),
    ("Invalid access token: the token has expired", "auth.token_expired", {"http_status": 401}),
    ("店铺授权已过期,请到【平台授权】重新授权", "auth.authorization_revoked", {}),
    ("refresh_token is invalid, seller must re-authorize", "auth.authorization_revoked", {}),
    ("子账号未授权“同步商品至抖店”功能", "auth.insufficient_permission", {}),
    ("Insufficient isv permissions", "auth.insufficient_permission", {"error_code": "11"}),
    ("签名校验失败,请检查AppSecret", "auth.invalid_credentials", {}),
    ("sign check failure: Invalid signature", "auth.invalid_credentials", {}),
    ("沙箱环境令牌不可调用正式接口", "auth.environment_mismatch", {}),
    ("shop region does not match endpoint region_code=GB", "auth.environment_mismatch", {}),
    ("应用调用频率超限,请稍后重试", "access.rate_limited", {}),
    ("rate limit exceeded for /v3/product/import", "access.rate_limited", {"http_status": 429}),
    ("您的IP地址被封禁", "access.ip_restricted", {}),
    ("IP 10.1.2.3 is not in the whitelist", "access.ip_restricted", {"http_status": 403}),
    ("奇门路由失败: customerId 不存在", "integration.route_unreachable", {"platform": "qimen"}),
    ("java.net.SocketTimeoutException: Read timed out", "integration.route_unreachable", {}),
    ("系统繁忙,请稍后再试", "platform.server_error", {}),
    ("Internal Server Error", "platform.server_error", {"http_status": 500}),
    ("默认仓库编码未配置,仓库代码OTHER不存在", "config.base_setup_missing", {}),
    ("shipping template not found for warehouse WH-001", "config.base_setup_missing", {}),
    ("缺少必填参数: outer_id", "validation.missing_field", {}),
    ("Missing required arguments: title", "validation.missing_field", {"error_code": "40"}),
    ("商品编码 A 01/X 含非法字符", "validation.invalid_value", {}),
    ('price: must be a number, got "12,00"', "validation.invalid_value", {}),
    ("标题包含违禁词“最好”", "policy.prohibited_content", {}),
    ("title contains prohibited words", "policy.prohibited_content", {}),
    ("上游商品来源非法:来源不能是天猫", "policy.distribution_source", {"platform": "taobao"}),
    ("source platform not allowed: taobao", "policy.distribution_source", {}),
    ("类目未开通,请更换类目", "catalog.category_invalid", {}),
    ("category_id 601226 not found in current region", "catalog.category_invalid", {}),
    ("主图尺寸不符合要求", "media.image_invalid", {}),
    ("main image size must be at least 800x800", "media.image_invalid", {}),
    ("库存为0,跳过同步", "inventory.stock_unavailable", {}),
    ("item is offline, skip", "inventory.stock_unavailable", {}),
    ("数据不一致:ERP库存与平台库存不同", "data.sync_conflict", {}),
    ("version mismatch: expected 12 got 11", "data.sync_conflict", {"http_status": 409}),
    ("同质化商品,请勿重复铺货", "risk.duplicate_listing", {}),
    ("duplicate listing: similar product already exists", "risk.duplicate_listing", {}),
    ("店铺已被冻结,无法发布商品", "account.restricted", {}),
    ("seller is inactive", "account.restricted", {"platform": "ozon"}),
    ("请求体不是合法的JSON", "integration.api_misuse", {}),
    ("code=22 msg=Invalid method", "integration.api_misuse", {}),
    ("数据库连接池耗尽", "erp.internal_error", {}),
    ("java.lang.OutOfMemoryError: Java heap space", "erp.internal_error", {}),
    ("执行成功", "unknown", {}),
    ("The check failed.", "unknown", {}),
]


@pytest.mark.parametrize(
    ("message", "label", "fields"), FAMILIES, ids=[f[1] + ":" + f[0][:12] for f in FAMILIES]
)
def test_rule_family(message: str, label: str, fields: dict[str, object]) -> None:
    assert _rule_of(message, **fields)[1] == label


def test_every_label_with_rules_has_a_pinned_family() -> None:
    pinned = {label for _, label, _ in FAMILIES}
    assert {r.label for r in RULES} <= pinned


def test_face_verification_outranks_invalid_parameter_in_same_body() -> None:
    body = '{"code":491,"message":"Invalid arguments: cat_id 格式错误; 需要店铺主账号人脸核验后,才能继续操作"}'
    assert _rule_of(body)[1] == "risk.face_verification"
    assert _rule_of("Invalid arguments: cat_id", error_code="491")[1] == "risk.face_verification"
    assert _rule_of("Invalid arguments: cat_id")[1] == "validation.invalid_value"


@pytest.mark.parametrize(
    ("message", "remaining", "label"),
    [
        ("Too Many Requests", 0, "access.rate_limited"),  # quota header at 0
        ("Forbidden", 0, "access.rate_limited"),
        ("Too Many Requests: IP 47.96.12.8 not in whitelist", None, "access.ip_restricted"),
        ("Too Many Requests: access_token expired", None, "auth.token_expired"),
        ("Too Many Requests: access_token expired", 57, "auth.token_expired"),
        ("too many requests", None, "access.rate_limited"),  # the text says so
    ],
)
def test_429_precedence(message: str, remaining: int | None, label: str) -> None:
    assert _rule_of(message, http_status=429, rate_limit_remaining=remaining)[1] == label


@pytest.mark.parametrize("message", ["", "Error", "Too Many Requests", "request rejected"])
def test_bare_429_with_quota_left_is_not_a_rule(message: str) -> None:
    """Without quota 0 or IP/token/rate-limit evidence, a 429 is left to the model."""
    if message == "Too Many Requests":
        assert _rule_of(message, http_status=429, rate_limit_remaining=12) == (None, None)
    else:
        assert _rule_of(message, http_status=429) == (None, None)


def test_rules_only_decision_abstains_to_unknown() -> None:
    out = decide(_keys([{"message": "something odd happened"}]), None)
    assert out["root_cause"][0] == "unknown"
    assert out["method"][0] == "none"


def test_rules_sorted_by_priority() -> None:
    prios = [r.priority for r in RULES]
    assert prios == sorted(prios, reverse=True)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            '[[rule]]\nid="x"\nlabel="nope"\npriority=1\nreason="r"\nmessage="a"\nexample={message="a"}\n',
            "not a taxonomy id",
        ),
        (
            '[[rule]]\nid="x"\nlabel="unknown"\npriority=1\nreason="r"\nexample={message="a"}\n',
            "no condition",
        ),
        (
            '[[rule]]\nid="x"\nlabel="unknown"\npriority=1\nreason="r"\nmessage="a"\nfoo=1\nexample={message="a"}\n',
            "unknown fields",
        ),
        (
            '[[rule]]\nid="x"\nlabel="unknown"\npriority=1\nreason="r"\nmessage="a"\nrate_limit_remaining="< 3"\nexample={message="a"}\n',
            "rate_limit_remaining",
        ),
        ("[[rule]\n", "cannot read rules"),
        (
            '[[rule]]\nid="x"\nlabel="unknown"\npriority=1\nreason="r"\nmessage="a|{{nope}}"\nexample={message="a"}\n',
            "unknown fragment",
        ),
    ],
)
def test_bad_rules_file_is_a_config_error(tmp_path: Path, body: str, error: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_rules(path)


def test_a_fragment_is_one_wording_for_every_rule_that_names_it(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[fragments]\nabsent = "missing|required"\n'
        '[[rule]]\nid="a"\nlabel="validation.missing_field"\npriority=2\nreason="r"\n'
        'message="field x is ({{absent}})"\nexample={message="field x is required"}\n'
        '[[rule]]\nid="b"\nlabel="unknown"\npriority=1\nreason="r"\n'
        'message="field"\nnot_message="{{absent}}"\nexample={message="field x ok"}\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert [r.message for r in rules] == ["field x is (missing|required)", "field"]
    assert rules[1].not_message == "missing|required"


def test_http_error_false_leaves_an_error_status_to_tell(tmp_path: Path) -> None:
    """`http_error = false`: the rule holds only when the status is absent or below 400."""
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nid="vague"\nlabel="unknown"\npriority=1\nreason="r"\n'
        'message="^error$"\nhttp_error=false\nexample={message="error"}\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    keys = _keys([{"message": "error", "http_status": s} for s in (None, 200, 429, 500)])
    assert apply_rules(keys, rules)["rule_id"].to_list() == ["vague", "vague", None, None]
