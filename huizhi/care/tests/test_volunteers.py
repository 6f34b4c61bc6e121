"""Volunteers: registration with skills by their community's staff, activities, hours (never in
the future or before the activity, confirmed by the organiser), the ranking and its export."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.care import selectors, services
from huizhi.care.models import (
    Volunteer,
    VolunteerActivity,
)
from huizhi.care.tests.conftest import (
    HUAYUAN,
    make_resident,
    page,
    person,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db


def test_staff_register_a_resident_of_their_community_once_with_skills(staff):
    resident = make_resident(birth=years_ago(35), name="新志愿者甲")
    volunteer = services.volunteer_register(actor=staff, resident=resident, skills=" 理发、手工 ")
    assert volunteer.skills == "理发、手工" and volunteer.place_code == resident.place_code
    assert Resident.objects.get(pk=resident.pk).volunteer
    with refused("duplicate") as info:
        services.volunteer_register(actor=staff, resident=resident, skills="唱歌")
    assert "新志愿者甲 is already a volunteer." in info.value.messages
    assert Volunteer.objects.filter(resident=resident).count() == 1


def test_a_resident_of_another_community_is_refused_with_the_reason(staff):
    outsider = make_resident(birth=years_ago(40), grid_code=HUAYUAN + "001", name="花园居民")
    with refused("outside") as info:
        services.volunteer_register(actor=staff, resident=outsider, skills="理发")
    assert "花园居民 is not registered in your community" in info.value.messages[0]
    assert not Volunteer.objects.filter(resident=outsider).exists()
    # Their own community's staff may.
    services.volunteer_register(actor=person("huayuan_staff"), resident=outsider)


@pytest.mark.parametrize(
    "username", ["street", "fenghuang_gridworker", "care_operator", "care_party", "resident"]
)
def test_only_community_staff_register_volunteers(username):
    resident = make_resident(birth=years_ago(30))
    with refused("not_allowed"):
        services.volunteer_register(actor=person(username), resident=resident)
    assert not Volunteer.objects.filter(resident=resident).exists()


def test_bad_skills_are_refused_and_save_nothing(staff):
    resident = make_resident(birth=years_ago(30))
    for skills in ("<script>alert(1)</script>", "技" * 201):
        with refused("bad_input"):
            services.volunteer_register(actor=staff, resident=resident, skills=skills)
    assert not Volunteer.objects.filter(resident=resident).exists()
    assert not Resident.objects.get(pk=resident.pk).volunteer


def test_skills_are_edited_by_the_volunteer_s_community_only(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30)))
    services.volunteer_update(actor=staff, volunteer_id=volunteer.pk, skills="心理疏导")
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "心理疏导"
    for username in ("huayuan_staff", "street"):
        with refused("not_allowed"):
            services.volunteer_update(actor=person(username), volunteer_id=volunteer.pk, skills="x")
    with refused("bad_input"):
        services.volunteer_update(actor=staff, volunteer_id=volunteer.pk, skills="<b>x</b>")
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "心理疏导"


def test_registration_page_finds_registers_and_refuses_with_reason(en_client, staff):
    resident = make_resident(birth=years_ago(33), name="查找测试人")
    outsider = make_resident(birth=years_ago(33), grid_code=HUAYUAN + "001", name="查找外人")
    en_client.force_login(staff)
    found = page(en_client.get("/console/care/volunteers/register/", {"q": "查找"}))
    assert f'data-resident="{resident.pk}"' in found
    assert f'data-resident="{outsider.pk}"' not in found  # not in this community's registry
    response = en_client.post(
        "/console/care/volunteers/register/", {"resident": resident.pk, "skills": "理发"}
    )
    volunteer = Volunteer.objects.get(resident=resident)
    assert response.status_code == 302 and response["Location"] == f"/console/care/volunteers/{volunteer.pk}/"
    again = en_client.post("/console/care/volunteers/register/", {"resident": resident.pk, "skills": ""})
    assert "查找测试人 is already a volunteer." in page(again)
    listed = page(en_client.get("/console/care/volunteers/register/", {"q": "查找测试人"}))
    assert f"/console/care/volunteers/{volunteer.pk}/" in listed  # already registered: a link, no form
    response = en_client.post("/console/care/volunteers/register/", {"resident": outsider.pk, "skills": ""})
    assert "That resident is not in your community&#x27;s registry." in page(response)
    assert not Volunteer.objects.filter(resident=outsider).exists()
    response = en_client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "家电维修"})
    assert response.status_code == 302
    assert "家电维修" in page(en_client.get(f"/console/care/volunteers/{volunteer.pk}/"))
    response = en_client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "<i>x</i>"})
    assert "cannot contain HTML" in page(response)
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "家电维修"


def test_registration_page_is_for_staff_and_skills_are_read_only_for_the_street(client, staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30)))
    client.force_login(person("street"))
    assert client.get("/console/care/volunteers/register/").status_code == 403
    assert client.get(f"/console/care/volunteers/{volunteer.pk}/").status_code == 200
    assert client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "x"}).status_code == 403
    client.force_login(person("huayuan_staff"))
    assert client.get(f"/console/care/volunteers/{volunteer.pk}/").status_code == 404


def test_administrator_creating_an_activity_gets_a_reason_not_a_500(en_client):
    en_client.force_login(person("admin"))
    en_client.raise_request_exception = False
    response = en_client.post(
        reverse("care:volunteers"), {"title": "管理员活动", "held_on": timezone.localdate().isoformat()}
    )
    # No community chosen: the form shown again (the care pages answer 200 to a form they refuse)
    # with the reason beside the missing field, and nothing saved.
    assert response.status_code == 200
    text = page(response)
    assert 'name="community"' in text
    assert 'data-field-error="community">This field is required.</div>' in text
    assert not VolunteerActivity.objects.filter(title="管理员活动").exists()


def test_the_export_does_not_turn_typed_text_into_formulas(client, staff):
    from openpyxl import load_workbook

    resident = make_resident(birth=years_ago(33), name="公式志愿者")
    services.volunteer_register(
        actor=staff, resident=resident, skills='=HYPERLINK("http://x.example","点我")'
    )
    client.force_login(staff)
    response = client.get(reverse("care:volunteers_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows() if r[1].value == "公式志愿者")
    assert row[2].data_type == "s"  # text, never a formula
    assert row[2].value == '=HYPERLINK("http://x.example","点我")'


def test_hours_for_a_future_date_refused_and_only_the_organiser_confirms(staff):
    """Verified: tomorrow's hours are refused with 'future'; only the organiser confirms."""
    resident = make_resident(birth=years_ago(30), name="测试志愿者")
    volunteer = services.volunteer_register(actor=staff, resident=resident)
    activity = VolunteerActivity.objects.filter(organiser=staff).first()
    today = timezone.localdate()
    with refused("future"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=today + timedelta(days=1),
            hours="2",
        )
    row = services.hours_log(
        actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours="2.5"
    )
    with refused("not_allowed"):
        services.hours_confirm(actor=person("huayuan_staff"), hours_id=row.pk)
    services.hours_confirm(actor=staff, hours_id=row.pk)


def test_hours_cannot_be_logged_for_an_activity_that_has_not_happened(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(31)))
    tomorrow = timezone.localdate() + timedelta(days=1)
    activity = services.volunteer_activity_create(
        actor=staff, community=Place.objects.get(code="341102001001"), title="明天的活动", held_on=tomorrow
    )
    with refused("future"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=timezone.localdate(),
            hours="3",
        )


def test_the_ranking_puts_volunteers_without_confirmed_hours_last(staff):
    """NULL sums sort first in a descending order on PostgreSQL: the ranking must not lead with them."""

    idle = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30), name="阿空"))
    ranking = list(selectors.volunteer_ranking(staff))
    with_hours = [v.pk for v in ranking if v.confirmed_hours]
    assert with_hours, "the demo has confirmed hours"
    assert [v.pk for v in ranking][: len(with_hours)] == with_hours
    assert ranking[-1].confirmed_hours is None and idle.pk in {v.pk for v in ranking[len(with_hours) :]}


def test_hours_cannot_be_dated_before_the_activity(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(32)))
    today = timezone.localdate()
    activity = services.volunteer_activity_create(
        actor=staff, community=Place.objects.get(code="341102001001"), title="昨天的活动", held_on=today
    )
    with refused("bad_input"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=today - timedelta(days=1),
            hours="2",
        )
    services.hours_log(
        actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours="2"
    )


def test_the_administrator_chooses_the_community_of_a_new_activity(client):
    client.force_login(person("admin"))
    response = client.get(reverse("care:volunteers"))
    assert 'name="community"' in page(response)
    huayuan = Place.objects.get(code=HUAYUAN)
    response = client.post(
        reverse("care:volunteers"),
        {"title": "管理员活动", "held_on": timezone.localdate().isoformat(), "community": huayuan.pk},
    )
    assert response.status_code == 302
    activity = VolunteerActivity.objects.get(title="管理员活动")
    assert activity.community == huayuan and activity.community_code == HUAYUAN
