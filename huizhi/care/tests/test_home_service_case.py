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
