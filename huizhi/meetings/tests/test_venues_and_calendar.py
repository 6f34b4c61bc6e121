"""Meeting places (协商议事亭 and others) kept by a community's staff, chosen when scheduling and shown
on a map; the month calendar of meetings in scope; inviting an organisation by name."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.core.models import AuditEntry
from huizhi.meetings.models import InviteeRole, Meeting, MeetingKind, Venue, VenueKind
from huizhi.meetings.services import MeetingError, meeting_invite, meeting_schedule, venue_create
from huizhi.meetings.tests.helpers import commissioner_of, community, group, party_committee, person, schedule
from huizhi.places.kinds import OrganisationKind
from huizhi.places.models import Organisation

pytestmark = pytest.mark.django_db


def _pavilion(name="三里亭人家南门协商议事亭", **changes):
    fields = {
        "actor": person("sanliting_staff"),
        "community": community(),
        "name": name,
        "kind": VenueKind.PAVILION,
        "address": "三里亭人家4栋东侧",
        "lon": 118.3312,
        "lat": 32.3105,
    }
    fields.update(changes)
    return venue_create(**fields)


def test_staff_add_a_venue_of_their_community_audited():
    venue = _pavilion()
    assert (venue.community_code, venue.kind) == (community().code, "pavilion")
    assert AuditEntry.objects.filter(action="meetings.venue.create", target__contains=venue.name).exists()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"actor": "huayuan_staff"}, "not_allowed"),
        ({"actor": "liaison"}, "not_allowed"),
        ({"actor": "sanliting-commissioner"}, "not_allowed"),
        ({"kind": "tent"}, "bad_input"),
        ({"name": " "}, "bad_input"),
        ({"name": "亭\x00"}, "bad_input"),
        ({"address": "很" * 201}, "bad_input"),
        ({"lon": None}, "bad_input"),
        ({"lat": 200.0}, "bad_input"),
        ({"lon": float("nan")}, "bad_input"),
        ({"lon": 32.31, "lat": 118.33}, "bad_input"),  # swapped
    ],
)
def test_a_bad_venue_is_refused_with_its_reason_and_nothing_saved(changes, code):
    if changes.get("actor") == "sanliting-commissioner":
        changes["actor"] = commissioner_of()
    elif "actor" in changes:
        changes["actor"] = person(changes["actor"])
    before = (Venue.objects.count(), AuditEntry.objects.count())
    with pytest.raises(MeetingError) as refusal:
        _pavilion(**changes)
    assert refusal.value.code == code, refusal.value.message
    assert (Venue.objects.count(), AuditEntry.objects.count()) == before


def test_one_name_once_per_community():
    _pavilion()
    with pytest.raises(MeetingError) as refusal:
        _pavilion()
    assert refusal.value.code == "already"


def test_a_meeting_is_held_at_its_communitys_venue_and_not_another_communitys():
    venue = _pavilion()
    elsewhere = _pavilion(
        actor=person("huayuan_staff"), community=community("花园街社区"), name="扬天小区议事亭"
    )
    starts = timezone.now() + timedelta(days=2)
    meeting = meeting_schedule(
        actor=person("sanliting_staff"),
        kind=MeetingKind.CONSULTATION,
        title="议事亭协商",
        organiser=group(1),
        venue_place=venue,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    assert (meeting.venue_place, meeting.venue) == (venue, "三里亭人家南门协商议事亭")
    before = Meeting.objects.count()
    with pytest.raises(MeetingError):
        meeting_schedule(
            actor=person("sanliting_staff"),
            kind=MeetingKind.CONSULTATION,
            title="错社区",
            organiser=group(1),
            venue_place=elsewhere,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
    with pytest.raises(MeetingError):  # neither a venue nor words
        meeting_schedule(
            actor=person("sanliting_staff"),
            kind=MeetingKind.CONSULTATION,
            title="无地点",
            organiser=group(1),
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
    assert Meeting.objects.count() == before


def test_the_venues_page_maps_the_scopes_venues_and_staff_add_one(client):
    mine = _pavilion()
    theirs = _pavilion(
        actor=person("huayuan_staff"), community=community("花园街社区"), name="扬天小区议事亭"
    )
    client.force_login(person("sanliting_staff"))
    page = client.get(reverse("meetings:venues"))
    body = page.content.decode()
    config = json.loads(body.split('id="venue-map-config" type="application/json">')[1].split("</script>")[0])
    ids = [p["id"] for p in config["points"]]
    assert mine.pk in ids and theirs.pk not in ids and f'data-venue="{theirs.pk}"' not in body
    assert set(Venue.objects.filter(pk__in=ids).values_list("community_code", flat=True)) == {
        community().code
    }
    assert "venues-map.js" in body and "//" not in config.get("tileUrl", "")[:2]
    response = client.post(
        reverse("meetings:venues"),
        {
            "community": community().pk,
            "name": "社区党群服务中心",
            "kind": "hall",
            "address": "三里亭路1号",
            "lon": "118.33",
            "lat": "32.31",
        },
    )
    assert response.status_code == 302 and Venue.objects.filter(name="社区党群服务中心").exists()
    refused = client.post(
        reverse("meetings:venues"),
        {
            "community": community().pk,
            "name": "坏点",
            "kind": "hall",
            "address": "x",
            "lon": "999",
            "lat": "32.31",
        },
    )
    assert refused.status_code == 400 and "坏点" in refused.content.decode()
    # Oversight sees the places and adds none; a resident is not let in.
    client.force_login(commissioner_of())
    page = client.get(reverse("meetings:venues"))
    assert (
        f'data-venue="{mine.pk}"' in page.content.decode() and 'id="venue-form"' not in page.content.decode()
    )
    assert client.post(reverse("meetings:venues"), {"name": "x"}).status_code == 403
    client.force_login(person("resident"))
    assert client.get(reverse("meetings:venues")).status_code == 403


def test_the_calendar_shows_the_months_meetings_in_scope_in_bounded_queries(
    client, django_assert_max_num_queries
):
    mine = [schedule(in_days=d) for d in (1, 2, 3)]
    theirs = schedule(
        actor=person("huayuan_staff"),
        organiser=Organisation.objects.get(
            kind=OrganisationKind.PARTY_COMMITTEE, place=community("花园街社区")
        ),
        in_days=2,
    )
    month = timezone.localtime(mine[0].starts_at).strftime("%Y-%m")
    client.force_login(person("sanliting_staff"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("meetings:calendar"), {"month": month})
    body = page.content.decode()
    shown = [m for m in mine if timezone.localtime(m.starts_at).strftime("%Y-%m") == month]
    assert page.status_code == 200 and all(f'data-meeting="{m.pk}"' in body for m in shown)
    assert f'data-meeting="{theirs.pk}"' not in body
    assert client.get(reverse("meetings:calendar"), {"month": "2026-13"}).status_code == 400
    assert client.get(reverse("meetings:calendar"), {"month": "9999-01"}).status_code == 400
    client.force_login(person("resident"))
    assert client.get(reverse("meetings:calendar")).status_code == 403


def test_a_compound_without_property_management_invites_a_property_company_by_name():
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant, user_create

    company = Organisation.objects.filter(kind=OrganisationKind.PROPERTY_COMPANY).first()
    account = user_create(username="property-desk", password=None, full_name="物业客服")
    role_grant(user=account, role=Role.HANDLING_UNIT, organisation=company)
    meeting = schedule(organiser=party_committee(), roles=(InviteeRole.STAFF,))
    invited = meeting_invite(actor=person("sanliting_staff"), meeting_id=meeting.pk, organisations=[company])
    assert [(i.user, i.role, i.organisation) for i in invited] == [(account, "property_company", company)]
    crew = Organisation.objects.get(kind=OrganisationKind.REPAIR_CREW, place=community())
    with pytest.raises(MeetingError):  # a crew is no party to a meeting
        meeting_invite(actor=person("sanliting_staff"), meeting_id=meeting.pk, organisations=[crew])
    with pytest.raises(MeetingError) as refusal:
        meeting_invite(actor=person("liaison"), meeting_id=meeting.pk, organisations=[company])
    assert refusal.value.code == "not_allowed"
