"""Elderly-care stations: sessions and their places, residents enrolling within their catchment,
check-in times, the week view, and home-service requests routed to the station's operator."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import services
from huizhi.care.kinds import ServiceKind
from huizhi.care.models import (
    CareStation,
    SessionEnrolment,
)
from huizhi.care.tests.conftest import (
    HUAYUAN,
    make_elder_user,
    make_resident,
    make_session,
    page,
    person,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_resident_enrol_in_a_missing_session_is_not_a_server_error(client):
    account, _me = make_elder_user("test_elder_missing")
    client.force_login(account)
    client.raise_request_exception = False
    response = client.post(reverse("care:enrol_session", args=[987654]))
    assert response.status_code == 404  # a registered elder, so the session is looked up: there is none


def test_station_week_far_in_the_future_is_not_a_server_error(client, station):
    client.force_login(person("care_operator"))
    client.raise_request_exception = False
    response = client.get(reverse("care:station", args=[station.pk]), {"week": "9999-12-31"})
    # Beyond the weeks a station plans (care.views.common.parse_day): this week, shown as usual.
    assert response.status_code == 200
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    assert f'data-week="{monday:%Y-%m-%d}"' in page(response) and station.name in page(response)


def test_the_last_place_goes_once_and_the_operator_sees_only_its_station(client, station):
    """Verified: capacity exactly full refuses the next; another operator sees no station."""
    session = make_session(station, capacity=1)
    operator = person("care_operator")
    services.session_enrol(actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(66)))
    with refused("full"):
        services.session_enrol(
            actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(67))
        )
    session.refresh_from_db()
    assert session.enrolled_count == 1 == session.enrolments.count()
    from huizhi.accounts.services import user_create
    from huizhi.places.models import Organisation

    other_org = Organisation.objects.create(
        name="测试其他养老机构", kind=station.operator.kind, place=station.community
    )
    other = user_create(username="test_other_operator", password="x-test-password")
    role_grant(user=other, role=Role.SERVICE_OPERATOR, organisation=other_org)
    client.force_login(other)
    assert client.get(reverse("care:station", args=[station.pk])).status_code == 404
    assert client.get(reverse("care:session", args=[session.pk])).status_code == 404
    enrolment = SessionEnrolment.objects.get(session=session)
    assert client.post(reverse("care:session_check_in", args=[enrolment.pk])).status_code == 404


def test_a_resident_enrols_only_themself_and_only_in_their_catchment(en_client, station):
    """Verified: the resident page enrols the signed-in elder only; an elder of another community
    is refused with the reason."""
    session = make_session(station, capacity=5)
    client = en_client
    account, me = make_elder_user("test_elder_self")
    client.force_login(account)
    client.post(reverse("care:enrol_session", args=[session.pk]), {"resident": 1})
    assert list(session.enrolments.values_list("resident_id", flat=True)) == [me.pk]
    outsider_account = resident_user("test_elder_outside")
    make_resident(birth=years_ago(72), account=outsider_account, grid_code=HUAYUAN + "001")
    client.force_login(outsider_account)
    response = client.post(reverse("care:enrol_session", args=[session.pk]), follow=True)
    assert "not registered in this community" in page(response)
    assert session.enrolments.count() == 1


def test_check_in_an_hour_before_a_session_just_after_midnight(time_machine, station):
    day = timezone.localdate() + timedelta(days=3)
    starts = datetime.combine(day, time(0, 30), tzinfo=SHANGHAI)
    session = make_session(station, capacity=3, starts=starts)
    operator = person("care_operator")
    enrolment = services.session_enrol(
        actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(70))
    )
    time_machine.move_to(starts - timedelta(minutes=45), tick=False)
    services.session_check_in(actor=operator, enrolment_id=enrolment.pk)


def test_home_service_at_another_station_is_routed_to_that_station_s_operator(station):
    from huizhi.accounts.services import user_create
    from huizhi.cases.routing import default_unit
    from huizhi.places.models import Organisation

    huayuan = Place.objects.get(code=HUAYUAN)
    operator_org = Organisation.objects.create(
        name="测试花园养老运营方", kind=station.operator.kind, place=huayuan
    )
    other = CareStation.objects.create(
        name="花园街社区养老服务站", community=huayuan, community_code=HUAYUAN, operator=operator_org
    )
    operator = user_create(username="test_huayuan_operator", password="x-test-password")
    role_grant(user=operator, role=Role.SERVICE_OPERATOR, organisation=operator_org)
    elder = make_resident(birth=years_ago(78), grid_code=HUAYUAN + "001")
    made = services.home_service_request(
        actor=operator, station=other, resident=elder, kind=ServiceKind.REPAIR, description="灯坏了"
    )
    case = made.case
    routed = case.handling_unit or default_unit(case.category, case.place, case.community)
    assert routed == operator_org


def test_check_in_closes_when_the_session_ends(time_machine, station):
    session = make_session(station, capacity=2)
    operator = person("care_operator")
    enrolment = services.session_enrol(
        actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(71))
    )
    time_machine.move_to(session.ends_at + timedelta(minutes=1), tick=False)
    with refused("wrong_state"):
        services.session_check_in(actor=operator, enrolment_id=enrolment.pk)


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1x"])
def test_the_station_week_out_of_range_falls_back_to_this_week(client, station, week):
    client.force_login(person("care_operator"))
    response = client.get(reverse("care:station", args=[station.pk]), {"week": week})
    assert response.status_code == 200
    assert response.context["monday"] == timezone.localdate() - timedelta(days=timezone.localdate().weekday())


def test_the_operator_s_request_waits_for_staff_and_staff_dispatch_to_the_station_s_operator(station):
    from huizhi.cases.services import case_transition
    from huizhi.cases.states import Status

    made = services.home_service_request(
        actor=person("care_operator"),
        station=station,
        resident=make_resident(birth=years_ago(77)),
        kind=ServiceKind.NURSING,
        description="需要上门换药",
    )
    case = made.case
    assert case.status == Status.REPORTED and case.handling_unit == station.operator
    staff = person("fenghuang_staff")
    case_transition(actor=staff, case_id=case.pk, action="accept")
    case = case_transition(actor=staff, case_id=case.pk, action="dispatch", unit=case.handling_unit)
    assert case.status == Status.DISPATCHED and case.handling_unit == station.operator
