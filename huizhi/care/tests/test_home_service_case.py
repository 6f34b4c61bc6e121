"""A home-service request filed by the station's operator names the operator on the case through
the case services, so the case's timeline says so (before, the unit was written on the row and the
timeline never showed it)."""

import pytest

from huizhi.care import services
from huizhi.care.kinds import ServiceKind
from huizhi.care.models import CareStation
from huizhi.care.tests.conftest import make_resident, person, years_ago
from huizhi.cases.states import Status

pytestmark = pytest.mark.django_db


def test_the_operator_s_request_names_the_operator_on_the_case_timeline():
    station = CareStation.objects.get(name="凤凰社区养老服务站")
    request = services.home_service_request(
        actor=person("care_operator"),
        station=station,
        resident=make_resident(birth=years_ago(75)),
        kind=ServiceKind.REPAIR,
        description="水龙头漏水",
    )
    case = request.case
    assert case.status == Status.REPORTED and case.handling_unit == station.operator
    assert [e.action for e in case.events.all()] == ["report", "route"]
    route = case.events.get(action="route")
    assert route.actor == person("care_operator")
    assert route.data == {"unit": station.operator.pk, "unit_name": station.operator.name}


def test_the_case_names_the_elder_by_surname_and_masks_typed_numbers():
    # Found from outside: the case's title (lists, the map, the operator's tasks) named the elder in
    # full and its description carried an ID number typed into the request.
    elder = make_resident(birth=years_ago(78))
    request = services.home_service_request(
        actor=person("care_operator"),
        station=CareStation.objects.get(name="凤凰社区养老服务站"),
        resident=elder,
        kind=ServiceKind.DAILY_LIVING,
        description="需要助餐，身份证341102194509290011",
    )
    assert elder.name not in request.case.title and elder.name[0] in request.case.title
    assert "341102194509290011" not in request.case.description
    assert request.description == "需要助餐，身份证341102194509290011"  # the station's own record
