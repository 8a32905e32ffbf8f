"""Deterministic sample inputs for the listing checks, with planted findings.

``write_listing_samples`` writes the files a new user runs the checks on (each check
fires); ``make_listings`` makes a large one-account catalogue for the benchmark.
Titles are built from category vocabularies like real Douyin/Taobao listings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

_BRANDS = [
    "南极人",
    "恒源祥",
    "小米有品",
    "苏泊尔",
    "三只松鼠",
    "完美日记",
    "百草味",
    "良品铺子",
    "美的",
    "九阳",
    "回力",
    "李宁",
    "安踏",
    "蕉内",
    "猫人",
    "网易严选",
    "花西子",
    "半亩花田",
]
_CATEGORIES: dict[str, dict[str, list[str]]] = {
    "apparel": {
        "noun": [
            "短袖T恤",
            "连衣裙",
            "卫衣",
            "牛仔裤",
            "羽绒服",
            "衬衫",
            "休闲裤",
            "针织开衫",
            "运动套装",
        ],
        "attr": [
            "纯棉",
            "宽松",
            "修身",
            "oversize",
            "冰丝",
            "加绒加厚",
            "高腰",
            "韩版",
            "复古",
            "百搭",
            "显瘦",
            "透气",
            "垂感",
            "学院风",
            "法式",
            "港风",
            "情侣款",
            "大码",
        ],
        "who": ["女士", "男士", "学生", "中老年", "儿童", "情侣"],
        "season": ["夏季", "春秋", "冬季", "2024新款", "秋冬", "四季"],
    },
    "kitchen": {
        "noun": [
            "电饭煲",
            "不粘锅",
            "保温杯",
            "破壁机",
            "空气炸锅",
            "电水壶",
            "炒锅",
            "榨汁杯",
            "蒸锅",
        ],
        "attr": [
            "家用",
            "大容量",
            "多功能",
            "智能预约",
            "304不锈钢",
            "麦饭石",
            "迷你",
            "无涂层",
            "316医用级",
            "便携",
            "静音",
            "一键清洗",
            "可视",
            "防烫",
            "轻量化",
            "少油",
        ],
        "who": ["家用", "宿舍", "办公室", "母婴", "户外", "厨房"],
        "season": ["新款", "升级款", "旗舰款", "2024款", "经典款", "热销款"],
    },
    "snacks": {
        "noun": [
            "每日坚果",
            "牛肉干",
            "芒果干",
            "辣条",
            "手撕面包",
            "海苔脆",
            "魔芋爽",
            "猪肉脯",
            "夏威夷果",
        ],
        "attr": [
            "混合装",
            "独立小包装",
            "原味",
            "香辣味",
            "低脂",
            "无添加蔗糖",
            "整箱",
            "网红",
            "休闲零食",
            "办公室",
            "解馋",
            "营养早餐",
            "孕妇可食",
            "追剧",
            "散装",
            "礼盒",
        ],
        "who": ["500g", "1kg", "30包", "250g*2袋", "礼盒装", "家庭装"],
        "season": ["新货", "年货", "当季", "2024新货", "整箱", "囤货"],
    },
    "beauty": {
        "noun": [
            "口红",
            "粉底液",
            "面膜",
            "洗面奶",
            "防晒霜",
            "精华液",
            "眼影盘",
            "卸妆水",
            "身体乳",
        ],
        "attr": [
            "保湿",
            "补水",
            "控油",
            "持久不脱妆",
            "哑光",
            "滋润",
            "美白",
            "敏感肌",
            "温和",
            "清爽",
            "提亮",
            "遮瑕",
            "修护",
            "氨基酸",
            "烟酰胺",
            "玻尿酸",
        ],
        "who": ["女士", "男士", "学生党", "孕妇", "油皮", "干皮"],
        "season": ["新品", "正品", "官方", "2024新款", "限定款", "经典款"],
    },
}
_POINTS = [
    "顺丰包邮",
    "7天无理由退换",
    "买一送一",
    "现货速发",
    "官方正品",
    "假一赔十",
    "48小时发货",
    "运费险",
    "品质保障",
    "厂家直销",
    "支持验货",
    "赠送小样",
    "限量发售",
    "老客回购",
    "好评如潮",
    "工厂源头",
    "品牌授权",
    "售后无忧",
    "极速退款",
    "精选好物",
]
_POINT_DETAIL = [
    "面料亲肤不起球",
    "一键操作好上手",
    "口感香脆不腻",
    "质地轻薄易推开",
    "做工精细",
    "大容量一家人够用",
    "每日现做新鲜",
    "敏感肌可用",
    "不掉色不变形",
    "节能省电",
    "独立包装方便携带",
    "成分安全温和",
    "多色可选",
    "送礼自用皆宜",
    "机洗不缩水",
]
_COLOURS = ["白色", "黑色", "红色", "蓝色", "灰色", "粉色", "卡其色", "藏青色"]
_SIZES = ["S码", "M码", "L码", "XL", "XXL", "均码"]
_EMOJI = ["🔥", "✨", "💥", "❤️", "👍", "🎁"]


def _pick(rng: np.random.Generator, words: list[str], n: int) -> np.ndarray:
    return np.asarray(words, dtype=object)[rng.integers(0, len(words), n)]


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    """Selling points: two (point, detail) phrases per listing."""
    return (
        _pick(rng, _POINTS, n)
        + " "
        + _pick(rng, _POINT_DETAIL, n)
        + " "
        + _pick(rng, _POINTS, n)
        + " "
        + _pick(rng, _POINT_DETAIL, n)
    )


def _titles(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Titles and selling points of ``n`` distinct-looking listings (vectorized per category)."""
    cats = list(_CATEGORIES)
    which = rng.integers(0, len(cats), n)
    titles = np.empty(n, dtype=object)
    for k, cat in enumerate(cats):
        idx = np.flatnonzero(which == k)
        if idx.size == 0:
            continue
        voc = _CATEGORIES[cat]
        m = idx.size
        parts = [
            _pick(rng, _BRANDS, m),
            _pick(rng, voc["season"], m),
            _pick(rng, voc["who"], m),
            _pick(rng, voc["attr"], m),
            _pick(rng, voc["attr"], m),
            _pick(rng, voc["attr"], m),
            _pick(rng, voc["noun"], m),
        ]
        sep = np.where(rng.random(m) < 0.5, " ", "")
        titles[idx] = (
            parts[0] + parts[1] + sep + parts[2] + parts[3] + sep + parts[4] + parts[5] + parts[6]
        )
    points = _points(rng, n)
    return titles, points


def _dense_titles(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A mass-listed catalogue: one category, four brands, eight attributes, few selling points.

    Most titles share most of their characters (151k of 1.25 billion pairs above 65 % at
    50,000 listings, as in the dense account a review measured): MinHash banding stops pruning.
    """
    voc = _CATEGORIES["apparel"]
    attrs = voc["attr"][:8]
    titles = (
        _pick(rng, _BRANDS[:4], n)
        + _pick(rng, voc["season"], n)
        + _pick(rng, voc["who"], n)
        + _pick(rng, attrs, n)
        + _pick(rng, attrs, n)
        + _pick(rng, attrs, n)
        + _pick(rng, voc["noun"], n)
    )
    points = _points(rng, n)
    return titles, points


def _perturb(rng: np.random.Generator, texts: np.ndarray) -> np.ndarray:
    """Near-duplicate copies: emoji, full-width digits, brackets, one word dropped or moved."""
    out = texts.copy()
    mode = rng.integers(0, 4, texts.size)
    emoji = _pick(rng, _EMOJI, texts.size)
    for m, fn in enumerate(
        (
            lambda t, e: e + t + e,
            lambda t, e: (
                "【热卖】" + t.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            ),
            lambda t, e: t[: len(t) // 2] + t[len(t) // 2 + 2 :] + " 包邮",
            lambda t, e: t[len(t) // 3 :] + " " + t[: len(t) // 3],
        )
    ):
        idx = np.flatnonzero(mode == m)
        out[idx] = [fn(t, e) for t, e in zip(texts[idx], emoji[idx], strict=True)]
    return out


def make_listings(
    n: int,
    *,
    seed: int = 7,
    account_id: str = "ACC-001",
    shops: int = 4,
    dup_rate: float = 0.05,
    dense: bool = False,
) -> pl.DataFrame:
    """A one-account catalogue of ``n`` listings, ``dup_rate`` of them near-copies of others.

    ``dense`` draws titles from a small shared vocabulary (a mass-listed catalogue).
    """
    rng = np.random.default_rng(seed)
    titles, points = (_dense_titles if dense else _titles)(rng, n)
    n_dup = int(n * dup_rate)
    src = rng.choice(n - n_dup, n_dup, replace=False) if n_dup else np.empty(0, dtype=np.int64)
    titles[n - n_dup :] = _perturb(rng, titles[src])
    points[n - n_dup :] = _perturb(rng, points[src])
    return pl.DataFrame(
        {
            "account_id": [account_id] * n,
            "shop_id": [f"SHOP-{i + 1:02d}" for i in rng.integers(0, shops, n)],
            "item_id": [f"{3_600_000_000 + i}" for i in range(n)],
            "title": titles.tolist(),
            "selling_points": points.tolist(),
            "status": np.where(rng.random(n) < 0.8, "listed", "pending").tolist(),
            "main_image": [f"https://img.example.com/{seed}/{i:07d}.jpg" for i in range(n)],
        }
    )


def _sample_listings(rng: np.random.Generator, seed: int) -> pl.DataFrame:
    """Two accounts; planted near-copies, reworded copies and SKU-only-difference pairs."""
    base = pl.concat(
        [
            make_listings(120, seed=seed, account_id="百应-A01", shops=3, dup_rate=0.08),
            make_listings(
                60, seed=seed + 1, account_id="百应-B02", shops=2, dup_rate=0.05
            ).with_columns(pl.col("item_id").str.replace("^36", "37")),
        ]
    )
    reworded = [  # same product, phrases reordered and reworded (reworded copies)
        (
            "南极人夏季纯棉短袖T恤女宽松百搭显瘦上衣",
            "宽松百搭显瘦上衣 南极人纯棉短袖T恤女 夏季",
            "SHOP-01",
            "SHOP-02",
        ),
        (
            "苏泊尔电饭煲家用4L智能预约大容量多功能",
            "苏泊尔 智能预约 多功能电饭煲 4L大容量家用",
            "SHOP-02",
            "SHOP-03",
        ),
        (
            "三只松鼠每日坚果混合装30包独立小包装",
            "【每日坚果】三只松鼠 30包混合装 独立小包装🔥",
            "SHOP-01",
            "SHOP-03",
        ),
    ]
    sku = [  # only colour/size differ, same main image
        (
            "蕉内 男士冰丝短袖T恤 白色 M码",
            "蕉内 男士冰丝短袖T恤 黑色 L码",
            "https://img.example.com/sku/jiaonei-tee.jpg",
        ),
        (
            "回力 帆布鞋 低帮 白色 均码",
            "回力 帆布鞋 低帮 红色 均码",
            "https://img.example.com/sku/warrior-canvas.jpg",
        ),
    ]
    triple = [  # one listing copied to two more shops with small edits: a cluster of three
        ("完美日记丝绒哑光口红 持久不脱色 显白小金管", "SHOP-01"),
        ("完美日记 丝绒哑光口红✨持久不脱色显白 小金管 包邮", "SHOP-02"),
        ("【新品】完美日记丝绒哑光口红 持久不脱色 显白", "SHOP-03"),
    ]
    stems = [  # same stem, different product: must NOT be flagged
        ("苏泊尔 家用 多功能 电压力锅 5L 智能预约", "双圈密封 开盖煮 24小时预约"),
        ("苏泊尔 家用 多功能 电蒸锅 三层 大容量", "蒸汽速热 防干烧 透明视窗"),
    ]
    extra: list[dict[str, str]] = []
    for k, (t, shop) in enumerate(triple):
        extra.append(
            {
                "account_id": "百应-A01",
                "shop_id": shop,
                "item_id": f"392000{k}",
                "title": t,
                "selling_points": "滋润不拔干 送女友 官方正品",
                "status": "listed",
                "main_image": f"https://img.example.com/tri/{k}.jpg",
            }
        )
    for k, (t, sp) in enumerate(stems):
        extra.append(
            {
                "account_id": "百应-A01",
                "shop_id": "SHOP-01",
                "item_id": f"393000{k}",
                "title": t,
                "selling_points": sp,
                "status": "listed",
                "main_image": f"https://img.example.com/stem/{k}.jpg",
            }
        )
    points = "顺丰包邮 7天无理由退换 品质保障 现货速发"
    for k, (a, b, sa, sb) in enumerate(reworded):
        for t, shop, suf in ((a, sa, "a"), (b, sb, "b")):
            extra.append(
                {
                    "account_id": "百应-A01",
                    "shop_id": shop,
                    "item_id": f"39000{k}{suf}",
                    "title": t,
                    "selling_points": points,
                    "status": "listed",
                    "main_image": f"https://img.example.com/rw/{k}{suf}.jpg",
                }
            )
    for k, (a, b, img) in enumerate(sku):
        for t, suf in ((a, "a"), (b, "b")):
            extra.append(
                {
                    "account_id": "百应-A01",
                    "shop_id": "SHOP-02",
                    "item_id": f"39100{k}{suf}",
                    "title": t,
                    "selling_points": f"面料亲肤 多色可选 {suf}款",
                    "status": "pending",
                    "main_image": img,
                }
            )
    out = pl.concat([base, pl.DataFrame(extra)])
    return out.rename(
        {
            "account_id": "账户",
            "shop_id": "店铺",
            "item_id": "商品ID",
            "title": "标题",
            "selling_points": "卖点",
            "status": "状态",
            "main_image": "主图",
        }
    )


_REGIONS = ["广东", "浙江", "江苏", "山东", "河南", "四川", "湖北", "福建", "上海", "北京"]
_AGES = ["18-23", "24-30", "31-40", "41-50", "50+"]


def _sample_profiles(rng: np.random.Generator) -> pl.DataFrame:
    """Shops with a planted triple (S1,S2,S3), a chain (S4~S5~S6, S4 !~ S6) and bad totals."""
    base_r = rng.dirichlet(np.ones(len(_REGIONS)) * 2) * 100
    base_a = rng.dirichlet(np.ones(len(_AGES)) * 2) * 100

    def near(v: np.ndarray, eps: float) -> np.ndarray:
        w = np.clip(v + rng.normal(0, eps, v.size), 0.1, None)
        return w / w.sum() * 100

    def shift(
        v: np.ndarray, k: float
    ) -> np.ndarray:  # move k percent points from first half to second
        w = v.copy()
        h = v.size // 2
        w[:h] *= 1 - k / w[:h].sum()
        w[h:] += k / (v.size - h)
        return w

    chain_r = rng.dirichlet(np.ones(len(_REGIONS)) * 20) * 100
    chain_a = rng.dirichlet(np.ones(len(_AGES)) * 20) * 100
    shops = {
        "S1": (near(base_r, 0.8), near(base_a, 0.8)),
        "S2": (near(base_r, 0.8), near(base_a, 0.8)),
        "S3": (near(base_r, 0.8), near(base_a, 0.8)),
        "S4": (shift(chain_r, -12), shift(chain_a, -12)),
        "S5": (chain_r, chain_a),
        "S6": (shift(chain_r, 12), shift(chain_a, 12)),
        "S7": (
            rng.dirichlet(np.ones(len(_REGIONS))) * 100,
            rng.dirichlet(np.ones(len(_AGES))) * 100,
        ),
    }
    rows: list[dict[str, str]] = []
    for shop, (reg, age) in shops.items():
        scale = 1.1 if shop == "S7" else 1.0  # S7's export sums to 110: renormalized with a warning
        for dim, buckets, vals in (("地域", _REGIONS, reg), ("年龄", _AGES, age)):
            rows += [
                {
                    "账户": "百应-A01",
                    "店铺": shop,
                    "维度": dim,
                    "分组": b,
                    "占比": f"{v * scale:.2f}",
                }
                for b, v in zip(buckets, vals, strict=True)
            ]
        g = rng.uniform(40, 60)
        rows += [
            {"账户": "百应-A01", "店铺": shop, "维度": "性别", "分组": b, "占比": f"{v:.2f}"}
            for b, v in (("女", g), ("男", 100 - g))
        ]
    return pl.DataFrame(rows)


def _sample_products(rng: np.random.Generator, n: int = 40) -> pl.DataFrame:
    """A clean ERP product export with violations of every lint rule planted."""
    titles, _ = _titles(rng, n)
    frame = pl.DataFrame(
        {
            "商品编码": [f"KD-{1000 + i}" for i in range(n)],
            "商品名称": titles.tolist(),
            "类目ID": rng.choice(["50010850", "50012027", "121454005", "50008165"], n).tolist(),
            "库存": rng.integers(5, 500, n).astype(str).tolist(),
            "上架状态": ["1"] * n,
            "主图宽": ["800"] * n,
            "主图高": ["800"] * n,
            "主图格式": ["jpg"] * n,
            "默认仓库编码": ["WH-HZ01"] * n,
            "运费模板": ["全国包邮"] * n,
            "售后地址": ["浙江省杭州市余杭区仓前街道1号"] * n,
        }
    )
    planted = {
        0: {"商品编码": ""},
        1: {"商品编码": "KD-1003"},
        2: {"商品编码": "KD 1002/白色，M"},
        4: {
            "商品名称": "南极人2024新款夏季纯棉短袖T恤女宽松百搭显瘦透气学生韩版上衣ins潮oversize大码情侣装冰丝垂感法式复古港风学院风"
        },
        5: {"商品名称": "限时抢购 全网最低价 顶级纯棉T恤 100%好评"},
        6: {"类目ID": "99999999"},
        7: {"主图宽": "640", "主图高": "640"},
        8: {"主图格式": "webp"},
        9: {"库存": "0"},
        10: {"库存": "-3"},
        11: {"上架状态": "false"},
        12: {"默认仓库编码": ""},
        13: {"运费模板": ""},
        14: {"售后地址": ""},
    }
    cols = {c: frame[c].to_list() for c in frame.columns}
    for row, changes in planted.items():
        for col, val in changes.items():
            cols[col][row] = val
    return pl.DataFrame(cols)


def write_listing_samples(out_dir: Path | str, *, seed: int = 7) -> list[Path]:
    """Write listings.csv, visitor_profiles.csv, products.csv, open_categories.txt (UTF-8 BOM)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    written: list[Path] = []
    for name, frame in (
        ("listings.csv", _sample_listings(rng, seed)),
        ("visitor_profiles.csv", _sample_profiles(rng)),
        ("products.csv", _sample_products(rng)),
    ):
        path = out / name
        frame.write_csv(path, include_bom=True)
        written.append(path)
    cats = out / "open_categories.txt"
    cats.write_text(
        "# 抖店当前开放类目ID (one id a line)\n50010850\n50012027\n121454005\n50008165\n",
        encoding="utf-8",
    )
    written.append(cats)
    return written
