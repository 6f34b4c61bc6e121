"""The changes to a case that are not moves between states (case_route, case_set_priority): each
leaves one line on the timeline, refuses what its rule refuses and writes nothing then."""

import pytest
from django.utils import translation

from huizhi.cases.models import Case
from huizhi.cases.services import CaseActionError, case_route, case_set_priority
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f
from huizhi.places.models import Organisation


@pytest.fixture(autouse=True)
def _english():
    """These tests read the refusals' English wording; the product's default language is Chinese."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def _refused(code: str, call, **kwargs) -> None:
    with pytest.raises(CaseActionError) as refused:
        call(**kwargs)
    assert refused.value.code == code


def _snapshot(case: Case) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    return fresh.handling_unit_id, fresh.priority, fresh.version, fresh.events.count()


def test_routing_names_the_unit_on_the_timeline_and_dispatch_suggests_it():
    case = f.reported_case()
    city = f.city_bureau()
    routed = case_route(actor=f.user("huayuan_staff"), case_id=case.pk, unit=city, reason="城管职责")
    assert routed.handling_unit == city and routed.status == Status.REPORTED
    event = routed.events.last()
    assert (event.action, event.note, event.data["unit_name"]) == ("route", "城管职责", city.name)
    assert str(event.label) == "Handling unit named"
    assert routed.version == case.version  # a named unit moves nothing someone is about to act on


def test_routing_to_the_unit_it_has_writes_nothing():
    case = f.reported_case()
    staff = f.user("huayuan_staff")
    case_route(actor=staff, case_id=case.pk, unit=f.repair_crew())
    before = _snapshot(case)
    case_route(actor=staff, case_id=case.pk, unit=f.repair_crew())
    assert _snapshot(case) == before


def test_the_person_who_filed_it_may_name_its_unit():
    reporter = f.resident()
    case = f.reported_case(reporter=reporter)
    assert case_route(actor=reporter, case_id=case.pk, unit=f.repair_crew()).handling_unit == f.repair_crew()


@pytest.mark.parametrize("username", ["repair_crew", "fenghuang_staff", "commissioner"])
def test_others_may_not_name_its_unit(username):
    case = f.reported_case()
    before = _snapshot(case)
    _refused("not_allowed", case_route, actor=f.user(username), case_id=case.pk, unit=f.repair_crew())
    assert _snapshot(case) == before


def test_a_dispatched_case_changes_unit_only_by_its_own_steps():
    case = f.case_in(Status.DISPATCHED)
    before = _snapshot(case)
    _refused("wrong_state", case_route, actor=f.user("huayuan_staff"), case_id=case.pk, unit=f.city_bureau())
    assert _snapshot(case) == before


def test_a_unit_outside_the_street_or_inactive_is_refused():
    case = f.reported_case()
    crew = f.repair_crew()
    Organisation.objects.filter(pk=crew.pk).update(is_active=False)
    before = _snapshot(case)
    _refused("missing_unit", case_route, actor=f.user("huayuan_staff"), case_id=case.pk, unit=crew)
    _refused("missing_unit", case_route, actor=f.user("huayuan_staff"), case_id=case.pk, unit=None)
    assert _snapshot(case) == before


def test_a_priority_change_is_on_the_timeline_with_what_it_was():
    case = f.case_in(Status.ACCEPTED)
    changed = case_set_priority(actor=None, case_id=case.pk, priority=3, reason="3位邻居附议")
    assert Case.objects.get(pk=case.pk).priority == 3
    event = changed.events.last()
    assert (event.action, event.actor_id, event.data) == ("set_priority", None, {"priority": 3, "was": 0})
    assert event.from_status == event.to_status == Status.ACCEPTED


def test_an_unchanged_priority_writes_nothing_and_a_bad_one_is_refused():
    case = f.reported_case()
    before = _snapshot(case)
    case_set_priority(actor=None, case_id=case.pk, priority=0)
    for bad in (-1, 32768, "2"):
        _refused("bad_input", case_set_priority, actor=None, case_id=case.pk, priority=bad)
    assert _snapshot(case) == before
