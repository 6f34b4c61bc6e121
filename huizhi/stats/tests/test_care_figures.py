"""Care in the statistics (DESIGN §7, §9): watch coverage and overdue contacts, contacts logged in
the period, care-station sessions and their attendance, home-service requests — a hand-made
community whose answers are worked out here, and the report's table that shows them."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from huizhi.care.kinds import ContactMethod, ContactOutcome, Risk, ServiceKind, WatcherKind
from huizhi.care.models import (
    CareService,
    CareSession,
    CareStation,
    SessionEnrolment,
    WatchContact,
    WatchedResident,
    Watcher,
)
from huizhi.fieldwork.tests.conftest import registered
from huizhi.places.kinds import OrganisationKind
from huizhi.stats import tables
from huizhi.stats.care import care_figures
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import parse_period
from tests.factories import OrganisationFactory, small_street

pytestmark = pytest.mark.no_demo


@pytest.fixture
def world(db, time_machine):
    # The middle of this month, frozen: sessions "a minute after the month began" have begun, and
    # nothing is in the next month, whatever the time the tests run.
    today = timezone.localdate()
    middle = timezone.make_aware(datetime(today.year, today.month, 15, 10, 0))
    time_machine.move_to(middle, tick=False)
    w = small_street()
    w.now = timezone.now()
    w.month = parse_period({"period": "month", "month": timezone.localdate().strftime("%Y-%m")})
    return w


def _watched(w, room: str, *, due_in_days: float, watchers: int):
    elder = registered(w.building, room, age=82, lives_alone=True)
    entry = WatchedResident.objects.create(
        resident=elder,
        place_code=w.building.code,
        risk=Risk.HIGH,
        cadence_days=2,
        due_at=w.now + timedelta(days=due_in_days),
        added_by=w.staff,
    )
    for n in range(watchers):
        user = w.gridworker if n == 0 else w.staff
        Watcher.objects.create(watched=entry, user=user, kind=WatcherKind.GRID_WORKER)
    return entry


def test_watch_coverage_counts_the_watched_with_a_watcher_and_not_overdue(world):
    # Four on the watch: A covered; B overdue (has a watcher); C no watcher (not overdue);
    # D overdue and no watcher; E taken off the watch (not counted at all).
    a = _watched(world, "101室", due_in_days=1, watchers=2)
    _watched(world, "102室", due_in_days=-1, watchers=1)
    _watched(world, "103室", due_in_days=1, watchers=0)
    _watched(world, "104室", due_in_days=-2, watchers=0)
    e = _watched(world, "105室", due_in_days=-3, watchers=1)
    e.is_active, e.ended_at, e.ended_by = False, world.now, world.staff
    e.save()
    # covered = min(watched - overdue, with a watcher) = min(4 - 2, 2) = 2 → 2 / 4 = 50%.
    figures = care_figures(Scope(place=world.community), world.month, now=world.now)
    assert (figures.coverage.watched, figures.coverage.with_watcher, figures.coverage.overdue) == (4, 2, 2)
    assert (figures.coverage_rate.numerator, figures.coverage_rate.denominator) == (2, 4)
    assert str(figures.coverage_rate) == "50.00%"
    # Contacts in the period by what they found; one last year is not counted.
    for outcome in (ContactOutcome.WELL, ContactOutcome.NEEDS_HELP, ContactOutcome.NOT_REACHED):
        WatchContact.objects.create(
            watched=a, by=world.gridworker, method=ContactMethod.VISIT, outcome=outcome
        )
    WatchContact.objects.create(
        watched=a,
        by=world.gridworker,
        method=ContactMethod.CALL,
        outcome=ContactOutcome.NOT_REACHED,
        contacted_at=world.now - timedelta(days=400),
    )
    figures = care_figures(Scope(place=world.community), world.month, now=world.now)
    assert (figures.contacts, figures.needs_help, figures.not_reached) == (3, 1, 1)


def test_sessions_count_those_begun_and_attendance_is_checked_in_over_enrolled(world):
    operator = OrganisationFactory(kind=OrganisationKind.SERVICE_OPERATOR, place=world.community)
    station = CareStation.objects.create(
        name="测试站", community=world.community, community_code=world.community.code, operator=operator
    )
    service = CareService.objects.create(station=station, kind=ServiceKind.RECREATION, name="太极")
    people = [registered(world.building, f"{n}01室", age=70) for n in range(1, 5)]

    def session(starts, enrolled: int, came: int):
        s = CareSession.objects.create(
            station=station,
            service=service,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            venue="活动室",
            capacity=10,
            lead="吴",
        )
        for n, person in enumerate(people[:enrolled]):
            SessionEnrolment.objects.create(
                session=s, resident=person, enrolled_by=world.staff, attended_at=starts if n < came else None
            )
        return s

    start = world.month.start
    session(start + timedelta(minutes=1), enrolled=4, came=3)
    session(start + timedelta(minutes=2), enrolled=2, came=0)
    session(world.now + timedelta(minutes=5), enrolled=4, came=0)  # not begun yet: left out
    session(start - timedelta(days=2), enrolled=4, came=4)  # last month: left out
    figures = care_figures(Scope(place=world.community), world.month, now=world.now)
    # Held 2; enrolled 4 + 2 = 6; attended 3 + 0 = 3 → 50%.
    assert (figures.sessions.held, figures.sessions.enrolled, figures.sessions.attended) == (2, 6, 3)
    assert str(figures.sessions.attendance) == "50.00%"
    # A street counts its communities' sessions; a grid holds none; a handling unit has no care figures.
    assert care_figures(Scope(place=world.street), world.month, now=world.now).sessions.held == 2
    assert care_figures(Scope(place=world.grid), world.month, now=world.now).sessions is None
    assert care_figures(Scope(place=world.community, unit=world.crew), world.month, now=world.now) is None


def test_an_empty_period_shows_dashes_not_zero_percent(world):
    with translation.override("en"):
        board = tables.build(Scope(place=world.community), world.month, now=world.now)
    values = {row[0]: row[1] for row in board.table("work").display_rows()}
    assert values["Watch coverage (守望覆盖率)"] == "—"  # nobody on the watch: no rate, not 0%
    assert values["Care session attendance"] == "—"
    assert values["Patrols started"] == "0"
    assert board.table("work") in board.tables  # a sheet of the monthly report too
