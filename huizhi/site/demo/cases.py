"""Categories (GB/T 30428.2 classes plus community affairs), routing rules, and the article's drain
story as a finished case: reported, followed up by the discipline commissioner, fixed in about an hour."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from huizhi.accounts.models import User
from huizhi.cases.models import Case, CaseEvent, Category, RoutingRule, SupervisionNotice
from huizhi.cases.services import (
    case_rate,
    case_report,
    case_transition,
    supervision_notice_answer,
    supervision_notice_issue,
)
from huizhi.cases.states import CategoryKind, ClockUnit, Rating, Source
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place

E, C = CategoryKind.EVENT, CategoryKind.COMPONENT
NAT, WH, WD = ClockUnit.NATURAL_HOURS, ClockUnit.WORKING_HOURS, ClockUnit.WORKING_DAYS

# (class code, class name, kind, [(subclass name, accept, accept unit, handle, handle unit, closing condition)])
CATEGORIES = [
    (
        "01",
        "市容环境",
        E,
        [
            ("暴露垃圾", 1, WH, 1, WD, "垃圾清运完毕，现场无残留"),
            ("积存垃圾渣土", 1, WH, 2, WD, "渣土清运完毕"),
            ("道路不洁", 1, WH, 1, WD, "路面清扫干净"),
        ],
    ),
    (
        "02",
        "宣传广告",
        E,
        [
            ("违法小广告", 2, WH, 2, WD, "小广告清除干净"),
            ("违规户外广告", 2, WH, 5, WD, "广告拆除或补办手续"),
        ],
    ),
    (
        "03",
        "施工管理",
        E,
        [
            ("施工扰民", 1, WH, 1, WD, "施工按规定时段进行"),
            ("工地扬尘", 1, WH, 1, WD, "覆盖、洒水等降尘措施到位"),
        ],
    ),
    (
        "04",
        "街面秩序",
        E,
        [
            ("占道经营", 1, WH, 1, WD, "占道摊点清理完毕"),
            ("乱堆物堆料", 1, WH, 2, WD, "堆物清理完毕"),
            ("机动车乱停放", 1, WH, 4, WH, "车辆移走或依法处理"),
        ],
    ),
    (
        "05",
        "突发事件",
        E,
        [
            ("路面塌陷", 0.5, NAT, 4, NAT, "设置警示并修复路面"),
            ("自来水管破裂", 0.5, NAT, 4, NAT, "关阀止水并修复"),
        ],
    ),
    (
        "06",
        "公共设施",
        C,
        [
            ("污水井盖", 1, WH, 1, WD, "井盖完好、归位"),
            ("路灯", 2, WH, 3, WD, "路灯正常照明"),
            ("消防设施", 1, WH, 2, WD, "设施完好可用"),
        ],
    ),
    (
        "07",
        "交通设施",
        C,
        [("护栏", 2, WH, 3, WD, "护栏修复"), ("交通标志牌", 2, WH, 5, WD, "标志牌修复或更换")],
    ),
    (
        "08",
        "市容环境设施",
        C,
        [("垃圾箱", 2, WH, 2, WD, "垃圾箱修复或更换"), ("公共厕所", 2, WH, 2, WD, "正常开放使用")],
    ),
    (
        "09",
        "园林绿化设施",
        C,
        [("行道树", 2, WH, 3, WD, "树木扶正或补种"), ("绿地", 2, WH, 5, WD, "绿地恢复")],
    ),
    ("10", "其他设施", C, [("健身设施", 2, WH, 5, WD, "器材修复"), ("监控设施", 2, WH, 3, WD, "监控恢复")]),
    (
        "11",
        "社区事务",
        E,
        [
            ("居家养老服务", 2, WH, 2, WD, "服务已上门完成"),
            ("托育服务", 2, WH, 3, WD, "已答复并安排"),
            ("邻里纠纷", 2, WH, 5, WD, "双方达成调解"),
            ("物业管理", 2, WH, 5, WD, "物业问题整改到位"),
            ("下水管道堵塞", 0.5, NAT, 4, NAT, "管道疏通，排水正常，现场清理干净"),
            ("楼道照明", 2, WH, 2, WD, "楼道灯正常照明"),
        ],
    ),
]


# Read by no one outside the console: care requests, family disputes, a household's property
# matters. Every street-facing subclass (environment, street order, facilities, drains) is public.
PRIVATE_SUBCLASSES = {"1101", "1102", "1103", "1104"}

# What a report of these subclasses is asked besides its text (Open311 service attributes).
QUESTIONS = {
    "1105": [
        {
            "code": "overflow",
            "description": "污水是否已漫到路面？",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "yes", "name": "是，已漫到路面"}, {"key": "no", "name": "否，只在井内或室内"}],
        },
        {"code": "since", "description": "大约从什么时候开始？", "datatype": "string", "required": False},
    ],
    "0501": [
        {
            "code": "size",
            "description": "塌陷大约多大？",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "small", "name": "小于1平方米"}, {"key": "large", "name": "1平方米以上"}],
        }
    ],
    "0601": [
        {
            "code": "missing",
            "description": "井盖是缺失还是破损？",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [{"key": "missing", "name": "缺失"}, {"key": "broken", "name": "破损或移位"}],
        }
    ],
}


def load_categories() -> None:
    for code, name, kind, subclasses in CATEGORIES:
        parent = Category.objects.create(code=code, name=name, kind=kind)
        for number, (sub, accept, accept_unit, handle, handle_unit, closing) in enumerate(
            subclasses, start=1
        ):
            Category.objects.create(
                code=f"{code}{number:02d}",
                name=sub,
                kind=kind,
                parent=parent,
                accept_limit=accept,
                accept_unit=accept_unit,
                handle_limit=handle,
                handle_unit=handle_unit,
                closing_condition=closing,
                requires_result_photo=kind == C or sub == "下水管道堵塞",
                is_public=f"{code}{number:02d}" not in PRIVATE_SUBCLASSES,
                questions=QUESTIONS.get(f"{code}{number:02d}", []),
            )


def load_routing() -> None:
    T, A = RoutingRule.Target, RoutingRule.Applies
    community_affairs = Category.objects.get(code="11")
    RoutingRule.objects.create(category=None, applies_to=A.ANY, target=T.COMMUNITY_REPAIR_CREW)
    RoutingRule.objects.create(
        category=community_affairs, applies_to=A.WITH_PROPERTY, target=T.PROPERTY_COMPANY
    )
    RoutingRule.objects.create(
        category=community_affairs, applies_to=A.WITHOUT_PROPERTY, target=T.COMMUNITY_REPAIR_CREW
    )
    city = Organisation.objects.get(name="琅琊区城市管理局")
    for code in ("06", "07", "08"):
        RoutingRule.objects.create(
            category=Category.objects.get(code=code),
            applies_to=A.ANY,
            target=T.ORGANISATION,
            organisation=city,
        )
    operator = Organisation.objects.get(kind=OrganisationKind.SERVICE_OPERATOR, name__contains="养老")
    RoutingRule.objects.create(
        category=Category.objects.get(code="1101"),
        applies_to=A.ANY,
        target=T.ORGANISATION,
        organisation=operator,
    )


def demo_photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A small drawn picture standing in for a phone photo."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 300, 600, 440), fill=(90, 90, 90))
    draw.text((60, 60), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), content_type="image/jpeg")


def _backdate(case: Case, start) -> None:
    """Lay the story's timeline out over a morning: minutes after `start` for each step.

    Services stamp events with the current time; the demo replays the article at its own pace.
    """
    offsets = [0, 3, 5, 10, 15, 20, 75, 85, 95]  # report … rate: about an hour from report to fix
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    for event, minutes in zip(events, offsets, strict=False):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=start + timedelta(minutes=minutes))
    by_action = {e.action: start + timedelta(minutes=m) for e, m in zip(events, offsets, strict=False)}
    case.created_at = start
    Case.objects.filter(pk=case.pk).update(
        created_at=start,
        last_event_at=max(by_action.values()),  # the stalled view reads it, so it follows the timeline
        closed_at=by_action.get("verify"),
        rated_at=by_action.get("rate"),
        accept_due_at=start + timedelta(minutes=30),
        accept_warn_at=start + timedelta(minutes=24),
        handle_due_at=by_action["dispatch"] + timedelta(hours=4),
        handle_warn_at=by_action["dispatch"] + timedelta(hours=3, minutes=12),
    )
    # The notice card on the case page tells the same morning as the timeline.
    SupervisionNotice.objects.filter(case=case).update(
        issued_at=by_action["supervise"],
        reply_due_at=by_action["supervise"] + timedelta(hours=1),
        replied_at=by_action["supervision_reply"],
    )


def load_drain_story() -> Case:
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["gridworker", "huayuan_staff", "commissioner", "repair_crew"]
        )
    }
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    case = case_report(
        actor=users["gridworker"],
        category=Category.objects.get(code="1105"),
        source=Source.PATROL,
        title="扬天小区11栋下水堵塞，污水外溢",
        place=building,
        description="日常网格排查发现扬天小区11栋一处下水堵塞，污水外溢，影响居民日常生活。",
        photos=[demo_photo("before", (120, 100, 60))],
    )
    case_transition(actor=users["huayuan_staff"], case_id=case.pk, action="accept")
    case_transition(actor=users["huayuan_staff"], case_id=case.pk, action="dispatch", unit=crew)
    notice = supervision_notice_issue(
        actor=users["commissioner"],
        case_id=case.pk,
        requirement="污水外溢影响居民生活，请立即组织疏通，处置后反馈。",
        reply_due_at=timezone.now() + timedelta(hours=1),
    )
    supervision_notice_answer(
        actor=users["repair_crew"], notice_id=notice.pk, reply="维修人员已赶赴现场排查。"
    )
    case_transition(actor=users["repair_crew"], case_id=case.pk, action="start")
    case_transition(
        actor=users["repair_crew"],
        case_id=case.pk,
        action="report_result",
        note="排查发现下水道被杂物堵塞，经过一个多小时作业已清理干净，排水恢复正常。",
        photos=[demo_photo("after", (60, 120, 160))],
    )
    case_transition(actor=users["gridworker"], case_id=case.pk, action="verify")
    case_rate(
        actor=users["gridworker"], case_id=case.pk, rating=Rating.SATISFIED, comment="处置及时，居民满意。"
    )
    start = timezone.localtime().replace(hour=9, minute=5, second=0, microsecond=0) - timedelta(days=2)
    _backdate(case, start)
    return case


def load() -> None:
    load_categories()
    load_routing()
    load_drain_story()
