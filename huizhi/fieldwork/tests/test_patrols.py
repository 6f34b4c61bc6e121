"""Patrols: starting and stopping, check-ins at places of the grid with the phone's point, and the
reports linked by reporter and time."""

import pytest
from django.db import IntegrityError

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.core.models import AuditEntry
from huizhi.fieldwork import selectors
from huizhi.fieldwork.models import FAR_METRES, CheckIn, Patrol
from huizhi.fieldwork.services import FieldworkError, patrol_check_in, patrol_start, patrol_stop
from tests.factories import CaseFactory

pytestmark = pytest.mark.no_demo


def test_a_grid_worker_starts_a_patrol_of_their_only_grid_and_stops_it_once(world):
    patrol = patrol_start(actor=world.gridworker)
    assert patrol.grid == world.grid and patrol.is_open
    assert AuditEntry.objects.filter(action="fieldwork.patrol.start", actor=world.gridworker).exists()

    stopped = patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)
    assert stopped.ended_at is not None
    with pytest.raises(FieldworkError) as refused:
        patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)
    assert refused.value.code == "wrong_state"


def test_one_open_patrol_per_worker(world):
    patrol_start(actor=world.gridworker)
    with pytest.raises(FieldworkError) as refused:
        patrol_start(actor=world.gridworker)
    assert refused.value.code == "already"
    assert Patrol.objects.filter(worker=world.gridworker).count() == 1


def test_the_database_keeps_one_open_patrol_even_when_the_check_is_raced(world):
    patrol_start(actor=world.gridworker)
    with pytest.raises(IntegrityError):
        Patrol.objects.create(worker=world.gridworker, grid=world.grid, place_code=world.grid.code)


@pytest.mark.parametrize("who", ["staff", "street_admin", "commissioner", "resident", "crew_member"])
def test_only_grid_workers_patrol(world, who):
    with pytest.raises(FieldworkError) as refused:
        patrol_start(actor=getattr(world, who))
    assert refused.value.code == "not_allowed"
    assert not Patrol.objects.filter(worker=getattr(world, who)).exists()


def test_a_grid_worker_cannot_patrol_another_workers_grid(world):
    with pytest.raises(FieldworkError) as refused:
        patrol_start(actor=world.gridworker, grid=world.other_grid)
    assert refused.value.code == "not_allowed" and refused.value.field == "grid"


def test_someone_elses_patrol_cannot_be_stopped_or_checked_into(world):
    patrol = patrol_start(actor=world.gridworker)
    for act in (
        lambda: patrol_stop(actor=world.other_worker, patrol_id=patrol.pk),
        lambda: patrol_check_in(actor=world.other_worker, patrol_id=patrol.pk, place=world.building),
    ):
        with pytest.raises(FieldworkError) as refused:
            act()
        assert refused.value.code == "not_allowed"
    patrol.refresh_from_db()
    assert patrol.is_open and not patrol.check_ins.exists()


def test_a_check_in_near_the_place_is_kept_with_its_distance(world):
    patrol = patrol_start(actor=world.gridworker)
    here = patrol_check_in(
        actor=world.gridworker,
        patrol_id=patrol.pk,
        place=world.building,
        lon=world.building.lon + 0.0005,
        lat=world.building.lat,
    )
    assert not here.far and 0 < here.distance_m < 100


def test_a_check_in_far_from_the_place_is_kept_but_flagged(world):
    patrol = patrol_start(actor=world.gridworker)
    far = patrol_check_in(
        actor=world.gridworker,
        patrol_id=patrol.pk,
        place=world.building,
        lon=world.building.lon,
        lat=world.building.lat + 0.01,  # about 1.1 km north
    )
    assert far.far and far.distance_m > FAR_METRES
    assert CheckIn.objects.filter(pk=far.pk, far=True).exists()


def test_a_check_in_without_a_location_is_kept_without_a_distance(world):
    patrol = patrol_start(actor=world.gridworker)
    plain = patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.compound)
    assert plain.lat is None and plain.distance_m is None and not plain.far


def test_the_location_alone_names_the_nearest_place_of_the_grid(world):
    patrol = patrol_start(actor=world.gridworker)
    found = patrol_check_in(
        actor=world.gridworker, patrol_id=patrol.pk, lon=world.building.lon, lat=world.building.lat
    )
    # The building and its compound share a point: the building says more.
    assert found.place == world.building


def test_a_check_in_outside_the_workers_grid_is_refused_and_nothing_kept(world):
    patrol = patrol_start(actor=world.gridworker)
    with pytest.raises(FieldworkError) as refused:
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.other_building)
    assert refused.value.field == "place"
    with pytest.raises(FieldworkError):
        patrol_check_in(
            actor=world.gridworker, patrol_id=patrol.pk, place=world.grid
        )  # not a compound or building
    assert not CheckIn.objects.filter(patrol=patrol).exists()


def test_a_stopped_patrol_takes_no_check_in(world):
    patrol = patrol_start(actor=world.gridworker)
    patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)
    with pytest.raises(FieldworkError) as refused:
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.building)
    assert refused.value.code == "wrong_state"


@pytest.mark.parametrize(
    "lon, lat",
    [
        (118.33, 91),
        (181, 32.3),
        (-181, 32.3),
        (118.33, None),
        (None, 32.3),
        (float("nan"), 32.3),
        (float("inf"), 32.3),
        ("1e309", "32.3"),
        ("abc", "32.3"),
    ],
)
def test_a_point_out_of_range_or_half_a_point_is_refused(world, lon, lat):
    patrol = patrol_start(actor=world.gridworker)
    with pytest.raises(FieldworkError) as refused:
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.building, lon=lon, lat=lat)
    assert refused.value.field in ("lat", "lon")
    assert not CheckIn.objects.filter(patrol=patrol).exists()


@pytest.mark.parametrize("note", ["x" * 201, "<script>alert(1)</script>", "楼道\u202e正常"])
def test_a_bad_note_is_refused(world, note):
    patrol = patrol_start(actor=world.gridworker)
    with pytest.raises(FieldworkError) as refused:
        patrol_check_in(actor=world.gridworker, patrol_id=patrol.pk, place=world.building, note=note)
    assert refused.value.field == "note"
    assert not CheckIn.objects.filter(patrol=patrol).exists()


def test_reports_made_while_on_patrol_are_linked_and_no_others(world):
    before = CaseFactory(place=world.building, category=world.category, actor=world.gridworker)
    patrol = patrol_start(actor=world.gridworker)
    during = CaseFactory(place=world.building, category=world.category, actor=world.gridworker)
    by_someone_else = CaseFactory(place=world.building, category=world.category, actor=world.staff)
    patrol = patrol_stop(actor=world.gridworker, patrol_id=patrol.pk)
    after = CaseFactory(place=world.building, category=world.category, actor=world.gridworker)

    linked = selectors.reports_during([patrol])[patrol.pk]
    assert [case.pk for case in linked] == [during.pk]
    assert {before.pk, by_someone_else.pk, after.pk}.isdisjoint(case.pk for case in linked)


def test_a_report_in_the_workers_other_grid_is_not_linked_to_this_grids_patrol(world):
    role_grant(user=world.gridworker, role=Role.GRID_WORKER, place=world.other_grid)
    worker = User.objects.get(pk=world.gridworker.pk)  # scopes read afresh
    patrol = patrol_start(actor=worker, grid=world.grid)
    here = CaseFactory(place=world.building, category=world.category, actor=worker)
    CaseFactory(place=world.other_building, category=world.category, actor=worker)
    assert [case.pk for case in selectors.reports_during([patrol])[patrol.pk]] == [here.pk]
    # With two grids, the patrol names which.
    patrol_stop(actor=worker, patrol_id=patrol.pk)
    with pytest.raises(FieldworkError) as refused:
        patrol_start(actor=worker)
    assert refused.value.field == "grid"
