"""Demo consultation (DESIGN §8, §12): in 三里亭人家 4栋 a resident raises a leaking roof on the
problem wall; staff send it to 第1自治小组's 协商议事会, which met ten days ago and voted a repair by
the community's repair crew; a case was opened from the decision and closed, and the decision's
progress is on 三里亭社区's echo wall. A second decision (clearing the stairwells) is past due, for the
commissioner's supervision. 争先自治大区 holds its 恳谈会 this month.

Everything goes through the services; meetings are scheduled ahead (as the service insists) and then
moved back to when they took place, as the wall's demo moves its posts."""

from datetime import timedelta

from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Category
from huizhi.cases.services import case_transition
from huizhi.meetings import services
from huizhi.meetings.models import AgendaItem, InviteeRole, Meeting, MeetingKind
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region
from huizhi.site.demo.people import DEMO_PASSWORD
from huizhi.wall import services as wall
from huizhi.wall.models import TriageDecision

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
    group = Group.objects.get(name="第1自治小组", place=building)
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
        venue="三里亭人家协商议事亭",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        invite_roles=[InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.STAFF, InviteeRole.PARTY_COMMITTEE],
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
        text="由社区红色汇治维修队更换4栋3单元顶楼屋面防水层，费用从小区公共维修资金列支。",
        method="vote",
        votes={liaison.pk: "for"},
        owner_organisation=crew,
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
            "一、4栋顶楼漏水：居民反映3单元顶楼雨天漏水。经表决，同意由社区红色汇治维修队更换屋面防水层，"
            "费用从公共维修资金列支，两周内完成。\n"
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
        actor=worker, decision_id=repair.pk, note="材料已进场，周六施工，施工期间请勿上屋面。"
    )
    case_transition(
        actor=worker, case_id=case.pk, action="report_result", note="已铲除旧防水层，重新铺设SBS防水卷材。"
    )
    case_transition(actor=staff, case_id=case.pk, action="verify")
    services.decision_progress(
        actor=worker, decision_id=repair.pk, note="屋面防水层已更换，经雨天检验不再漏水。", done=True
    )

    # 争先自治大区's 恳谈会 this month, coming up.
    region = Region.objects.get(name="争先自治大区", place=building)
    starts = timezone.localtime(now + timedelta(days=2)).replace(hour=19, minute=30, second=0, microsecond=0)
    dialogue = services.meeting_schedule(
        actor=staff,
        kind=MeetingKind.DIALOGUE,
        title="争先自治大区月度恳谈会",
        organiser=region,
        venue="4栋一楼党员活动室",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1, minutes=30),
        invite_roles=[InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.STAFF, InviteeRole.MEMBER_UNIT],
    )
    services.agenda_add(actor=staff, meeting_id=dialogue.pk, title="冬季用电安全", summary="")


def logins() -> list[tuple[str, str, str]]:
    rows = []
    for username, _full_name, role, scope in ACCOUNTS:
        if User.objects.filter(username=username).exists():
            rows.append((username, str(Role(role).label), scope))
    return rows
