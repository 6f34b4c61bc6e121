"""Demo consultation (DESIGN §8, §12, issue 14), the article as data.

- 三里亭人家 4栋: a resident raises a leaking roof on the problem wall; staff send it to 第1自治小组's
  协商议事会 at the 协商议事亭, which met ten days ago and voted a repair funded and owned by 琅琊供电所,
  a member unit of 三里亭社区's 大党委; the community's crew worked the case opened from the decision
  and it closed, and the decision's progress is on 三里亭社区's echo wall. A second decision
  (clearing the stairwells) is past due, for the commissioner's supervision.
- Both its regions (争先, 创优) held a 恳谈会 this month and a 表彰会 last quarter, commending central
  party-member households (by their doors), volunteers (with confirmed hours) and a group; 争先's next
  恳谈会 comes up.
- A compound of 三里亭社区 without a property company meets at its 协商议事亭: the residents'
  representative, the grid party branch and a property company.
- 朱家和工作室 (凤凰社区): after visiting residents, a 座谈会 whose decision became the elderly-care
  project (the projects demo builds the project itself).

Everything goes through the services; meetings are scheduled ahead (as the service insists) and then
moved back to when they took place, as the wall's demo moves its posts."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.care import services as care
from huizhi.care.models import Volunteer, VolunteerHours
from huizhi.cases.models import Category
from huizhi.cases.services import case_transition
from huizhi.meetings import services
from huizhi.meetings.models import AgendaItem, InviteeRole, Meeting, MeetingKind, Venue, VenueKind
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region
from huizhi.places.services import group_create, organisation_create
from huizhi.registry.models import Resident
from huizhi.site.demo.people import DEMO_PASSWORD
from huizhi.wall import services as wall
from huizhi.wall.models import TriageDecision

# The member unit of 三里亭社区's 大党委 that funds the roof repair (the network demo reuses it).
POWER_SUPPLY = "琅琊供电所"
PROPERTY_COMPANY_ACCOUNT = "property_desk"

# username, full name, role, organisation or community
ACCOUNTS = [
    ("sanliting_crew", "郑师傅", Role.HANDLING_UNIT, "三里亭社区红色汇治维修队"),
    ("sanliting_commissioner", "何文涛", Role.DISCIPLINE_COMMISSIONER, "三里亭社区"),
]


def _accounts() -> dict[str, User]:
    users = {}
    for username, full_name, role, scope in ACCOUNTS:
        user = user_create(username=username, password=DEMO_PASSWORD, full_name=full_name)
        if role == Role.HANDLING_UNIT:
            role_grant(user=user, role=role, organisation=Organisation.objects.get(name=scope))
        else:
            role_grant(user=user, role=role, place=Place.objects.get(kind=PlaceKind.COMMUNITY, name=scope))
        users[username] = user
    return users


def _member_unit(community: Place) -> Organisation:
    found = Organisation.objects.filter(
        kind=OrganisationKind.MEMBER_UNIT, name=POWER_SUPPLY, place=community
    ).first()
    return found or organisation_create(kind=OrganisationKind.MEMBER_UNIT, name=POWER_SUPPLY, place=community)


def _venue(actor, community: Place, name: str, kind: str, address: str, near: Place, dx=0.0, dy=0.0) -> Venue:
    return services.venue_create(
        actor=actor,
        community=community,
        name=name,
        kind=kind,
        address=address,
        lon=round(near.lon + dx, 6),
        lat=round(near.lat + dy, 6),
    )


def _held(meeting: Meeting, starts: datetime, staff, present=(), minutes: str = "") -> Meeting:
    """A meeting scheduled through the service, moved back to when it was held, with who came
    marked on the sheet and its minutes published (if any)."""
    meeting = _back_to(meeting, starts)
    for user in present:
        services.meeting_sign_in(actor=staff, meeting_id=meeting.pk, user_id=user.pk)
    if minutes:
        services.meeting_minutes_save(actor=staff, meeting_id=meeting.pk, minutes=minutes, publish=True)
    return meeting


def _earlier_this_month(now, days_back: int, hour: int) -> datetime:
    """A time this month before now: `days_back` days ago at `hour`, or the month's first hours."""
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    when = (local - timedelta(days=days_back)).replace(hour=hour, minute=0, second=0, microsecond=0)
    if when < month_start:
        when = month_start + timedelta(hours=1)
    if when >= local - timedelta(hours=2):
        when = max(month_start, local - timedelta(hours=2))
    return when


def _last_quarter(now, day_offset: int) -> datetime:
    """An evening in the middle month of the quarter before this one."""
    local = timezone.localtime(now)
    quarter_start = date(local.year, (local.month - 1) // 3 * 3 + 1, 1)
    middle = (quarter_start - timedelta(days=45)).replace(day=10 + day_offset)
    return timezone.make_aware(datetime(middle.year, middle.month, middle.day, 19, 0))


def _back_to(meeting: Meeting, starts) -> Meeting:
    """Move a meeting scheduled through the service to when it took place."""
    length = meeting.ends_at - meeting.starts_at
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts, ends_at=starts + length)
    meeting.refresh_from_db()
    return meeting


def load() -> None:
    people = _accounts()
    staff = User.objects.get(username="sanliting_staff")
    liaison = User.objects.get(username="liaison")
    crew = Organisation.objects.get(name="三里亭社区红色汇治维修队")
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="4栋", parent__name="三里亭人家")
    community = building.parent.parent.parent
    group = Group.objects.get(name="第1自治小组", place=building)
    power_supply = _member_unit(community)
    pavilion = _venue(
        staff,
        community,
        "三里亭人家协商议事亭",
        VenueKind.PAVILION,
        "三里亭人家4栋东侧小广场",
        building.parent,
    )
    hall = _venue(
        staff,
        community,
        "4栋一楼党员活动室",
        VenueKind.HALL,
        "三里亭人家4栋1单元一楼",
        building.parent,
        0.0004,
    )
    now = timezone.now()

    # The resident's post, sent to consultation: the wall's triage puts it on the community's list.
    author = user_create(username="demo-resident-sanliting", password=None, mobile="13900002001")
    User.objects.filter(pk=author.pk).update(date_joined=now - timedelta(days=300))
    author.refresh_from_db()
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title="4栋顶楼漏水",
        description="4栋3单元顶楼一下雨就漏水，602、603家里墙皮都泡掉了，屋面防水要整体修，需要大家商量。",
        place=building,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)
    wall.post_triage(
        actor=staff,
        post_id=post.pk,
        outcome=TriageDecision.AGENDA,
        text="涉及全楼屋面维修，提交第1自治小组协商议事会讨论，议定结果将在回音壁公布。",
    )
    item = AgendaItem.objects.get(source_post=post)

    # 第1自治小组's 协商议事会, ten days ago.
    starts = now + timedelta(days=1)
    meeting = services.meeting_schedule(
        actor=staff,
        kind=MeetingKind.CONSULTATION,
        title="4栋顶楼漏水维修协商议事会",
        organiser=group,
        venue_place=pavilion,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        invite_roles=[
            InviteeRole.RESIDENT_REPRESENTATIVE,
            InviteeRole.STAFF,
            InviteeRole.PARTY_COMMITTEE,
            InviteeRole.MEMBER_UNIT,
        ],
    )
    services.agenda_add(actor=staff, meeting_id=meeting.pk, agenda_item_id=item.pk)
    services.agenda_add(
        actor=staff,
        meeting_id=meeting.pk,
        title="楼道堆放杂物清理",
        summary="3单元楼道堆放纸箱、旧家具，影响通行。",
    )
    ten_days_ago = timezone.localtime(now - timedelta(days=10))
    meeting = _back_to(meeting, ten_days_ago.replace(hour=19, minute=0, second=0, microsecond=0))
    services.meeting_sign_in(actor=staff, meeting_id=meeting.pk, user_id=liaison.pk)
    services.meeting_sign_in(actor=staff, meeting_id=meeting.pk, user_id=staff.pk)
    meeting_day = timezone.localtime(meeting.starts_at).date()
    repair = services.decision_record(
        actor=staff,
        meeting_id=meeting.pk,
        agenda_item_id=item.pk,
        text="修复4栋3单元屋顶漏水：由大党委成员单位琅琊供电所出资并牵头，社区红色汇治维修队更换顶楼屋面防水层。",
        method="vote",
        votes={liaison.pk: "for"},
        owner_organisation=power_supply,
        due_date=meeting_day + timedelta(days=14),
    )
    stairs_item = meeting.items.exclude(agenda_item=item).get().agenda_item
    services.decision_record(
        actor=staff,
        meeting_id=meeting.pk,
        agenda_item_id=stairs_item.pk,
        text="中心党员户动员3单元住户三日内清理楼道堆物。",
        method="consensus",
        owner_user=liaison,
        due_date=meeting_day + timedelta(days=3),
    )
    services.meeting_minutes_save(
        actor=staff,
        meeting_id=meeting.pk,
        publish=True,
        minutes=(
            "时间：晚上7点　地点：三里亭人家协商议事亭\n"
            "到会：第1自治小组中心党员户、社区工作人员\n"
            "一、4栋顶楼漏水：居民反映3单元顶楼雨天漏水。经表决，同意由大党委成员单位琅琊供电所出资，"
            "社区红色汇治维修队更换屋面防水层，两周内完成。\n"
            "二、楼道堆物：中心党员户负责动员住户三日内清理。"
        ),
    )
    # The repair became a case, dispatched to the crew, fixed and verified.
    case = services.decision_spawn_case(
        actor=staff,
        decision_id=repair.pk,
        category=Category.objects.get(code="1104"),
        title="4栋3单元顶楼屋面防水层更换",
    )
    worker = people["sanliting_crew"]
    case_transition(actor=staff, case_id=case.pk, action="dispatch", unit=crew)
    case_transition(actor=worker, case_id=case.pk, action="start")
    services.decision_progress(
        actor=staff,
        decision_id=repair.pk,
        note="琅琊供电所资金已到位，材料已进场，周六施工，施工期间请勿上屋面。",
    )
    case_transition(
        actor=worker, case_id=case.pk, action="report_result", note="已铲除旧防水层，重新铺设SBS防水卷材。"
    )
    case_transition(actor=staff, case_id=case.pk, action="verify")
    # The repair is carried out as a project funded by 琅琊供电所: the projects demo makes it of this
    # decision, completes it and reports the decision done (huizhi/site/demo/projects.py).

    # 争先自治大区's 恳谈会 this month, coming up.
    region = Region.objects.get(name="争先自治大区", place=building)
    starts = timezone.localtime(now + timedelta(days=2)).replace(hour=19, minute=30, second=0, microsecond=0)
    dialogue = services.meeting_schedule(
        actor=staff,
        kind=MeetingKind.DIALOGUE,
        title="争先自治大区月度恳谈会",
        organiser=region,
        venue_place=hall,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
        invite_roles=[InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.STAFF, InviteeRole.MEMBER_UNIT],
    )
    services.agenda_add(actor=staff, meeting_id=dialogue.pk, title="冬季用电安全", summary="")

    _regions_meetings(staff, building, hall, now)
    _pavilion_without_property(staff, community, now)
    _studio_forum(now)


def _regions_meetings(staff, building: Place, hall: Venue, now) -> None:
    """Each region's 恳谈会 this month, and its 表彰会 last quarter."""
    liaison = User.objects.get(username="liaison")
    volunteers = _volunteers(staff, building, now)
    for offset, region in enumerate(Region.objects.filter(place=building).order_by("name", "pk")):
        groups = list(Group.objects.filter(region=region).select_related("central_household").order_by("pk"))
        present = [liaison] if any(g.name == "第1自治小组" for g in groups) else []
        starts = timezone.localtime(now + timedelta(days=1)).replace(
            hour=19, minute=0, second=0, microsecond=0
        )
        dialogue = services.meeting_schedule(
            actor=staff,
            kind=MeetingKind.DIALOGUE,
            title=f"{region.name}{timezone.localtime(now).month}月恳谈会",
            organiser=region,
            venue_place=hall,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1, minutes=30),
            invite_roles=[InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.STAFF],
        )
        services.agenda_add(actor=staff, meeting_id=dialogue.pk, title="电动车楼道充电隐患", summary="")
        _held(
            dialogue,
            _earlier_this_month(now, days_back=4 + 2 * offset, hour=19),
            staff,
            present=present,
            minutes="各自治小组中心党员户通报本组居民诉求；大家商定楼道内不停放、不充电电动车，由各小组互相提醒。",
        )

        starts = timezone.localtime(now + timedelta(days=1)).replace(
            hour=15, minute=0, second=0, microsecond=0
        )
        ceremony = services.meeting_schedule(
            actor=staff,
            kind=MeetingKind.COMMENDATION,
            title=f"{region.name}季度表彰会",
            organiser=region,
            venue_place=hall,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            invite_roles=[
                InviteeRole.RESIDENT_REPRESENTATIVE,
                InviteeRole.STAFF,
                InviteeRole.PARTY_COMMITTEE,
            ],
        )
        ceremony = _held(ceremony, _last_quarter(now, offset), staff, present=present)
        for leading in groups[:2]:
            services.commendation_record(
                actor=staff,
                meeting_id=ceremony.pk,
                household=leading.central_household,
                reason="中心党员户主动联系包户居民，收集问题墙诉求、组织邻里互助。",
            )
        for volunteer in volunteers[offset * 2 : offset * 2 + 2]:
            services.commendation_record(
                actor=staff,
                meeting_id=ceremony.pk,
                volunteer=volunteer,
                reason="常年参加楼道清理和敬老探访，服务时长居本区前列。",
            )
        services.commendation_record(
            actor=staff,
            meeting_id=ceremony.pk,
            group=groups[0],
            reason="本季度协商议事规范，议定事项全部办结。",
        )
        services.meeting_minutes_save(
            actor=staff,
            meeting_id=ceremony.pk,
            minutes="表彰本季度优秀中心党员户、志愿者和自治小组，颁发证书。",
            publish=True,
        )


def _volunteers(staff, building: Place, now) -> list:
    """Four residents of 4栋 registered as volunteers, with hours confirmed before last quarter's 表彰会."""
    residents = list(
        Resident.objects.filter(place_code__startswith=building.code, is_active=True).order_by("id")[:40:10]
    )
    held_on = (_last_quarter(now, 0) - timedelta(days=20)).date()
    activity = care.volunteer_activity_create(
        actor=staff, community=building.parent.parent.parent, title="4栋楼道清理和敬老探访", held_on=held_on
    )
    volunteers = []
    for index, resident in enumerate(residents):
        volunteer = care.volunteer_register(actor=staff, resident=resident, skills="楼道清理")
        # Volunteers since the spring before the activity; hours logged that evening, confirmed the next day.
        Volunteer.objects.filter(pk=volunteer.pk).update(joined_on=date(held_on.year - 1, 3, 1))
        hours = care.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=held_on,
            hours=4 - index % 2,
        )
        care.hours_confirm(actor=staff, hours_id=hours.pk)
        evening = timezone.make_aware(datetime.combine(held_on, time(18)))
        VolunteerHours.objects.filter(pk=hours.pk).update(
            logged_at=evening, confirmed_at=evening + timedelta(hours=15)
        )
        volunteers.append(volunteer)
    return volunteers


def _pavilion_without_property(staff, community: Place, now) -> None:
    """A 协商议事亭 meeting in a compound without a property company: its residents' representative,
    its grid party branch and a property company that could take the compound on."""
    branches = Organisation.objects.filter(kind=OrganisationKind.GRID_PARTY_BRANCH, place__parent=community)
    compound = (
        Place.objects.filter(
            kind=PlaceKind.COMPOUND,
            has_property_company=False,
            parent__in=branches.values("place"),
        )
        .order_by("code")
        .first()
    )
    branch = branches.get(place=compound.parent)
    pavilion = _venue(
        staff, community, f"{compound.name}协商议事亭", VenueKind.PAVILION, f"{compound.name}大门内", compound
    )
    representative = user_create(username="wuwuye_rep", password=DEMO_PASSWORD, full_name="业主代表 钱德顺")
    residents_group = group_create(
        name="居民自治小组", place=compound, region=None, central_household=None, households=[]
    )
    role_grant(user=representative, role=Role.BUILDING_LIAISON, group=residents_group)
    secretary = user_create(username="wuwuye_branch", password=DEMO_PASSWORD, full_name="党支部书记 孔令华")
    role_grant(user=secretary, role=Role.HANDLING_UNIT, organisation=branch)
    company = Organisation.objects.filter(kind=OrganisationKind.PROPERTY_COMPANY).order_by("pk").first()
    desk = user_create(username=PROPERTY_COMPANY_ACCOUNT, password=DEMO_PASSWORD, full_name="物业客服 褚明")
    role_grant(user=desk, role=Role.HANDLING_UNIT, organisation=company)

    starts = timezone.localtime(now + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    meeting = services.meeting_schedule(
        actor=staff,
        kind=MeetingKind.CONSULTATION,
        title=f"{compound.name}引入物业服务协商议事会",
        organiser=branch,
        venue_place=pavilion,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        invite_roles=[
            InviteeRole.RESIDENT_REPRESENTATIVE,
            InviteeRole.GRID_BRANCH,
            InviteeRole.PARTY_COMMITTEE,
        ],
        invite_organisations=[company],
    )
    services.agenda_add(
        actor=staff,
        meeting_id=meeting.pk,
        title="无物业小区公共区域保洁和引入物业",
        summary="小区无物业，楼道和公共区域卫生无人管理，居民希望商量引入物业服务。",
    )
    meeting = _held(
        meeting,
        timezone.localtime(now - timedelta(days=6)).replace(hour=9, minute=30, second=0, microsecond=0),
        staff,
        present=[representative, secretary, desk],
    )
    item = meeting.items.get().agenda_item
    services.decision_record(
        actor=staff,
        meeting_id=meeting.pk,
        agenda_item_id=item.pk,
        text="引入物业前，由网格党支部牵头组织居民每月集中清理一次公共区域；物业公司一个月内提交服务方案和收费标准，交居民代表讨论。",
        method="vote",
        votes={representative.pk: "for"},
        owner_organisation=branch,
        due_date=timezone.localdate(now) + timedelta(days=24),
    )
    services.meeting_minutes_save(
        actor=staff,
        meeting_id=meeting.pk,
        minutes=(
            f"地点：{pavilion.name}\n到会：业主代表、网格党支部、社区党委、{company.name}\n"
            "议定：网格党支部牵头每月集中清理公共区域；物业公司提交服务方案和收费标准后再议。"
        ),
        publish=True,
    )


def _studio_forum(now) -> None:
    """朱家和工作室 (凤凰社区): after visiting residents, a 座谈会 whose decision became the project."""
    staff = User.objects.get(username="fenghuang_staff")
    studio = Organisation.objects.get(name="朱家和工作室", kind=OrganisationKind.REPRESENTATIVE_STUDIO)
    community = studio.place
    compound = (
        Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=community.code)
        .order_by("code")
        .first()
    )
    venue = _venue(
        staff, community, "朱家和工作室", VenueKind.STUDIO, f"{community.name}党群服务中心二楼", compound
    )
    starts = timezone.localtime(now + timedelta(days=1)).replace(hour=14, minute=30, second=0, microsecond=0)
    forum = services.meeting_schedule(
        actor=staff,
        kind=MeetingKind.FORUM,
        title="朱家和工作室养老服务座谈会",
        organiser=studio,
        venue_place=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        invite_roles=[InviteeRole.REPRESENTATIVE, InviteeRole.STAFF, InviteeRole.PARTY_COMMITTEE],
    )
    services.agenda_add(
        actor=staff,
        meeting_id=forum.pk,
        title="走访中听到的养老服务需求",
        summary="工作室走访独居、空巢老人40余户：助餐、日间照料和康复护理需求集中。",
    )
    forum = _held(
        forum,
        timezone.localtime(now - timedelta(days=150)).replace(hour=14, minute=30, second=0, microsecond=0),
        staff,
        present=[User.objects.get(username="representative")],
    )
    decision = services.decision_record(
        actor=staff,
        meeting_id=forum.pk,
        agenda_item_id=forum.items.get().agenda_item_id,
        text="由朱家和工作室牵头，争取政府部门投入资金，建设凤凰社区居家养老服务示范项目（养老服务站）。",
        method="consensus",
        owner_organisation=studio,
        due_date=timezone.localdate(now) - timedelta(days=30),
    )
    services.meeting_minutes_save(
        actor=staff,
        meeting_id=forum.pk,
        minutes=(
            "朱家和代表通报走访情况；居民代表、社区党委和社区工作人员座谈。\n"
            "议定：争取政府资金建设居家养老服务示范项目，工作室跟进立项和建设。"
        ),
        publish=True,
    )
    services.decision_progress(
        actor=staff,
        decision_id=decision.pk,
        note="已争取区民政局资金立项，凤凰社区养老服务站建成运营，转入项目清单跟踪。",
        done=True,
    )


def logins() -> list[tuple[str, str, str]]:
    rows = []
    for username, _full_name, role, scope in ACCOUNTS:
        if User.objects.filter(username=username).exists():
            rows.append((username, str(Role(role).label), scope))
    extra = [
        ("wuwuye_rep", Role.BUILDING_LIAISON, "居民自治小组（无物业小区）"),
        ("wuwuye_branch", Role.HANDLING_UNIT, "网格党支部"),
        (PROPERTY_COMPANY_ACCOUNT, Role.HANDLING_UNIT, "物业公司"),
    ]
    for username, role, scope in extra:
        if User.objects.filter(username=username).exists():
            rows.append((username, str(Role(role).label), scope))
    return rows
