"""Through the REST transitions, as on the case page: accepting with a unit dispatches in the same
step (the API describes `unit` as an input of accept); a deadline with no unit is a 400 naming
the unit, never accepted with the deadline dropped (found from outside on the page and the API)."""

import pytest

from huizhi.api.tests.clients import token_client
from huizhi.cases.models import Case
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f
from huizhi.cases.transitions import takes

pytestmark = pytest.mark.django_db


def _post(case, body):
    return token_client("huayuan_staff").post(f"/api/v1/cases/{case.pk}/transitions/", body, format="json")


def test_accept_with_a_unit_is_dispatched_in_one_step():
    assert "accept" in takes("unit")
    case = f.reported_case()
    response = _post(case, {"action": "accept", "unit": f.repair_crew().pk})
    assert response.status_code == 200, response.json()
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.DISPATCHED and case.handling_unit == f.repair_crew()
    assert list(case.events.values_list("action", flat=True))[-2:] == ["accept", "dispatch"]


def test_a_deadline_without_a_unit_is_a_400_naming_the_unit():
    case = f.reported_case()
    response = _post(case, {"action": "accept", "due_at": "2030-01-02T10:00:00+08:00"})
    assert response.status_code == 400 and "unit" in response.json()["fields"]
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED
