"""The deadline sweep (DESIGN §4): near-due and overdue cases are told once per deadline.

The street: on Tuesday 29 September 2026, drain cases (4 natural hours to handle, near due for
the last 48 minutes; 30 minutes to accept, near due for the last 6) reported or dispatched at
different times; the sweep runs at 13:30.
"""

from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from huizhi.cases.models import Case, CaseEvent, Notification
from huizhi.cases.services import deadlines_sweep
from huizhi.cases.states import Status
from huizhi.cases.tests.factories import shanghai
from tests.factories import SubcategoryFactory, advance, case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

SWEEP_AT = shanghai(2026, 9, 29, 13, 30)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # result photos of the drain cases go here


def _at(moment, build):
    with time_machine.travel(moment, tick=False):
        return build()


@pytest.fixture
def world():
    """A small street whose cases are drains (4 natural hours to handle, 30 minutes to accept)."""
    world = small_street()
    world.category = SubcategoryFactory(natural_hours=True)
    return world


@pytest.fixture
def street_at_1330(world):
    """Cases whose clocks stand, at 13:30, as their names say."""
    return {
        # dispatched 08:00 → due 12:00: overdue
        "overdue": _at(shanghai(2026, 9, 29, 8, 0), lambda: case_in(Status.DISPATCHED, world)),
        # dispatched 09:45, started → due 13:45, near due from 12:57
        "near_due": _at(shanghai(2026, 9, 29, 9, 45), lambda: case_in(Status.HANDLING, world)),
        # reported 12:55 → accept by 13:25: overdue to accept
        "accept_overdue": _at(shanghai(2026, 9, 29, 12, 55), lambda: case_in(Status.REPORTED, world)),
        # reported 13:05 → accept by 13:35, near due from 13:29
        "accept_near_due": _at(shanghai(2026, 9, 29, 13, 5), lambda: case_in(Status.REPORTED, world)),
        # dispatched 13:00 → due 17:00: in time
        "green": _at(shanghai(2026, 9, 29, 13, 0), lambda: case_in(Status.DISPATCHED, world)),
        # dispatched 07:00 and then suspended: its old deadline passed, but its clock is stopped
        "suspended": _at(shanghai(2026, 9, 29, 7, 0), lambda: case_in(Status.SUSPENDED, world)),
        # handled 08:30 (no clock runs while it waits for verification)
        "handled": _at(shanghai(2026, 9, 29, 7, 0), lambda: case_in(Status.HANDLED, world)),
    }


def _ids(cases, *names) -> set[int]:
    return {cases[name].pk for name in names}


def _sweep_events() -> list[tuple[int, str]]:
    return sorted(
        CaseEvent.objects.filter(action__in=["near_due", "overdue"]).values_list("case_id", "action")
    )


def test_the_sweep_marks_near_due_and_overdue_cases(
    world, street_at_1330, django_capture_on_commit_callbacks
):
    cases = street_at_1330
    with django_capture_on_commit_callbacks(execute=True):
        result = deadlines_sweep(now=SWEEP_AT)
    assert set(result.overdue) == _ids(cases, "overdue", "accept_overdue")
    assert set(result.near_due) == _ids(cases, "near_due", "accept_near_due")
    assert _sweep_events() == sorted(
        [(cases[n].pk, "overdue") for n in ("overdue", "accept_overdue")]
        + [(cases[n].pk, "near_due") for n in ("near_due", "accept_near_due")]
    )
    event = CaseEvent.objects.get(case=cases["overdue"], action="overdue")
    assert event.actor is None
    assert (event.from_status, event.to_status) == (Status.DISPATCHED, Status.DISPATCHED)
    overdue = Case.objects.get(pk=cases["overdue"].pk)
    assert overdue.overdue_for == overdue.handle_due_at == shanghai(2026, 9, 29, 12, 0)
    assert event.data["due_at"] == overdue.handle_due_at.isoformat()
    # The handling unit hears of its overdue and near-due tasks.
    crew = world.crew_member
    told = set(Notification.objects.filter(user=crew).values_list("case_id", flat=True))
    assert _ids(cases, "overdue", "near_due") <= told
    # Status and version do not change: a warning is not a transition.
    assert (overdue.status, overdue.version) == (Status.DISPATCHED, 2)


def test_running_the_sweep_again_notifies_nothing_new(street_at_1330, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        deadlines_sweep(now=SWEEP_AT)
    events, notifications = _sweep_events(), Notification.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        again = deadlines_sweep(now=SWEEP_AT)
        later = deadlines_sweep(now=SWEEP_AT + timedelta(minutes=6))
    assert (again.near_due, again.overdue) == ([], [])
    # 13:36: the near-due case is still near due, and the accept clock that was near due is now
    # overdue — a new kind of notice for it, and only that.
    assert (later.near_due, later.overdue) == ([], [street_at_1330["accept_near_due"].pk])
    assert len(_sweep_events()) == len(events) + 1
    assert Notification.objects.count() > notifications


def test_a_near_due_case_that_turns_overdue_is_told_again(street_at_1330):
    near = street_at_1330["near_due"]
    deadlines_sweep(now=SWEEP_AT)
    result = deadlines_sweep(now=shanghai(2026, 9, 29, 13, 46))
    assert near.pk in result.overdue
    assert near.pk not in result.near_due
    assert list(
        CaseEvent.objects.filter(case=near, action__in=["near_due", "overdue"]).values_list(
            "action", flat=True
        )
    ) == [
        "near_due",
        "overdue",
    ]


def test_a_dry_run_changes_nothing_and_reports_what_a_real_run_does(street_at_1330):
    before = list(Case.objects.order_by("pk").values_list("pk", "warned_for", "overdue_for", "version"))
    events = CaseEvent.objects.count()

    dry = deadlines_sweep(now=SWEEP_AT, dry_run=True)
    assert (
        list(Case.objects.order_by("pk").values_list("pk", "warned_for", "overdue_for", "version")) == before
    )
    assert CaseEvent.objects.count() == events
    again = deadlines_sweep(now=SWEEP_AT, dry_run=True)
    assert (sorted(again.near_due), sorted(again.overdue)) == (sorted(dry.near_due), sorted(dry.overdue))

    real = deadlines_sweep(now=SWEEP_AT)
    assert (sorted(real.near_due), sorted(real.overdue)) == (sorted(dry.near_due), sorted(dry.overdue))
    assert dry.overdue and dry.near_due
    assert CaseEvent.objects.count() == events + len(real.near_due) + len(real.overdue)


def test_a_new_deadline_after_rework_warns_again(world):
    start = shanghai(2026, 9, 29, 9, 0)
    with time_machine.travel(start, tick=False) as traveller:
        case = case_in(Status.HANDLING, world)  # due 13:00, near due from 12:12
        traveller.move_to(shanghai(2026, 9, 29, 12, 20))
        assert deadlines_sweep().near_due == [case.pk]
        assert deadlines_sweep().near_due == []

        traveller.move_to(shanghai(2026, 9, 29, 12, 30))
        advance(case, "report_result", world)
        traveller.move_to(shanghai(2026, 9, 29, 14, 0))
        advance(case, "verify_failed", world)  # back to the unit: due 18:00, near due from 17:12
        assert deadlines_sweep().near_due == []  # a fresh clock is not near due

        traveller.move_to(shanghai(2026, 9, 29, 17, 20))
        assert deadlines_sweep().near_due == [case.pk]
        assert deadlines_sweep().near_due == []
        traveller.move_to(shanghai(2026, 9, 29, 18, 1))
        assert deadlines_sweep().overdue == [case.pk]
        assert deadlines_sweep().overdue == []
    warnings = CaseEvent.objects.filter(case=case, action__in=["near_due", "overdue"]).order_by("id")
    assert [(e.action, datetime.fromisoformat(e.data["due_at"])) for e in warnings] == [
        ("near_due", shanghai(2026, 9, 29, 13, 0)),
        ("near_due", shanghai(2026, 9, 29, 18, 0)),
        ("overdue", shanghai(2026, 9, 29, 18, 0)),
    ]


def test_a_resumed_case_warns_for_its_new_deadline(world):
    with time_machine.travel(shanghai(2026, 9, 29, 9, 0), tick=False) as traveller:
        case = case_in(Status.DISPATCHED, world)  # due 13:00
        traveller.move_to(shanghai(2026, 9, 29, 13, 30))
        assert deadlines_sweep().overdue == [case.pk]
        advance(case, "suspend", world)
        traveller.shift(timedelta(days=1))
        assert deadlines_sweep().overdue == []  # no clock while suspended
        advance(case, "resume", world)  # it was already late: still late, by the same half hour
        assert deadlines_sweep().overdue == [case.pk]


def _command(*args) -> str:
    out = StringIO()
    with time_machine.travel(SWEEP_AT, tick=False):
        call_command("sweep_deadlines", *args, stdout=out)
    return out.getvalue()


def test_the_command_dry_run_lists_the_same_cases_and_changes_nothing(street_at_1330):
    cases = street_at_1330
    events = CaseEvent.objects.count()

    dry = _command("--dry-run")

    assert CaseEvent.objects.count() == events
    assert dry.splitlines()[0] == "would notify: 2 near due, 2 overdue"
    for name in ("overdue", "accept_overdue", "near_due", "accept_near_due"):
        assert cases[name].reference in dry
    for name in ("green", "suspended", "handled"):
        assert cases[name].reference not in dry

    real = _command()
    assert real.splitlines()[0] == "notified: 2 near due, 2 overdue"
    assert real.splitlines()[1:] == dry.splitlines()[1:]  # the same ids
    assert CaseEvent.objects.count() == events + 4

    assert _command().strip() == "notified: 0 near due, 0 overdue"
    assert CaseEvent.objects.count() == events + 4
