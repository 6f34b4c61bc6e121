"""What the meetings' tests share: the demo's people and bodies of 三里亭社区, meetings scheduled
through the real services, and the clock moved to the meeting."""

from contextlib import contextmanager
from datetime import timedelta

import time_machine
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.meetings.models import InviteeRole, Meeting, MeetingKind
from huizhi.meetings.services import meeting_schedule
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place

SANLITING = "三里亭社区"


def person(username: str) -> User:
    return User.objects.get(username=username)


def community(name: str = SANLITING) -> Place:
    return Place.objects.get(kind=PlaceKind.COMMUNITY, name=name)


def group(number: int = 1) -> Group:
    return Group.objects.get(name=f"第{number}自治小组", place__parent__name="三里亭人家")


def party_committee(name: str = SANLITING) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.PARTY_COMMITTEE, place=community(name))


def repair_crew(name: str = SANLITING) -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.REPAIR_CREW, place=community(name))


def commissioner_of(name: str = SANLITING) -> User:
    """A discipline commissioner over `name` (the demo's own one serves 花园街社区)."""
    username = f"commissioner-{community(name).code}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(username=username, password=None, full_name="纪检委员")
        role_grant(user=user, role=Role.DISCIPLINE_COMMISSIONER, place=community(name))
    return user


def crew_account(name: str = SANLITING) -> User:
    user = user_create(username=f"crew-{community(name).code}", password=None, full_name="维修队")
    role_grant(user=user, role=Role.HANDLING_UNIT, organisation=repair_crew(name))
    return user


def schedule(
    *,
    actor=None,
    organiser=None,
    kind=MeetingKind.CONSULTATION,
    in_days: float = 2,
    roles=(InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.STAFF),
    title="4栋顶楼漏水协商议事会",
) -> Meeting:
    starts = timezone.now() + timedelta(days=in_days)
    return meeting_schedule(
        actor=actor or person("sanliting_staff"),
        kind=kind,
        title=title,
        organiser=organiser or group(1),
        venue="4栋协商议事亭",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        invite_roles=roles,
    )


@contextmanager
def during(meeting: Meeting, minutes: int = 10):
    """The clock at `minutes` after the meeting's start (and ticking)."""
    with time_machine.travel(meeting.starts_at + timedelta(minutes=minutes), tick=True):
        yield
