"""The demo tells the article's consultation story as data (DESIGN §12, issue 14)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.cases.states import Source, Status
from huizhi.meetings import selectors
from huizhi.meetings.models import Commendation, Decision, Meeting, MeetingKind, Venue, VenueKind
from huizhi.meetings.tests.helpers import community, person
from huizhi.places.kinds import OrganisationKind
from huizhi.registry.models import Resident
from huizhi.site.demo import demo_logins
from huizhi.wall import selectors as wall_selectors
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db


def test_the_leaking_roof_went_from_the_wall_to_a_group_meeting_a_closed_case_and_the_echo_wall():
    post = Post.objects.get(title="4栋顶楼漏水")
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, organiser_name="三里亭人家4栋第1自治小组")
    assert meeting.starts_at < timezone.now() and meeting.minutes_published
    assert meeting.venue_place.kind == VenueKind.PAVILION
    repair = Decision.objects.get(agenda_item__source_post=post)
    assert "屋顶漏水" in repair.text and repair.status == "done"
    unit = repair.owner_organisation
    assert (unit.name, unit.kind, unit.place) == ("琅琊供电所", OrganisationKind.MEMBER_UNIT, community())
    case = repair.cases.get()
    assert (case.source, case.status) == (Source.MEETING, Status.CLOSED)
    echo = wall_selectors.echo_posts(community(), wall_selectors.WallFilter())
    assert post in echo
    assert any("不再漏水" in r.text for r in post.responses.all())


def test_both_regions_held_a_dialogue_this_month_and_a_commendation_meeting_last_quarter():
    now = timezone.localtime()
    for region in ("争先自治大区", "创优自治大区"):
        held = Meeting.objects.filter(
            kind=MeetingKind.DIALOGUE, organiser_name=f"三里亭人家4栋{region}", starts_at__lt=timezone.now()
        )
        assert any(timezone.localtime(m.starts_at).month == now.month for m in held), region
        ceremony = Meeting.objects.get(kind=MeetingKind.COMMENDATION, organiser_name=f"三里亭人家4栋{region}")
        quarter = lambda d: (d.year, (d.month - 1) // 3)  # noqa: E731
        months_back = (now.year - ceremony.starts_at.year) * 12 + now.month - ceremony.starts_at.month
        assert 1 <= months_back <= 5 and quarter(timezone.localtime(ceremony.starts_at)) != quarter(now)
        kinds = set(ceremony.commendations.values_list("kind", flat=True))
        assert kinds == {"volunteer", "household", "group"}
    upcoming = Meeting.objects.get(kind=MeetingKind.DIALOGUE, starts_at__gt=timezone.now())
    assert upcoming.organiser_name == "三里亭人家4栋争先自治大区"


def test_the_public_commendations_name_households_by_door_and_volunteers_masked(client):
    page = client.get(reverse("meetings:commendations", args=[community().code])).content.decode()
    households = Commendation.objects.filter(kind="household", community=community())
    assert households.count() == 4 and all(h.public_name in page for h in households)
    assert all(h.public_name.startswith("三里亭人家4栋") for h in households)
    for volunteer in Commendation.objects.filter(kind="volunteer", community=community()):
        assert volunteer.hours > 0 and volunteer.public_name.endswith("*")
        assert volunteer.volunteer.resident.name not in page
    names = Resident.objects.filter(place_code__startswith=community().code).values_list("name", flat=True)
    assert not any(len(n) > 1 and n in page for n in names)


def test_a_pavilion_meeting_without_property_management_and_the_studios_forum():
    pavilion_meeting = Meeting.objects.get(title__endswith="引入物业服务协商议事会")
    assert pavilion_meeting.venue_place.kind == VenueKind.PAVILION
    assert pavilion_meeting.venue_place.name.endswith("协商议事亭")
    parties = set(pavilion_meeting.invitations.values_list("role", flat=True))
    assert {"resident_rep", "grid_branch", "property_company"} <= parties
    assert pavilion_meeting.invitations.filter(attended_at__isnull=False).count() == 3
    forum = Meeting.objects.get(kind=MeetingKind.FORUM, organiser_organisation__name="朱家和工作室")
    assert forum.minutes_published and forum.decisions.get().status == "done"
    assert Venue.objects.filter(kind=VenueKind.STUDIO, name="朱家和工作室").exists()


def test_a_past_due_decision_waits_for_the_commissioner():
    overdue = list(selectors.overdue_decisions(person("sanliting_commissioner")))
    assert [d.text[:7] for d in overdue] == ["中心党员户动员"]
    assert ("sanliting_commissioner", "三里亭社区") in [
        (login, scope) for login, _role, scope in demo_logins()
    ]
