"""Demo lists and projects (DESIGN §8, §12; issue 14).

- 朱家和工作室 (凤凰社区): residents asked on the problem wall for day care for the elderly; the
  studio's visits recorded it as a need, and the studio's project 凤凰社区养老服务示范站, funded by the
  district's civil-affairs grant and the community's charity fund, is complete, every milestone
  done, its progress on 凤凰社区's echo wall under the residents' item.
- 三里亭人家 4栋's leaking roof: the meetings demo's 协商议事会 decision about it ("屋顶漏水") becomes a
  project funded by 琅琊供电所's repair fund, under way with one milestone done and its progress on
  三里亭社区's echo wall. Without that decision (the meetings demo not yet recording it), the
  project is proposed directly by 琅琊供电所 instead (source: proposed directly).
- A few needs and resources in each demo community, some open, so every list has rows.

Runs after the meetings demo and before the network demo, which reuses the member units' accounts
made here (same names and usernames). Everything goes through the services.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Category
from huizhi.meetings import services as meeting_services
from huizhi.meetings.models import Decision
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.places.services import organisation_create
from huizhi.projects import services
from huizhi.projects.models import Resource
from huizhi.site.demo.people import DEMO_PASSWORD
from huizhi.wall import services as wall
from huizhi.wall.models import TriageDecision

# (unit, its community, account username, account holder): the same as the network demo's, which
# finds them here and adds nothing.
UNITS = [
    ("琅琊供电所", "三里亭社区", "sanliting_power", "冯建业"),
    ("滁州市中西医结合医院党支部", "三里亭社区", "sanliting_hospital", "蒋慧敏"),
    ("滁州市第一人民医院党委", "凤凰社区", "fenghuang_hospital", "许文华"),
]

STATION = "凤凰社区养老服务示范站"
ROOF = "三里亭人家4栋屋顶漏水维修"


def _community(name: str) -> Place:
    return Place.objects.get(kind=PlaceKind.COMMUNITY, name=name)


def _units() -> dict[str, tuple[Organisation, User]]:
    found = {}
    for name, community_name, username, full_name in UNITS:
        community = _community(community_name)
        unit = Organisation.objects.filter(name=name, kind=OrganisationKind.MEMBER_UNIT).first()
        if unit is None:
            unit = organisation_create(kind=OrganisationKind.MEMBER_UNIT, name=name, place=community)
        account = User.objects.filter(username=username).first()
        if account is None:
            account = user_create(username=username, password=DEMO_PASSWORD, full_name=full_name)
            role_grant(user=account, role=Role.HANDLING_UNIT, organisation=unit)
        found[name] = (unit, User.objects.get(pk=account.pk))
    return found


def _resident(username: str, mobile: str) -> User:
    author = user_create(username=username, password=None, mobile=mobile)
    User.objects.filter(pk=author.pk).update(date_joined=timezone.now() - timedelta(days=400))
    return User.objects.get(pk=author.pk)


def _elderly_care_station() -> None:
    """The studio's visits → a need → the studio's project, complete, published."""
    fenghuang = _community("凤凰社区")
    staff = User.objects.get(username="fenghuang_staff")
    representative = User.objects.get(username="representative")
    studio = Organisation.objects.get(kind=OrganisationKind.REPRESENTATIVE_STUDIO, name="朱家和工作室")
    building = (
        Place.objects.filter(kind=PlaceKind.BUILDING, code__startswith=fenghuang.code)
        .order_by("code")
        .first()
    )
    author = _resident("demo-resident-fenghuang-care", "13900003001")
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1101"),
        title="希望社区有个老人白天能去的地方",
        description="小区里高龄、独居老人多，子女白天上班，老人吃饭、看病、聊天都没人照应，希望社区能办日间照料。",
        place=building,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)
    wall.post_triage(
        actor=staff,
        post_id=post.pk,
        outcome=TriageDecision.AGENDA,
        text="已转朱家和工作室走访调研，并提交座谈会听取居民意见，进展将在回音壁公布。",
    )
    need = services.need_record(
        actor=representative,
        community=fenghuang,
        title="高龄独居老人日间照料和助餐",
        description="朱家和工作室走访居民、召开座谈会：社区60岁以上老人较多，独居、空巢老人白天缺少照料，"
        "希望有日间照料、助餐和康复服务的场所。",
        source="visit",
        source_post=post,
    )
    today = timezone.localdate()
    starts = today - timedelta(days=240)
    project = services.project_create(
        actor=representative,
        community=fenghuang,
        proposing_organisation=studio,
        need_id=need.pk,
        title=STATION,
        starts_on=starts,
        ends_on=today,
        funding_source="区民政局专项资金30万元 + 社区公益金5万元",
        funding_amount=Decimal("350000.00"),
        public_summary="朱家和工作室走访居民、召开座谈会后，争取区民政局专项资金，建设养老服务示范站，"
        "提供日间照料、助餐、康复护理和文体娱乐服务，由第三方专业机构运营。",
    )
    for days, title in [
        (30, "选址和改造方案经居民座谈会通过"),
        (120, "用房改造和适老化装修完成"),
        (180, "设备采购和运营机构招募完成"),
        (240, "养老服务示范站开业运营"),
    ]:
        milestone = services.milestone_add(
            actor=representative, project_id=project.pk, title=title, due_on=starts + timedelta(days=days)
        )
        services.milestone_done(actor=representative, milestone_id=milestone.pk)
    services.project_progress(
        actor=staff,
        project_id=project.pk,
        note="区民政局专项资金30万元已到位，社区公益金配套5万元，用房改造开工。",
        publish=True,
    )
    services.project_complete(
        actor=staff,
        project_id=project.pk,
        note="养老服务示范站已开业，每天提供日间照料和助餐，欢迎老人和家属来站参观。",
        publish=True,
    )


def _roof_repair(units) -> None:
    """The 协商议事会's decision on 4栋's leaking roof, carried out as a project funded by 琅琊供电所."""
    sanliting = _community("三里亭社区")
    staff = User.objects.get(username="sanliting_staff")
    unit, account = units["琅琊供电所"]
    fund = services.resource_record(
        actor=account,
        organisation=unit,
        kind=Resource.Kind.FUNDS,
        title="结对共建屋面维修资金",
        description="所党支部结对共建资金，用于三里亭人家老旧楼栋屋面防水维修。",
        amount=Decimal("80000.00"),
    )
    today = timezone.localdate()
    decision = (
        Decision.objects.filter(
            text__contains="屋顶漏水", meeting__community=sanliting, status=Decision.Status.OPEN
        )
        .select_related("meeting")
        .order_by("created_at")
        .first()
    )
    if decision is not None:
        project = services.project_from_decision(
            actor=staff,
            decision_id=decision.pk,
            resource_id=fund.pk,
            title=ROOF,
            starts_on=timezone.localtime(decision.meeting.starts_at).date(),
            ends_on=max(decision.due_date, today),
            public_summary="协商议事会议定：4栋屋顶防水层整体翻修，琅琊供电所结对共建资金出资，社区红色汇治维修队施工。",
        )
    else:
        project = services.project_create(
            actor=account,
            community=sanliting,
            proposing_organisation=unit,
            title=ROOF,
            starts_on=today - timedelta(days=7),
            ends_on=today + timedelta(days=14),
            funding_source=f"{unit.name}结对共建资金",
            funding_amount=fund.amount,
            public_summary="4栋屋顶防水层整体翻修，琅琊供电所结对共建资金出资，社区红色汇治维修队施工。",
        )
    first = services.milestone_add(
        actor=staff,
        project_id=project.pk,
        title="防水材料采购进场",
        due_on=max(project.starts_on, today - timedelta(days=2)),
    )
    services.milestone_add(
        actor=staff, project_id=project.pk, title="屋面防水层施工和验收", due_on=project.ends_on
    )
    services.milestone_done(actor=staff, milestone_id=first.pk)
    services.project_progress(
        actor=staff,
        project_id=project.pk,
        note="防水材料已进场，本周六起施工，施工期间请勿上屋面。",
        publish=True,
    )
    if decision is not None:
        # Done, as the article tells it: the roof no longer leaks, and the meeting's decision is closed.
        last = project.milestones.get(done_at__isnull=True)
        services.milestone_done(actor=staff, milestone_id=last.pk)
        services.project_complete(
            actor=staff, project_id=project.pk, note="屋面防水层已更换，经雨天检验不再漏水。"
        )
        meeting_services.decision_progress(
            actor=staff, decision_id=decision.pk, note="屋面防水层已更换，经雨天检验不再漏水。", done=True
        )


# community: needs (title, description, source) and resources (unit, kind, title, amount, capacity).
LISTS = {
    "三里亭社区": (
        [
            ("楼道扶手加装", "三里亭人家多栋老人上下楼困难，希望加装楼道扶手。", "resident"),
            ("暑期儿童看护", "双职工家庭暑期孩子无人看护。", "meeting"),
        ],
        [
            ("滁州市中西医结合医院党支部", "skills", "每月一次义诊和健康讲座", None, 60),
            ("琅琊供电所", "volunteers", "用电安全检查志愿服务队", None, 12),
        ],
    ),
    "凤凰社区": (
        [("老年人智能手机培训", "老人不会用手机挂号、缴费，希望有人教。", "visit")],
        [("滁州市第一人民医院党委", "skills", "慢病管理上门随访", None, 30)],
    ),
    "花园街社区": (
        [
            ("小区健身器材更新", "花园街小区健身器材老化，存在安全隐患。", "resident"),
            ("社区活动室空调", "活动室夏天太热，老人活动受影响。", "meeting"),
        ],
        [("滁州市第三中学党支部", "venue", "周末开放学校操场和报告厅", None, 200)],
    ),
}


def _lists(units) -> None:
    staff_of = {"三里亭社区": "sanliting_staff", "凤凰社区": "fenghuang_staff", "花园街社区": "huayuan_staff"}
    for community_name, (needs, resources) in LISTS.items():
        community = _community(community_name)
        staff = User.objects.get(username=staff_of[community_name])
        for title, description, source in needs:
            services.need_record(
                actor=staff, community=community, title=title, description=description, source=source
            )
        for unit_name, kind, title, amount, capacity in resources:
            # A unit without its own login has its resource recorded by the community's staff.
            unit, account = units.get(unit_name) or (Organisation.objects.get(name=unit_name), staff)
            services.resource_record(
                actor=account,
                organisation=unit,
                kind=kind,
                title=title,
                amount=amount,
                capacity=capacity,
                available_until=timezone.localdate() + timedelta(days=365),
            )


def load() -> None:
    units = _units()
    _elderly_care_station()
    _roof_repair(units)
    _lists(units)


def logins() -> list[tuple[str, str, str]]:
    """(username, role, scope) for the member units' accounts made here (the network demo prints
    the same ones once it is loaded; list only one of the two)."""
    rows = []
    for name, _community_name, username, _full in UNITS:
        if User.objects.filter(username=username).exists():
            rows.append((username, str(Role.HANDLING_UNIT.label), name))
    return rows
