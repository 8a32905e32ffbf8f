"""One-off builder of tests/data/listings/labeled_pairs.csv (kept for provenance).

Run from the repository root: python tests/data/listings/build_labeled_pairs.py
"""

import csv
import random

random.seed(20261123)
P = [  # brand, phrases..., noun, selling points
    (
        "南极人",
        ["2024夏季新款", "纯棉", "宽松百搭"],
        "女士短袖T恤",
        ["亲肤透气", "不起球", "多色可选"],
    ),
    (
        "恒源祥",
        ["冬季加厚", "羊毛混纺", "中老年"],
        "男士毛衣",
        ["保暖不扎", "机洗不变形", "送爸爸"],
    ),
    (
        "苏泊尔",
        ["4L大容量", "智能预约", "家用多功能"],
        "电饭煲",
        ["球釜内胆", "24小时预约", "一键煮饭"],
    ),
    ("九阳", ["破壁免滤", "家用静音", "全自动"], "豆浆机", ["一键清洗", "细腻无渣", "12小时预约"]),
    (
        "三只松鼠",
        ["每日坚果", "混合装", "30包"],
        "坚果礼盒",
        ["独立小包装", "新鲜烘焙", "送礼佳品"],
    ),
    ("良品铺子", ["麻辣", "手撕", "内蒙古"], "风干牛肉干", ["高蛋白", "嚼劲十足", "追剧零食"]),
    ("完美日记", ["丝绒哑光", "持久不脱色", "显白"], "口红", ["滋润不拔干", "小金管", "送女友"]),
    (
        "花西子",
        ["控油遮瑕", "持久不脱妆", "油皮亲妈"],
        "粉底液",
        ["轻薄透气", "自然裸妆", "养肤成分"],
    ),
    ("美的", ["1.5匹", "新一级能效", "变频冷暖"], "挂式空调", ["静音节能", "自清洁", "智能wifi"]),
    ("小米", ["米家", "扫拖一体", "激光导航"], "扫地机器人", ["自动集尘", "APP远程", "长续航"]),
    ("回力", ["经典款", "低帮", "男女同款"], "帆布鞋", ["防滑耐磨", "百搭休闲", "学生必备"]),
    ("李宁", ["减震回弹", "透气网面", "男款"], "跑步鞋", ["轻便舒适", "专业跑鞋", "运动健身"]),
    ("安踏", ["速干", "冰丝", "男士运动"], "短裤", ["透气不闷", "夏季必备", "弹力腰头"]),
    ("蕉内", ["无痕", "凉感", "女士"], "内裤3条装", ["抗菌裆", "无标签", "亲肤舒适"]),
    ("网易严选", ["乳胶", "泰国进口", "护颈"], "枕头", ["慢回弹", "透气防螨", "单人枕芯"]),
    ("半亩花田", ["烟酰胺", "去鸡皮", "保湿"], "身体乳", ["清爽不黏腻", "淡香持久", "全身可用"]),
    ("百草味", ["芒果干", "泰国风味", "500g"], "果干蜜饯", ["酸甜软糯", "办公室零食", "整箱囤货"]),
    ("乐扣乐扣", ["316不锈钢", "大容量", "便携"], "保温杯", ["长效保温", "防漏设计", "户外运动"]),
    ("膳魔师", ["真空焖烧", "学生", "上班族"], "焖烧罐", ["保温12小时", "带勺", "易清洗"]),
    ("飞科", ["全身水洗", "智能", "男士"], "电动剃须刀", ["快充长续航", "干湿双剃", "送礼"]),
    ("格力", ["家用", "立式", "静音"], "电风扇", ["遥控定时", "大风量", "节能"]),
    ("公牛", ["USB", "多孔位", "家用"], "插线板", ["阻燃外壳", "儿童保护门", "1.8米线"]),
    ("得力", ["A4", "70g", "500张"], "复印纸", ["整箱5包", "办公用纸", "不卡纸"]),
    ("晨光", ["0.5mm", "按动", "黑色"], "中性笔", ["顺滑速干", "学生考试", "12支装"]),
    ("舒肤佳", ["纯白清香", "除菌", "家庭装"], "沐浴露", ["温和清洁", "泡沫丰富", "1L大瓶"]),
    ("维达", ["超韧", "3层", "100抽"], "抽纸", ["24包整箱", "柔软亲肤", "家用实惠"]),
    ("洁柔", ["face系列", "古龙香", "4层"], "卷纸", ["加厚", "不掉屑", "27卷"]),
    ("雅鹿", ["轻薄", "白鸭绒", "短款"], "羽绒服女", ["90绒", "可收纳", "冬季保暖"]),
    ("森马", ["潮牌", "oversize", "连帽"], "卫衣男", ["加绒加厚", "春秋外套", "情侣装"]),
    ("太平鸟", ["法式", "碎花", "收腰"], "连衣裙", ["雪纺面料", "显瘦", "度假风"]),
]
NOUN_SWAP = {  # same stem, different product (same brand+attrs, other noun)
    "女士短袖T恤": "女士睡衣套装",
    "男士毛衣": "男士围巾",
    "电饭煲": "电压力锅",
    "豆浆机": "榨汁机",
    "坚果礼盒": "瓜子礼盒",
    "风干牛肉干": "猪肉脯",
    "口红": "眼影盘",
    "粉底液": "散粉",
    "挂式空调": "空调扇",
    "扫地机器人": "洗地机",
    "帆布鞋": "拖鞋",
    "跑步鞋": "篮球鞋",
    "短裤": "T恤",
    "内裤3条装": "袜子5双装",
    "枕头": "床垫",
    "身体乳": "沐浴露",
    "果干蜜饯": "果冻布丁",
    "保温杯": "保温饭盒",
    "焖烧罐": "保温便当盒",
    "电动剃须刀": "电动牙刷",
    "电风扇": "取暖器",
    "插线板": "充电头",
    "复印纸": "笔记本",
    "中性笔": "铅笔",
    "沐浴露": "洗发水",
    "抽纸": "湿巾",
    "卷纸": "厨房纸",
    "羽绒服女": "羽绒马甲女",
    "卫衣男": "卫裤男",
    "连衣裙": "半身裙",
}
SYN = {
    "纯棉": "全棉",
    "宽松百搭": "百搭宽松",
    "大容量": "超大容量",
    "家用": "家庭用",
    "持久不脱妆": "持妆不脱",
    "便携": "随身便携",
    "保湿": "补水保湿",
    "男款": "男士",
    "女士": "女式",
    "静音": "低噪",
}
EMO = ["🔥", "✨", "💥", "❤️", "👍"]
FW = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
)


def title(b, ph, n, sep=" "):
    return sep.join([b, *ph, n])


def sp(pts):
    return " ".join(pts)


rows = []
for b, ph, n, pts in P:
    t, s = title(b, ph, n), sp(pts)
    # near duplicate
    v = random.choice(
        [
            lambda x: random.choice(EMO) + x + random.choice(EMO),
            lambda x: "【热卖】" + x.translate(FW),
            lambda x: x.replace(" ", "") + " 包邮",
            lambda x: x + "（现货）",
        ]
    )
    rows.append((t, s, v(t), "，".join(pts) + "！", 1, "near_duplicate"))
    # reworded copy: phrases shuffled, one synonym, points reordered
    ph2 = [SYN.get(p, p) for p in ph]
    random.shuffle(ph2)
    pts2 = pts[:]
    random.shuffle(pts2)
    rows.append((t, s, title(b, ph2, n), sp(pts2), 1, "reworded"))
    # same stem, different product
    pts3 = random.sample([q for _, _, _, qq in P for q in qq if q not in pts], 3)
    rows.append((t, s, title(b, ph, NOUN_SWAP[n]), sp(pts3), 0, "same_stem_different_product"))
    # same stem, different product, different spec phrase too
    ph4 = [*ph[:-1], random.choice([p for _, pp, _, _ in P for p in pp if p not in ph])]
    rows.append(
        (t, s, title(b, ph4, NOUN_SWAP[n]), sp(pts3[::-1]), 0, "same_stem_different_product")
    )
# unrelated pairs (same account, other products)
for _k in range(25):
    a, c = random.sample(P, 2)
    rows.append(
        (title(a[0], a[1], a[2]), sp(a[3]), title(c[0], c[1], c[2]), sp(c[3]), 0, "unrelated")
    )
with open("tests/data/listings/labeled_pairs.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(["title_a", "selling_points_a", "title_b", "selling_points_b", "label", "kind"])
    w.writerows(rows)
print(len(rows))
