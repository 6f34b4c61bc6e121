"""Household visits: who may log one, what is refused, the need made a case in one step, notes
encrypted at rest, the cadence staff set, and the worker's list with the overdue first."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.cases.states import Source, Status
from huizhi.core.models import AuditEntry
from huizhi.fieldwork import selectors
from huizhi.fieldwork.models import Visit, VisitCadence
from huizhi.fieldwork.permissions import visits_visible_to
from huizhi.fieldwork.services import FieldworkError, cadence_set, patrol_start, visit_log
from huizhi.fieldwork.tests.conftest import registered
from huizhi.registry.tags import Tag

pytestmark = pytest.mark.no_demo

NEED = "独居老人家中水龙头漏水，需要维修。"


def _log(world, **given):
    arguments = {
        "actor": world.gridworker,
        "household": world.elder_household,
        "visited_on": timezone.localdate(),
        "met": world.elder,
        "needs": NEED,
        "follow_up": "下周再来看看。",
    }
    return visit_log(**(arguments | given))


def test_the_grid_worker_logs_a_visit_and_its_notes_are_encrypted_at_rest(world):
    visit = _log(world)
    assert Visit.objects.get(pk=visit.pk).needs == NEED
    with connection.cursor() as cursor:
        cursor.execute("SELECT needs, follow_up FROM fieldwork_visit WHERE id = %s", [visit.pk])
        stored_needs, stored_follow_up = cursor.fetchone()
    assert "水龙头" not in stored_needs and "再来" not in stored_follow_up
    entry = AuditEntry.objects.get(
        action="fieldwork.visit.log", target__startswith=f"{Visit._meta.label}:{visit.pk} "
    )
    assert "水龙头" not in str(entry.changes) and world.elder.name not in entry.target


def test_a_visit_made_on_patrol_is_linked_to_it(world):
    patrol = patrol_start(actor=world.gridworker)
    assert _log(world).patrol == patrol


@pytest.mark.parametrize("who", ["other_worker", "staff", "street_admin", "commissioner", "resident"])
def test_only_the_grid_worker_of_the_households_grid_logs_a_visit(world, who):
    visits = Visit.objects.count()  # the demo street has its own
    with pytest.raises(FieldworkError) as refused:
        _log(world, actor=getattr(world, who))
    assert refused.value.code == "not_allowed"
    assert Visit.objects.count() == visits


@pytest.mark.parametrize(
    "given, field",
    [
        ({"visited_on": "tomorrow"}, "visited_on"),  # worked out when the test runs, not collected
        ({"visited_on": date(1899, 12, 31)}, "visited_on"),
        ({"visited_on": date(9999, 12, 31)}, "visited_on"),
        ({"visited_on": None}, "visited_on"),
        ({"needs": "x" * 2001}, "needs"),
        ({"follow_up": "<img src=x onerror=alert(1)>"}, "follow_up"),
        ({"needs": "\u202eabc"}, "needs"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(world, given, field):
    if given.get("visited_on") == "tomorrow":
        # Not at collection: a run that crosses midnight (16:00 UTC in Shanghai) would send today.
        given = {"visited_on": timezone.localdate() + timedelta(days=1)}
    visits = Visit.objects.count()
    with pytest.raises(FieldworkError) as refused:
        _log(world, **given)
    assert refused.value.field == field
    assert Visit.objects.count() == visits


def test_the_person_met_must_live_in_the_household(world):
    with pytest.raises(FieldworkError) as refused:
        _log(world, met=world.family)
    assert refused.value.field == "met"


def test_a_need_becomes_a_welfare_visit_case_at_the_building_in_one_step(world):
    visit = _log(world, need_becomes="case", category=world.category)
    case = Case.objects.get(pk=visit.case_id)
    assert case.source == Source.VISIT and case.status == Status.REPORTED
    assert case.place == world.building  # never the room
    assert case.reporter == world.gridworker and case.description == NEED


@pytest.mark.parametrize("given", [{"needs": ""}, {"category": None}])
def test_a_case_needs_the_need_and_a_category_and_nothing_is_half_saved(world, given):
    cases, visits = Case.objects.count(), Visit.objects.count()
    with pytest.raises(FieldworkError):
        _log(world, need_becomes="case", **({"category": world.category} | given))
    assert Case.objects.count() == cases and Visit.objects.count() == visits


def test_visit_notes_are_read_only_where_the_registry_is(world):
    visit = _log(world)
    for reader in (world.gridworker, world.staff, world.street_admin):
        assert visits_visible_to(reader).filter(pk=visit.pk).exists(), reader
    for outsider in (
        world.other_worker,
        world.commissioner,
        world.other_staff,
        world.resident,
        world.crew_member,
    ):
        assert not visits_visible_to(outsider).filter(pk=visit.pk).exists(), outsider


def test_staff_set_and_remove_a_cadence_with_an_audit_entry(world):
    cadence = cadence_set(actor=world.staff, community=world.community, tag=Tag.LIVES_ALONE, every_days=7)
    assert cadence.every_days == 7 and cadence.place_code == world.community.code
    cadence_set(actor=world.staff, community=world.community, tag=Tag.LIVES_ALONE, every_days=14)
    assert VisitCadence.objects.get(community=world.community, tag=Tag.LIVES_ALONE).every_days == 14
    cadence_set(actor=world.staff, community=world.community, tag=Tag.LIVES_ALONE, every_days=0)
    assert not VisitCadence.objects.filter(community=world.community).exists()
    actions = list(AuditEntry.objects.filter(actor=world.staff).values_list("action", flat=True))
    assert actions.count("fieldwork.visitcadence.set") == 2 and "fieldwork.visitcadence.remove" in actions


@pytest.mark.parametrize("who", ["gridworker", "commissioner", "other_staff", "resident"])
def test_only_the_communitys_staff_set_its_cadence(world, who):
    cadences = VisitCadence.objects.count()  # the demo street has its own
    with pytest.raises(FieldworkError) as refused:
        cadence_set(actor=getattr(world, who), community=world.community, tag=Tag.LIVES_ALONE, every_days=7)
    assert refused.value.code == "not_allowed"
    assert VisitCadence.objects.count() == cadences
    assert not VisitCadence.objects.filter(community=world.community).exists()


@pytest.mark.parametrize("days", [-1, 367, 10**9])
def test_a_cadence_out_of_range_is_refused(world, days):
    with pytest.raises(FieldworkError) as refused:
        cadence_set(actor=world.staff, community=world.community, tag=Tag.AGE_80, every_days=days)
    assert refused.value.field == "every_days"


def test_a_cadence_needs_a_known_tag(world):
    with pytest.raises(FieldworkError) as refused:
        cadence_set(actor=world.staff, community=world.community, tag="vip", every_days=7)
    assert refused.value.field == "tag"


def test_the_workers_list_puts_the_overdue_first_and_leaves_out_untagged_homes(world):
    second_elder = registered(world.building, "103室", age=81)
    cadence_set(actor=world.staff, community=world.community, tag=Tag.LIVES_ALONE, every_days=7)
    cadence_set(actor=world.staff, community=world.community, tag=Tag.AGE_80, every_days=30)
    today = timezone.localdate()
    # The elder living alone was visited 10 days ago (7-day cadence): overdue by 3 days.
    _log(world, visited_on=today - timedelta(days=10))
    rows = selectors.worklist(world.gridworker, today)
    assert [row.household.pk for row in rows] == [world.elder_household.pk, second_elder.household_id]
    first, second = rows
    assert first.is_overdue and first.overdue_days == 3 and first.every_days == 7
    assert set(first.tags) == {Tag.LIVES_ALONE, Tag.AGE_80}  # the tags with a cadence
    assert not second.is_overdue and second.last_visit is None and second.due_on == today
    # The family (no tag with a cadence) and the other grid's elder are not on this worker's list.
    assert world.family_household.pk not in {row.household.pk for row in rows}
    assert world.far_away.household_id not in {row.household.pk for row in rows}

    # Visited today, the elder moves behind the never-visited household.
    _log(world, visited_on=today)
    assert [row.household.pk for row in selectors.worklist(world.gridworker, today)] == [
        second_elder.household_id,
        world.elder_household.pk,
    ]
