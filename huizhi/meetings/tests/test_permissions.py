"""Who sees a meeting, reads its minutes before they are published, and runs it: a role matrix
asserting both what each is allowed and what each is refused, before and after publishing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from huizhi.meetings.permissions import (
    can_read_minutes,
    can_report_progress,
    get_meeting_for_user,
    meetings_visible_to,
    organises,
)
from huizhi.meetings.services import decision_record, meeting_minutes_save
from huizhi.meetings.tests.helpers import commissioner_of, during, party_committee, person, schedule

pytestmark = pytest.mark.django_db

ORGANISER, INVITEE, COMMISSIONER = "sanliting_staff", "liaison", "sanliting-commissioner"
OTHER_COMMISSIONER, OTHER_STAFF, RESIDENT, STREET = "commissioner", "huayuan_staff", "resident", "street"


def who(name: str):
    if name == COMMISSIONER:
        return commissioner_of("三里亭社区")
    if name == "anonymous":
        return AnonymousUser()
    return person(name)


@pytest.fixture
def meeting():
    # Held by the community's party committee: the group's liaison is invited, not organising.
    return schedule(organiser=party_committee())


# (user, sees the meeting, reads unpublished minutes, organises)
MATRIX = [
    (ORGANISER, True, True, True),
    (INVITEE, True, False, False),
    (COMMISSIONER, True, True, False),
    (STREET, True, True, False),
    (OTHER_COMMISSIONER, False, False, False),
    (OTHER_STAFF, False, False, False),
    (RESIDENT, False, False, False),
    ("anonymous", False, False, False),
]


@pytest.mark.parametrize(("name", "sees", "reads_unpublished", "runs"), MATRIX)
def test_each_role_sees_reads_and_runs_only_what_it_should(meeting, name, sees, reads_unpublished, runs):
    user = who(name)
    assert meetings_visible_to(user).filter(pk=meeting.pk).exists() is sees
    if not sees:
        with pytest.raises(Http404):
            get_meeting_for_user(user, meeting.pk)
    assert bool(can_read_minutes(user, meeting)) is reads_unpublished
    assert organises(user, meeting) is runs


@pytest.mark.parametrize(("name", "sees", "_reads", "_runs"), MATRIX)
def test_published_minutes_are_read_by_whoever_sees_the_meeting(meeting, name, sees, _reads, _runs):
    with during(meeting):
        meeting_minutes_save(actor=person(ORGANISER), meeting_id=meeting.pk, minutes="纪要", publish=True)
    meeting.refresh_from_db()
    assert bool(can_read_minutes(who(name), meeting)) is sees


def test_the_groups_liaison_organises_its_groups_meetings():
    group_meeting = schedule()  # held by 第1自治小组, whose liaison the demo's liaison is
    assert organises(person(INVITEE), group_meeting)
    assert not organises(person(RESIDENT), group_meeting)


def test_progress_is_reported_by_the_owner_and_organisers_not_by_invitees_or_oversight(meeting):
    with during(meeting):
        decision = decision_record(
            actor=person(ORGANISER),
            meeting_id=meeting.pk,
            text="楼道堆物三日内清理",
            method="consensus",
            owner_user=person(INVITEE),
            due_date=timezone.localtime(meeting.starts_at).date(),
        )
    assert can_report_progress(person(INVITEE), decision)  # the owner, though only an invitee
    assert can_report_progress(person(ORGANISER), decision)
    assert not can_report_progress(commissioner_of("三里亭社区"), decision)  # supervises, never edits
    assert not can_report_progress(person(RESIDENT), decision)


def test_the_owner_of_a_decision_sees_its_meeting_and_no_other(meeting):
    from huizhi.meetings.tests.helpers import crew_account, repair_crew

    crew = crew_account()
    other = schedule(organiser=party_committee(), in_days=5)
    assert not meetings_visible_to(crew).filter(pk=meeting.pk).exists()
    with during(meeting):
        decision_record(
            actor=person(ORGANISER),
            meeting_id=meeting.pk,
            text="修补屋面",
            method="consensus",
            owner_organisation=repair_crew(),
            due_date=timezone.localtime(meeting.starts_at).date(),
        )
    assert set(meetings_visible_to(crew).filter(pk__in=[meeting.pk, other.pk])) == {meeting}
    assert crew.has_perm("meetings.view_meetings")  # offered in the navigation
    assert not person(RESIDENT).has_perm("meetings.view_meetings")
    assert not bool(can_read_minutes(crew, meeting))  # unpublished: not theirs to read


# --- the QR sign-in, commendations, the calendar and venues, per role ------------------------------


def _helpers_at_the_meeting():
    """A deputy (两代表一委员) over the street and an account of a street member unit of the 大党委."""
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant, user_create
    from huizhi.places.kinds import OrganisationKind, PlaceKind
    from huizhi.places.models import Organisation, Place

    deputy = user_create(username="deputy", password=None, full_name="人大代表")
    role_grant(user=deputy, role=Role.REPRESENTATIVE, place=Place.objects.get(kind=PlaceKind.STREET))
    unit = user_create(username="member-unit", password=None, full_name="供电公司党委")
    organisation = Organisation.objects.filter(kind=OrganisationKind.MEMBER_UNIT).order_by("pk").first()
    role_grant(user=unit, role=Role.HANDLING_UNIT, organisation=organisation)
    return {"representative": deputy, "member_unit": unit}


# (who, signs in with the code, sees the code and commends, opens the calendar and venues)
ROLE_RIGHTS = [
    ("organiser", False, True, True),  # organises; not invited in this meeting
    ("invitee", True, False, True),
    ("representative", True, False, True),
    ("member_unit", True, False, True),
    ("commissioner", False, False, True),
    ("resident", False, False, False),
]


@pytest.mark.parametrize(("role", "signs_in", "runs", "opens_pages"), ROLE_RIGHTS)
def test_each_role_signs_in_commends_and_opens_the_pages_only_as_it_should(
    client, role, signs_in, runs, opens_pages
):
    from django.urls import reverse

    from huizhi.meetings.models import InviteeRole, MeetingKind
    from huizhi.meetings.permissions import can_commend
    from huizhi.meetings.services import MeetingError, meeting_sign_in

    helpers = _helpers_at_the_meeting()
    users = {
        "organiser": person(ORGANISER),
        "invitee": person(INVITEE),
        "commissioner": commissioner_of("三里亭社区"),
        "resident": person(RESIDENT),
        **helpers,
    }
    meeting = schedule(
        organiser=party_committee(),
        kind=MeetingKind.COMMENDATION,
        roles=(InviteeRole.RESIDENT_REPRESENTATIVE, InviteeRole.REPRESENTATIVE, InviteeRole.MEMBER_UNIT),
    )
    user = users[role]
    with during(meeting):
        if signs_in:
            assert meeting_sign_in(actor=user, meeting_id=meeting.pk, token=meeting.sign_in_token).attended_at
        else:
            with pytest.raises(MeetingError) as refusal:
                meeting_sign_in(actor=user, meeting_id=meeting.pk, token=meeting.sign_in_token)
            assert refusal.value.code == "not_allowed"
    assert bool(can_commend(user, meeting)) is runs
    client.force_login(user)
    detail = client.get(reverse("meetings:detail", args=[meeting.pk]))
    assert (meeting.sign_in_token in detail.content.decode()) is runs
    for name in ("meetings:calendar", "meetings:venues"):
        assert (client.get(reverse(name)).status_code == 200) is opens_pages, name
    assert user.has_perm("meetings.add_venue") is (role == "organiser")
