"""The cold start: keywords per subclass, for a street with no closed cases to learn from yet.

Streets edit the keywords in the admin (CategoryKeywords). The first time suggestions are asked for
and no keywords exist at all, the defaults below are written for the subclasses whose names they
know (the demo's GB/T 30428.2 subclasses and community affairs); a street that clears every row gets
them back on the next first use, one that edits them keeps its own."""

from django.db import IntegrityError, transaction

from huizhi.cases.models import Category
from huizhi.intake.models import CategoryKeywords
from huizhi.intake.textmodel import normalise

TITLE_WEIGHT = 2  # a keyword in the title counts twice: that is where the problem is named

DEFAULTS: dict[str, str] = {
    "暴露垃圾": "垃圾 垃圾堆 乱扔垃圾 垃圾没人清 垃圾满了 臭 苍蝇 生活垃圾",
    "积存垃圾渣土": "渣土 建筑垃圾 装修垃圾 积存 堆积 沙土 碎砖",
    "道路不洁": "路面脏 不干净 油污 泥土 清扫 落叶 污渍 路面",
    "违法小广告": "小广告 牛皮癣 张贴 喷涂 办证 传单 电线杆",
    "违规户外广告": "广告牌 招牌 横幅 灯箱 户外广告 广告",
    "施工扰民": "施工 噪音 夜间施工 扰民 打桩 电钻 装修噪音 吵",
    "工地扬尘": "扬尘 灰尘 粉尘 工地 防尘网 尘土",
    "占道经营": "占道 摆摊 流动摊贩 小贩 夜市 地摊 出摊",
    "乱堆物堆料": "乱堆 堆放 杂物 堆物 堆料 占用楼道",
    "机动车乱停放": "乱停 违停 停车 占道停车 堵路 挡路 车辆",
    "路面塌陷": "塌陷 坑 下沉 陷 路面坍塌 大坑",
    "自来水管破裂": "水管破裂 爆管 漏水 跑水 水管 冒水",
    "污水井盖": "井盖 窨井 井盖缺失 井盖破损 井口",
    "路灯": "路灯 不亮 灯坏 灯杆 照明 黑",
    "消防设施": "消防 灭火器 消防栓 消火栓 消防通道 火灾",
    "护栏": "护栏 栏杆 隔离栏 围栏",
    "交通标志牌": "标志牌 指示牌 交通标志 路牌 标牌",
    "垃圾箱": "垃圾箱 垃圾桶 果皮箱 分类桶",
    "公共厕所": "厕所 公厕 卫生间 冲水",
    "行道树": "行道树 树木 倒伏 树枝 树倒了 枯树",
    "绿地": "绿地 草坪 绿化 花坛 毁绿 草地",
    "健身设施": "健身器材 健身设施 健身 运动器材 单杠",
    "监控设施": "监控 摄像头 探头 监控坏",
    "居家养老服务": "老人 养老 助餐 上门服务 独居 居家养老 护理 高龄",
    "托育服务": "托育 托儿所 幼儿 婴幼儿 看孩子 托管",
    "邻里纠纷": "邻居 纠纷 吵架 矛盾 邻里 漏水到楼下 调解",
    "物业管理": "物业 物业费 保安 门禁 电梯 物业公司",
    "下水管道堵塞": "下水 堵塞 下水道 污水 外溢 反水 管道堵 化粪池 返臭",
    "楼道照明": "楼道灯 楼道照明 声控灯 楼梯灯 楼道黑",
}


def ensure_defaults() -> int:
    """Write the default keywords if the street has none at all; how many rows were written."""
    if CategoryKeywords.objects.exists():
        return 0
    subclasses = Category.objects.filter(parent__isnull=False, name__in=list(DEFAULTS))
    rows = [CategoryKeywords(category=c, keywords=DEFAULTS[c.name]) for c in subclasses]
    try:
        with transaction.atomic():
            CategoryKeywords.objects.bulk_create(rows, ignore_conflicts=True)
    except IntegrityError:  # another process seeded them first
        return 0
    return len(rows)


def words_by_category(subclasses: list[Category]) -> dict[int, frozenset[str]]:
    """Each subclass's keywords, its own name among them (normalised), by category id."""
    stored = {k.category_id: k.words() for k in CategoryKeywords.objects.filter(category__in=subclasses)}
    return {c.pk: frozenset(w for w in [*stored.get(c.pk, []), normalise(c.name)] if w) for c in subclasses}


def keyword_scores(
    title: str, text: str, subclasses: list[Category], words: dict[int, frozenset[str]]
) -> list[tuple[Category, float]]:
    """(subclass, share of the keyword score) for subclasses with any of their `words` in the
    text (words_by_category), best first."""
    title_n, text_n = normalise(title), normalise(text)
    scored = []
    for category in subclasses:
        # Longer keywords are more telling: "下水道" says more than "水".
        score = sum(
            len(w) * (TITLE_WEIGHT * (w in title_n) + (w in text_n)) for w in words.get(category.pk, ())
        )
        if score:
            scored.append((category, float(score)))
    total = sum(score for _c, score in scored)
    scored.sort(key=lambda pair: (-pair[1], pair[0].code))
    return [(category, score / total) for category, score in scored]
