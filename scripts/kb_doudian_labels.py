"""Re-derive the Doudian rows of ``src/opsrca/data/kb/doudian.csv`` from a checkout of sevencat/ecommerce_sdk.

That SDK is generated from the Doudian open-platform API pages; every request class carries the page's
documented return codes as ``[DouyinRetCode(code, msg, sub_msg, sub_code, hint)]`` attributes. The
category is assigned by the ordered keyword rules below (first match wins), written from
``shared/spec/labeling-guide.md`` and spot-checked on random samples; rows no rule matches are left out
rather than guessed. Run it when the SDK is refreshed and review the diff before committing:

    python scripts/kb_doudian_labels.py PATH/TO/ecommerce_sdk > /tmp/doudian_sdk_rows.csv
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

SOURCE_PREFIX = "sevencat/ecommerce_sdk:ecommerce_sdk/douyin/"
RET_CODE = re.compile(
    r'DouyinRetCode\((-?\d+),"((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)"\)'
)
# (category, pattern) in priority order; applied to sub_msg (or msg when sub_msg is empty).
RULES: list[tuple[str, str]] = [
    ("risk.face_verification", r"人脸"),
    ("access.rate_limited", r"限流|频繁|频率|太快|QPS|qps"),
    (
        "policy.prohibited_content",
        r"违禁|敏感词|极限词|违规词|广告法|违禁词|禁售|涉嫌违规|内容违规",
    ),
    ("risk.duplicate_listing", r"重复铺货|同质|重复发布|相同商品|重复商品|商品重复"),
    (
        "platform.server_error",
        r"服务错误|获取.{0,10}失败|查询.{0,10}失败|服务异常|系统异常|系统繁忙|系统错误",
    ),
    (
        "unknown",
        r"业务处理错误|请联系客服$|^(-?\d+:)?未知错误$",
    ),  # guide: vague codes with no cause
    ("account.restricted", r"商户状态|店铺状态|参加活动|活动中|(关闭|未开通).{0,6}服务"),
    ("data.sync_conflict", r"已被修改|刷新后"),
    (
        "auth.authorization_revoked",
        r"授权.{0,6}(过期|失效|取消|关闭|解除)|重新授权|未授权.{0,4}店铺|店铺.{0,4}未授权",
    ),
    ("auth.token_expired", r"access_token|token|令牌"),
    ("media.image_invalid", r"图片|视频|主图|像素|水印|详情图|白底图"),
    (
        "account.restricted",
        r"资质|保证金|冻结|封禁|处罚|限制发品|被禁用|白名单|店铺.{0,8}(关闭|状态异常|已停业|未开通|不可用|清退)"
        r"|商家.{0,6}(未开通|未签约|未入驻)|未开通|未签约|风控|黑名单|违规",
    ),
    ("catalog.category_invalid", r"类目"),
    ("auth.insufficient_permission", r"无权限|没有权限|权限不足|无权|没有.{0,6}权限|未授权"),
    ("inventory.stock_unavailable", r"库存不足|库存为0|已下架|已删除|下架|售罄|无库存"),
    (
        "platform.server_error",
        r"系统(异常|繁忙|错误|开小差)|服务(异常|繁忙|不可用)|超时|网络(错误|异常)|内部错误|稍后重试|未知异常",
    ),
    ("validation.missing_field", r"不能为空|必填|缺少|为空|必传|不可为空|未填写|未传"),
    (
        "data.sync_conflict",
        r"已存在|已经存在|重复|已发货|状态不(正确|允许|支持|对|符合)|状态异常|不存在|未找到|找不到|查询不到|不匹配"
        r"|不属于|已取消|已关闭|已完成|已处理",
    ),
    (
        "validation.invalid_value",
        r"格式|不合法|非法|错误|超过|超出|长度|必须|不能|不支持|无效|有误|不正确|校验失败|参数",
    ),
]
# Top-level codes whose meaning does not depend on the sub message.
BY_CODE = {
    "20000": "platform.server_error",
    "20001": "platform.server_error",
    "60000": "access.rate_limited",
    "80000": "account.restricted",
    "40002": "validation.missing_field",
}


def label(code: str, msg: str, sub_msg: str) -> str | None:
    """Category of one documented return code, or None when no rule is confident."""
    if code in BY_CODE:
        return BY_CODE[code]
    if code == "10001":  # "请求部分失败": partial success, no single cause
        return None
    text = sub_msg or msg
    for category, pattern in RULES:
        if re.search(pattern, text):
            # 40004 is the parameter-invalid envelope: a retry hint in its text does not make it a server fault.
            if code == "40004" and category == "platform.server_error":
                return "validation.invalid_value"
            return category
    return "validation.invalid_value" if code == "40004" else None


def rows(checkout: Path) -> list[list[str]]:
    """KB rows (platform, code, sub_code, message, category, source), first occurrence per key."""
    seen: dict[tuple[str, str, str], list[str]] = {}
    for path in sorted((checkout / "ecommerce_sdk" / "douyin").glob("*.cs")):
        for code, msg, sub_msg, sub_code, _hint in RET_CODE.findall(
            path.read_text(encoding="utf-8")
        ):
            message = (sub_msg or msg).strip()
            category = label(code, msg, sub_msg) if code != "10000" else None
            if category is None or not message:
                continue
            key = (code, sub_code, message)
            seen.setdefault(
                key, ["doudian", code, sub_code, message, category, SOURCE_PREFIX + path.name]
            )
    return list(seen.values())


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not Path(argv[1]).is_dir():
        print(__doc__, file=sys.stderr)
        return 2
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["platform", "code", "sub_code", "message", "category", "source"])
    writer.writerows(rows(Path(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
