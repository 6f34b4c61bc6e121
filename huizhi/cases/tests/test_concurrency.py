"""Two people act on one case at the same moment (DESIGN §4, concurrency): exactly one transition
wins, the other is told the case moved on, and nothing of the loser's is saved.

Each person is a real thread with its own database connection. The data must be committed for the
other thread to see it, so the test is transactional and asks for `live_demo` (the flush at the end
of a transactional test removes the demo; `live_demo` loads it again when it is gone). The four
races share one test, because each transactional test costs a flush and a reload of the demo.

While the winner holds the case, it pauses for a moment (`_slow_lock`): without the row lock both
threads would read the same version in that pause and both would "win", so the test fails if
`select_for_update` (PostgreSQL) or the IMMEDIATE transaction (SQLite) stops serialising them.
"""

import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

import pytest
from django.db import connection
from django.db.models import QuerySet

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.services import CaseActionError, case_report, case_transition
from huizhi.cases.services import transition as transition_module
from huizhi.cases.states import Level, Outcome, Source, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

HOLD_SECONDS = 0.3  # how long the first thread keeps the case locked before it writes

# Each race is one test function with these marks (the lock check at the end needs no database).
race = pytest.mark.django_db(transaction=True)
needs_shared_database = pytest.mark.skipif(
    connection.vendor == "sqlite" and connection.settings_dict["TEST"]["NAME"] is None,
    reason=(
        "SQLite's in-memory test database is shared between threads only in shared-cache mode, whose "
        "table locks fail at once with 'database table is locked' instead of waiting (busy_timeout "
        "does not apply), so two writers cannot queue there as they do on a file database"
    ),
)


@dataclass
class RaceResult:
    ok: bool
    code: str = ""
    error: BaseException | None = None


def _race(*actions) -> list[RaceResult]:
    """Run each action in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(actions))
    results: list[RaceResult | None] = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            action()
            results[index] = RaceResult(ok=True)
        except CaseActionError as error:
            results[index] = RaceResult(ok=False, code=error.code)
        except BaseException as error:  # reported to the test below, not swallowed
            results[index] = RaceResult(ok=False, code="crash", error=error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    crashes = [r.error for r in results if r is not None and r.code == "crash"]
    assert not crashes, f"a thread failed with an unexpected error: {crashes!r}"
    return results


@pytest.fixture
def _slow_lock(monkeypatch):
    real_locked = transition_module._locked

    def locked_then_pause(case_id):
        case = real_locked(case_id)
        time.sleep(HOLD_SECONDS)
        return case

    monkeypatch.setattr(transition_module, "_locked", locked_then_pause)


@pytest.fixture
def people(live_demo):
    colleague = user_create(username="huayuan_staff_2", password=None, full_name="花园街社区值班员")
    role_grant(
        user=colleague,
        role=Role.COMMUNITY_STAFF,
        place=Place.objects.get(kind=PlaceKind.COMMUNITY, name="花园街社区"),
    )
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["huayuan_staff", "gridworker", "repair_crew"])
    }
    users["huayuan_staff_2"] = colleague
    return users


def _reported(people) -> Case:
    return case_report(
        actor=people["gridworker"],
        category=Category.objects.get(code="0101"),
        source=Source.PATROL,
        title="扬天小区11栋门口暴露垃圾",
        description="单元门口堆放生活垃圾，无人清运。",
        place=Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区"),
    )


class Before(NamedTuple):
    version: int
    last_event: int


def _before(case: Case) -> Before:
    case.refresh_from_db()
    return Before(case.version, case.events.order_by("-pk").values_list("pk", flat=True)[0])


def _assert_one_move(case: Case, before: Before, winner: User, action: str, to_status: str) -> None:
    """The winner's move is saved once; the loser left no event and no version bump."""
    case.refresh_from_db()
    assert case.status == to_status
    assert case.version == before.version + 1
    moves = list(CaseEvent.objects.filter(case=case, pk__gt=before.last_event))
    assert [(e.action, e.actor_id, e.to_status) for e in moves] == [(action, winner.pk, to_status)]


def two_staff_accept_the_same_case(people):
    staff, colleague = people["huayuan_staff"], people["huayuan_staff_2"]
    case = _reported(people)
    before = _before(case)

    results = _race(
        lambda: case_transition(actor=staff, case_id=case.pk, action="accept"),
        lambda: case_transition(actor=colleague, case_id=case.pk, action="accept"),
    )

    assert sorted(r.ok for r in results) == [False, True]
    assert next(r for r in results if not r.ok).code == "wrong_state"  # no version sent: the state refuses
    _assert_one_move(case, before, staff if results[0].ok else colleague, "accept", Status.ACCEPTED)


def one_accepts_while_the_other_rejects(people):
    staff, colleague = people["huayuan_staff"], people["huayuan_staff_2"]
    case = _reported(people)
    before = _before(case)

    results = _race(
        lambda: case_transition(
            actor=staff, case_id=case.pk, action="accept", expected_version=before.version
        ),
        lambda: case_transition(
            actor=colleague,
            case_id=case.pk,
            action="reject",
            expected_version=before.version,
            reason="不属于社区职责",
            outcome=Outcome.NOT_OUR_RESPONSIBILITY,
        ),
    )

    assert sorted(r.ok for r in results) == [False, True]
    assert next(r for r in results if not r.ok).code in ("moved_on", "wrong_state")
    if results[0].ok:
        _assert_one_move(case, before, staff, "accept", Status.ACCEPTED)
        assert case.outcome == ""  # nothing of the rejection was saved
    else:
        _assert_one_move(case, before, colleague, "reject", Status.REJECTED)
        assert case.outcome == Outcome.NOT_OUR_RESPONSIBILITY


def the_same_form_is_sent_twice(people):
    staff = people["huayuan_staff"]
    case = _reported(people)
    before = _before(case)

    def submit():
        case_transition(actor=staff, case_id=case.pk, action="accept", expected_version=before.version)

    results = _race(submit, submit)

    assert sorted(r.ok for r in results) == [False, True]
    assert next(r for r in results if not r.ok).code == "moved_on"
    _assert_one_move(case, before, staff, "accept", Status.ACCEPTED)


def the_crew_starts_while_staff_escalate(people):
    """A dispatched case (its handling unit joined into the locking query) and two different roles."""
    staff, crew_member = people["huayuan_staff"], people["repair_crew"]
    case = _reported(people)
    case_transition(actor=staff, case_id=case.pk, action="accept")
    case_transition(
        actor=staff, case_id=case.pk, action="dispatch", unit=crew_member.roles.get().organisation
    )
    before = _before(case)

    results = _race(
        lambda: case_transition(
            actor=crew_member, case_id=case.pk, action="start", expected_version=before.version
        ),
        lambda: case_transition(
            actor=staff, case_id=case.pk, action="escalate", expected_version=before.version
        ),
    )

    assert sorted(r.ok for r in results) == [False, True]
    assert next(r for r in results if not r.ok).code == "moved_on"
    if results[0].ok:
        _assert_one_move(case, before, crew_member, "start", Status.HANDLING)
        assert case.level == Level.COMMUNITY
    else:
        _assert_one_move(case, before, staff, "escalate", Status.DISPATCHED)
        assert case.level == Level.STREET


@race
@needs_shared_database
def test_two_people_acting_on_one_case_at_once_exactly_one_wins(people, _slow_lock):
    # One test for the four races: each transactional test costs a flush and a reload of the demo.
    two_staff_accept_the_same_case(people)
    one_accepts_while_the_other_rejects(people)
    the_same_form_is_sent_twice(people)
    the_crew_starts_while_staff_escalate(people)


def test_the_case_lock_does_not_reach_the_nullable_side_of_an_outer_join(monkeypatch):
    """Checked on the query itself, so it fails on SQLite too (which ignores FOR UPDATE)."""

    class Captured(Exception):
        pass

    captured = []

    def capture(queryset, *args, **kwargs):
        captured.append(queryset.filter(*args, **kwargs))
        raise Captured

    monkeypatch.setattr(QuerySet, "get", capture)
    with pytest.raises(Captured):
        transition_module._locked(1)
    query = captured[0].query

    assert query.select_for_update
    related = set(query.select_related) if isinstance(query.select_related, dict) else set()
    nullable = {name for name in related if Case._meta.get_field(name).null}
    locked = set(query.select_for_update_of) or {"self", *related}
    assert not locked & nullable, f"FOR UPDATE over the outer join to {sorted(locked & nullable)}"
