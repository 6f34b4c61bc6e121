"""Commendations at a 表彰会: who may record them, whom (a volunteer with confirmed hours and points,
a central party-member household, a group), what is refused, and the public list that names a
volunteer only by a masked name and a household only by its building and group, never its door."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import override

from huizhi.care import services as care
from huizhi.meetings.models import Commendation, MeetingKind
from huizhi.meetings.services import MeetingError, commendation_record
from huizhi.meetings.tests.helpers import (
    commissioner_of,
    community,
    during,
    group,
    party_committee,
    person,
    schedule,
)
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Place
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer():
    """A resident of 三里亭人家4栋 registered as a volunteer, with 3 confirmed hours and 2 pending."""
    staff = person("sanliting_staff")
    resident = (
        Resident.objects.filter(place_code__startswith=group(1).place.code, is_active=True)
        .filter(volunteer_record__isnull=True)  # the demo's own volunteers are registered already
        .order_by("id")
        .first()
    )
    volunteer = care.volunteer_register(actor=staff, resident=resident)
    today = timezone.localdate()
    for title, hours, confirm in (("清理楼道", 3, True), ("敬老探访", 2, False)):
        activity = care.volunteer_activity_create(
            actor=staff, community=community(), title=title, held_on=today - timedelta(days=3)
        )
        row = care.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=activity.held_on,
            hours=hours,
        )
        if confirm:
            care.hours_confirm(actor=staff, hours_id=row.pk)
    return volunteer


@pytest.fixture
def ceremony():
    return schedule(organiser=party_committee(), kind=MeetingKind.COMMENDATION, title="三里亭社区年度表彰会")


def test_the_public_name_is_kept_in_the_sites_language_whatever_the_recorders(ceremony):
    # Staff reading the console in English record the same public name a resident reads.
    with during(ceremony), translation.override("en"):
        commended = commendation_record(
            actor=person("sanliting_staff"),
            meeting_id=ceremony.pk,
            household=group(3).central_household,
            reason="热心。",
        )
    assert commended.public_name.endswith("中心党员户")


def _refused(code, **kwargs):
    before = (Commendation.objects.count(), list(kwargs["meeting"].events.values_list("id", flat=True)))
    meeting = kwargs.pop("meeting")
    with pytest.raises(MeetingError) as refusal:
        commendation_record(meeting_id=meeting.pk, **kwargs)
    assert refusal.value.code == code, refusal.value.message
    assert (Commendation.objects.count(), list(meeting.events.values_list("id", flat=True))) == before
    return refusal.value


def test_a_volunteer_household_and_group_are_commended_with_what_the_public_may_read(ceremony, volunteer):
    staff = person("sanliting_staff")
    household = group(3).central_household
    with during(ceremony):
        for_volunteer = commendation_record(
            actor=staff, meeting_id=ceremony.pk, volunteer=volunteer, reason="常年清理楼道。"
        )
        for_household = commendation_record(
            actor=staff, meeting_id=ceremony.pk, household=household, reason="联系包户热心周到。"
        )
        for_group = commendation_record(
            actor=staff, meeting_id=ceremony.pk, group=group(2), reason="议事规范。"
        )
    name = volunteer.resident.name
    assert for_volunteer.public_name == name[0] + "*" * (len(name) - 1)
    assert (for_volunteer.hours, for_volunteer.points) == (3, 30)  # pending hours do not count
    # By its building and the group it leads, never by its door (DESIGN §5).
    led = household.led_group
    assert for_household.public_name == f"三里亭人家4栋{led.name}中心党员户"
    assert household.name not in for_household.public_name
    assert for_group.public_name == "三里亭人家4栋第2自治小组"
    assert ceremony.events.filter(action="commended").count() == 3

    # The public list: no login, no resident's name, the household by its address.
    from django.test import Client

    page = Client().get(reverse("meetings:commendations", args=[community().code]))
    body = page.content.decode()
    assert page.status_code == 200 and for_volunteer.public_name in body and "30" in body
    assert name not in body and for_household.public_name in body and f"4栋{household.name}" not in body
    household_residents = Resident.objects.filter(household__unit=household).values_list("name", flat=True)
    assert household_residents and not any(n in body for n in household_residents)


def test_commendations_refused_with_a_reason_and_nothing_saved(ceremony, volunteer):
    staff = person("sanliting_staff")
    other_community_group = Group.objects.exclude(place__code__startswith=community().code).first()
    not_central = Place.objects.filter(
        kind=PlaceKind.UNIT, led_group__isnull=True, code__startswith=group(1).place.code
    ).first()
    _refused(
        "wrong_state", actor=staff, meeting=ceremony, volunteer=volunteer, reason="尚未开会"
    )  # not begun
    with during(ceremony):
        _refused("not_allowed", actor=person("liaison"), meeting=ceremony, group=group(1), reason="非组织者")
        _refused("not_allowed", actor=commissioner_of(), meeting=ceremony, group=group(1), reason="监督者")
        _refused("missing_party", actor=staff, meeting=ceremony, reason="没有对象")
        _refused(
            "missing_party", actor=staff, meeting=ceremony, group=group(1), volunteer=volunteer, reason="两个"
        )
        _refused("bad_input", actor=staff, meeting=ceremony, household=not_central, reason="普通住户")
        _refused("bad_input", actor=staff, meeting=ceremony, group=group(1), reason="   ")
        _refused("bad_input", actor=staff, meeting=ceremony, group=group(1), reason="a\x00b")
        _refused("bad_input", actor=staff, meeting=ceremony, group=group(1), reason="很" * 1001)
        if other_community_group is not None:
            _refused("bad_input", actor=staff, meeting=ceremony, group=other_community_group, reason="外社区")
        commendation_record(actor=staff, meeting_id=ceremony.pk, group=group(1), reason="表现突出")
        _refused("already", actor=staff, meeting=ceremony, group=group(1), reason="再次表彰")
    dialogue = schedule(organiser=party_committee(), kind=MeetingKind.DIALOGUE, in_days=4)
    with during(dialogue):
        _refused("wrong_state", actor=staff, meeting=dialogue, group=group(1), reason="恳谈会不表彰")


def test_the_commendation_form_on_the_meeting_page(client, ceremony, volunteer):
    detail = reverse("meetings:detail", args=[ceremony.pk])
    url = reverse("meetings:commend", args=[ceremony.pk])
    client.force_login(person("sanliting_staff"))
    with during(ceremony):
        page = client.get(detail).content.decode()
        assert 'id="commendation-form"' in page and f"volunteer:{volunteer.pk}" in page
        assert f"household:{group(1).central_household_id}" in page
        response = client.post(url, {"whom": f"volunteer:{volunteer.pk}", "reason": "服务时长第一。"})
        assert response.status_code == 302
        with override("en"):
            refused = client.post(
                url,
                {"whom": f"volunteer:{volunteer.pk}", "reason": "again"},
                headers={"Accept-Language": "en"},
            )
        assert refused.status_code == 409 and "already commended" in refused.content.decode()
        assert client.post(url, {"whom": "group:999999", "reason": "x"}).status_code == 400
        client.force_login(person("liaison"))  # invited at most: no form, and the action refused
        assert 'id="commendation-form"' not in client.get(detail).content.decode()
        assert client.post(url, {"whom": f"group:{group(1).pk}", "reason": "x"}).status_code in (403, 404)
    assert Commendation.objects.filter(meeting=ceremony).count() == 1


def test_the_public_list_is_per_community_and_costs_a_fixed_number_of_queries(
    client, ceremony, volunteer, django_assert_max_num_queries
):
    with during(ceremony):
        for number in range(1, 6):
            commendation_record(
                actor=person("sanliting_staff"), meeting_id=ceremony.pk, group=group(number), reason="好"
            )
    with django_assert_max_num_queries(6):
        page = client.get(reverse("meetings:commendations", args=[community().code]))
    assert page.content.decode().count("data-commendation=") >= 5
    other = client.get(reverse("meetings:commendations", args=[community("凤凰社区").code]))
    assert f'data-meeting="{ceremony.pk}"' not in other.content.decode()
    assert client.get(reverse("meetings:commendations", args=["000000000000"])).status_code == 404
