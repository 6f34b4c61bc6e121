"""The small street of tests/factories.py is the product's own: codes in format under their
parents, a point of a grid found by the grid index, roles that give their holders their scope,
and a case that walks the real loop."""

import pytest

from huizhi.accounts.scopes import scopes_of
from huizhi.cases.models import CaseEvent
from huizhi.cases.states import Status
from huizhi.places.codes import validate_code
from huizhi.places.selectors import grid_for_point
from tests.factories import CaseFactory, GridFactory, case_in, centre, small_street

pytestmark = pytest.mark.no_demo


@pytest.mark.django_db
def test_every_place_has_a_code_in_format_under_its_parent():
    world = small_street()
    chain = [world.street, world.community, world.grid, world.compound, world.building]
    for parent, child in zip(chain, chain[1:], strict=False):
        assert child.parent == parent
        validate_code(child.kind, child.code, parent.code)
    assert world.building.code.endswith("001")  # the first of its compound


@pytest.mark.django_db
def test_two_grids_of_one_community_are_numbered_in_turn_and_do_not_overlap():
    first = GridFactory()
    second = GridFactory(parent=first.parent)
    assert int(second.code) == int(first.code) + 1
    assert grid_for_point(*centre(first)) == first
    assert grid_for_point(*centre(second)) == second


@pytest.mark.django_db
def test_each_role_holder_reads_their_own_place():
    world = small_street()
    assert world.community.code in scopes_of(world.staff).place_codes
    assert world.grid.code in scopes_of(world.gridworker).place_codes
    assert not scopes_of(world.resident).place_codes


@pytest.mark.django_db
def test_a_case_is_placed_in_its_grid_and_community():
    world = small_street()
    case = CaseFactory(place=world.building, category=world.category)
    assert (case.grid, case.community, case.place_code) == (world.grid, world.community, world.building.code)
    assert case.status == Status.REPORTED
    assert case.accept_due_at is not None


@pytest.mark.django_db
def test_a_case_closed_walked_every_step_of_the_loop():
    world = small_street()
    case = case_in(Status.CLOSED, world)
    actions = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "start", "report_result", "verify"]
