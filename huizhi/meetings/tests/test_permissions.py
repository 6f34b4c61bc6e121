"""Who sees a meeting, reads its minutes before they are published, and runs it: a role matrix
asserting both what each is allowed and what each is refused, before and after publishing."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

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
            due_date=meeting.starts_at.date(),
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
            due_date=meeting.starts_at.date(),
        )
    assert set(meetings_visible_to(crew).filter(pk__in=[meeting.pk, other.pk])) == {meeting}
    assert crew.has_perm("meetings.view_meetings")  # offered in the navigation
    assert not person(RESIDENT).has_perm("meetings.view_meetings")
    assert not bool(can_read_minutes(crew, meeting))  # unpublished: not theirs to read
