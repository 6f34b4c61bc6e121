"""The projects' small world: one street of two communities, a member unit serving the street, one
placed in another street, a representative with a studio, and the reading roles; data past the
first state is built through the real services (wall, meetings, projects)."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.meetings.models import AgendaItem, MeetingKind
from huizhi.meetings.services import agenda_add, decision_record, meeting_minutes_save, meeting_schedule
from huizhi.places.kinds import OrganisationKind
from huizhi.places.models import Organisation, Place
from huizhi.projects import services
from huizhi.projects.models import Need, Resource
from huizhi.wall import services as wall
from huizhi.wall.models import TriageDecision
from huizhi.wall.tests.helpers import resident as old_resident
from tests.factories import CommunityFactory, OrganisationFactory, SmallStreet, UserFactory, small_street


@dataclass
class World:
    street: SmallStreet
    community: Place
    other_community: Place  # same street
    staff: User
    other_staff: User  # staff of the other community
    street_admin: User
    commissioner: User
    representative: User
    studio: Organisation
    unit: Organisation  # member unit placed at the street: serves both communities
    unit_account: User
    far_unit: Organisation  # member unit of another street
    far_unit_account: User
    crew_member: User  # a handling unit that is not a member unit
    resident: User


def build_world() -> World:
    w = small_street()
    other = CommunityFactory(parent=w.street)
    unit = OrganisationFactory(kind=OrganisationKind.MEMBER_UNIT, place=w.street, name="测试供电所")
    far_unit = OrganisationFactory(
        kind=OrganisationKind.MEMBER_UNIT, place=CommunityFactory(), name="外街道成员单位"
    )
    studio = OrganisationFactory(
        kind=OrganisationKind.REPRESENTATIVE_STUDIO, place=w.community, name="测试工作室"
    )
    return World(
        street=w,
        community=w.community,
        other_community=other,
        staff=w.staff,
        other_staff=UserFactory(role=Role.COMMUNITY_STAFF, over=other),
        street_admin=w.street_admin,
        commissioner=UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=w.community),
        representative=UserFactory(role=Role.REPRESENTATIVE, over=w.community),
        studio=studio,
        unit=unit,
        unit_account=UserFactory(role=Role.HANDLING_UNIT, over=unit),
        far_unit=far_unit,
        far_unit_account=UserFactory(role=Role.HANDLING_UNIT, over=far_unit),
        crew_member=w.crew_member,
        resident=w.resident,
    )


def fresh(user: User) -> User:
    """The user as a new request loads it (scopes and units read again)."""
    return User.objects.get(pk=user.pk)


def need_in(world: World, community: Place | None = None, title: str = "老人助餐") -> Need:
    community = community or world.community
    actor = world.staff if community == world.community else world.other_staff
    return services.need_record(
        actor=actor,
        community=community,
        title=title,
        description="独居老人吃饭难，需要助餐点。",
        source="visit",
    )


def resource_of(world: World, organisation: Organisation | None = None, **fields) -> Resource:
    organisation = organisation or world.unit
    account = {world.unit.pk: world.unit_account, world.far_unit.pk: world.far_unit_account}.get(
        organisation.pk
    )
    values = {"kind": "funds", "title": "助老资金", "amount": Decimal("50000")} | fields
    return services.resource_record(actor=account or world.staff, organisation=organisation, **values)


def dates(start_in: int = 0, days: int = 60):
    today = timezone.localdate()
    return {"starts_on": today + timedelta(days=start_in), "ends_on": today + timedelta(days=start_in + days)}


def decision_from_wall(world: World, *, publish_minutes: bool = True):
    """A resident's wall item sent to a meeting that decided a repair owned by the member unit; the
    minutes published unless told otherwise. Returns (decision, post)."""
    w = world.street
    author = old_resident("13900009999")
    draft = wall.post_draft(
        actor=author,
        category=w.category,
        title="4栋屋顶漏水",
        description="一下雨顶楼就漏水。",
        place=w.building,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)
    wall.post_triage(
        actor=world.staff, post_id=post.pk, outcome=TriageDecision.AGENDA, text="提交协商议事会。"
    )
    item = AgendaItem.objects.get(source_post=post)
    committee = OrganisationFactory(kind=OrganisationKind.PARTY_COMMITTEE, place=world.community)
    starts = timezone.now() + timedelta(hours=2)
    meeting = meeting_schedule(
        actor=world.staff,
        kind=MeetingKind.CONSULTATION,
        title="屋顶漏水协商议事会",
        organiser=committee,
        venue="协商议事亭",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
    )
    agenda_add(actor=world.staff, meeting_id=meeting.pk, agenda_item_id=item.pk)
    with time_machine.travel(starts + timedelta(minutes=30), tick=False):
        decision = decision_record(
            actor=world.staff,
            meeting_id=meeting.pk,
            agenda_item_id=item.pk,
            text="屋顶漏水由测试供电所出资维修。",
            method="consensus",
            owner_organisation=world.unit,
            due_date=timezone.localdate() + timedelta(days=30),
        )
        if publish_minutes:
            meeting_minutes_save(actor=world.staff, meeting_id=meeting.pk, minutes="议定维修。", publish=True)
    return decision, post
