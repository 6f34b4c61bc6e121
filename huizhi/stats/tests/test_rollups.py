"""The daily roll-ups give the same figures as the cases, and both give the numbers worked out here.

The world is the worked month of conftest.py (A–H: reworked and reopened after 不满意, suspended,
never accepted, hotline, rejected, another community) and, in 花园街社区 (category 0101 unless said,
every deadline in working time, office hours 08:30–12:00 and 14:00–17:30):

- I, hotline: reported Mon 09:00, accepted 09:10, escalated to the street 09:15, dispatched 09:20
  (due Tue 09:20), closed Tue 09:10; called back Wed 10:00, reached, 不满意.
- J, 1105 下水管道堵塞 (accept in 0.5 h, handle in 4 h, natural time): reported Tue 10:00, accepted
  and dispatched 10:20 (due 14:20), result 13:00: handled in time, not closed.
- K: reported Fri 28 February 09:00, accepted and dispatched 16:00 → due Mon 3 March 16:00; never
  handled: due to close in March, not reported in March.
- L: reported Mon 31 March 09:00 (the day the figures are read, at 12:00), never accepted: its
  deadline to accept (10:00) has passed.
- M: reported Mon 31 March 11:30: its deadline to accept (14:30) has not passed, so it is not due.
- N: reported Mon 3 March 09:00, merged into E at 09:30: decided in time.

The roll-ups are built before the world, so the case events keep them (the keeper); then they are
rebuilt from the cases; then dropped, so the figures are read from the cases. All three answer the
same for every scope and period below, and the worked numbers hold.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.cases.services import callback_record
from huizhi.cases.states import Rating, Source
from huizhi.cases.tests.factories import (
    DRAIN,
    FENGHUANG,
    GRIDWORKER_GRID,
    HUAYUAN,
    STREET,
    place,
    repair_crew,
    user,
)
from huizhi.stats import metrics, rollups, tables
from huizhi.stats.metrics import Scope
from huizhi.stats.models import (
    COUNT_COLUMNS,
    CaseFact,
    DailyFigures,
    MonthlyFigures,
    MonthlyGridFigures,
    RollupState,
)
from huizhi.stats.periods import Period, month_period, period_of
from huizhi.stats.tests.helpers import MON, READ_AT, TUE, WED, at, close, march, report_at, shanghai, step

pytestmark = pytest.mark.django_db

MARCH = month_period(date(2025, 3, 1))
PERIODS = {
    "march": MARCH,
    "monday": period_of("day", date(2025, 3, MON)),
    "tuesday": period_of("day", date(2025, 3, TUE)),
    "week": period_of("week", date(2025, 3, MON)),
    "quarter": period_of("quarter", date(2025, 3, 1)),
    "year": period_of("year", date(2025, 3, 1)),
    "custom": Period("custom", date(2025, 2, 20), date(2025, 3, 31)),
    "february": month_period(date(2025, 2, 1)),
}


def _scopes() -> dict[str, Scope]:
    return {
        "street": Scope(place(STREET)),
        "huayuan": Scope(place(HUAYUAN)),
        "fenghuang": Scope(place(FENGHUANG)),
        "grid": Scope(place(GRIDWORKER_GRID)),
        "crew": Scope(place(HUAYUAN), unit=repair_crew()),
    }


@pytest.fixture
def world(request):
    with at(shanghai(2025, 2, 1, 9, 0)):
        rollups.rebuild()  # an empty start: from here on the case events keep the sums
    cases = request.getfixturevalue("month")
    i = report_at(march(MON, 9), source=Source.HOTLINE)
    i = step(march(MON, 9, 10), i, "accept")
    i = step(march(MON, 9, 15), i, "escalate")
    i = step(march(MON, 9, 20), i, "dispatch")
    i = close(i, started=march(TUE, 8, 40), resulted=march(TUE, 8, 50), verified=march(TUE, 9, 10))
    with at(march(WED, 10)):
        callback_record(
            actor=user("huayuan_staff"), case_id=i.pk, reached=True, satisfaction=Rating.UNSATISFIED
        )
    j = report_at(march(TUE, 10), category_code=DRAIN)
    j = step(march(TUE, 10, 20), j, "accept")
    j = step(march(TUE, 10, 20), j, "dispatch")
    j = step(march(TUE, 11), j, "start")
    j = step(march(TUE, 13), j, "report_result")
    k = report_at(shanghai(2025, 2, 28, 9, 0))
    k = step(shanghai(2025, 2, 28, 16, 0), k, "accept")
    k = step(shanghai(2025, 2, 28, 16, 0), k, "dispatch")
    report_at(march(31, 9))  # L
    report_at(march(31, 11, 30))  # M
    n = report_at(march(MON, 9))
    step(march(MON, 9, 30), n, "merge", merged_into=cases["E"])
    return {**cases, "I": i, "J": j, "K": k}


def _answers(planned: bool = False) -> dict:
    """Every figure the roll-ups serve, for every scope and period, read at READ_AT; `planned`: as
    the leader's view reads them, each table's groupings together (GROUPING SETS on PostgreSQL)."""
    answers = {}
    plan = rollups.plan_groupings(tables.GROUPINGS if planned else ())
    with at(READ_AT), rollups.one_state(), plan:
        for scope_name, scope in _scopes().items():
            for period_name, period in PERIODS.items():
                key = f"{scope_name}/{period_name}"
                f = metrics.figures(scope, period)
                answers[key] = {
                    "cases": vars(f.cases),
                    "by_source": f.by_source,
                    "by_state": f.by_state,
                    "accept": _rounded(f.time_to_accept),
                    "fix": _rounded(f.time_to_fix),
                    "categories": [(r.key, vars(r.counts)) for r in metrics.by_category(scope, period)],
                    "trend": [
                        (p.label, p.reported, p.closure, p.closed_in_time)
                        for p in metrics.trend(scope, period)
                    ],
                }
                for of in ("community", "grid", "unit", "gridworker"):
                    answers[key][of] = [(r.key, vars(r.counts)) for r in metrics.ranking(scope, period, of)]
    return answers


def _rounded(d: metrics.Durations):
    # PostgreSQL's percentile of seconds, over 3600, may differ from the mean of hours in the last bit.
    return (
        d.count,
        None if d.median_hours is None else round(d.median_hours, 9),
        None if d.p90_hours is None else round(d.p90_hours, 9),
    )


def _sums(model) -> set[tuple]:
    """The roll-up's rows with anything in them (a case that moved on leaves a row of zeros)."""
    key = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *COUNT_COLUMNS)]
    rows = model.objects.values_list(*key, *COUNT_COLUMNS)
    return {row for row in rows if any(row[len(key) :])}


def _facts() -> set[tuple]:
    fields = [f.attname for f in CaseFact._meta.concrete_fields if f.attname != "kept_at"]
    return {tuple(str(v) for v in row) for row in CaseFact.objects.values_list(*fields)}


def test_kept_rebuilt_and_read_from_the_cases_agree_everywhere(world):
    with CaptureQueriesContext(connection) as one_by_one:
        kept = _answers()
    with CaptureQueriesContext(connection) as together:
        assert _answers(planned=True) == kept
    if connection.vendor == "postgresql":  # GROUPING SETS: several groupings a read
        assert len(together.captured_queries) < len(one_by_one.captured_queries)
    kept_rows = (_sums(DailyFigures), _sums(MonthlyFigures), _sums(MonthlyGridFigures), _facts())
    assert kept_rows[0] and kept_rows[1] and kept_rows[2]

    with at(READ_AT):
        rollups.rebuild()
    assert (_sums(DailyFigures), _sums(MonthlyFigures), _sums(MonthlyGridFigures), _facts()) == kept_rows
    assert _answers() == kept

    with at(READ_AT):
        rollups.rebuild(since=date(2025, 3, 4))  # from 1 March on: the same rows again
    assert (_sums(DailyFigures), _sums(MonthlyFigures), _sums(MonthlyGridFigures), _facts()) == kept_rows

    RollupState.objects.all().delete()  # read from the cases
    assert rollups.state() is None
    assert _answers() == kept


@pytest.mark.parametrize("source", ["rollups", "cases"])
def test_the_worked_numbers(world, source):
    if source == "cases":
        RollupState.objects.all().delete()
    with at(READ_AT):
        huayuan = metrics.figures(Scope(place(HUAYUAN)), MARCH)
        tuesday = metrics.case_counts(Scope(place(HUAYUAN)), PERIODS["tuesday"])
        february = metrics.case_counts(Scope(place(HUAYUAN)), PERIODS["february"])
        street = metrics.case_counts(Scope(place(STREET)), MARCH)
        crew = metrics.case_counts(Scope(place(HUAYUAN), unit=repair_crew()), MARCH)
    c = huayuan.cases
    # Reported in March: A–G, I, J, L, M, N (K was reported in February).
    assert c.reported == 12
    # Due to be accepted: A–G, I, J, L, N (M's deadline is still running); late: B, E, L.
    assert (c.accepted_in_time, c.accept_due) == (8, 11)
    # Due to close: A, B, C, D, F, I, J, K; closed A, B, C, D, I; on time A, C, D, I.
    assert (c.due, c.closed, c.closed_in_time) == (8, 5, 4)
    assert str(c.rate("closure")) == "62.50%" and str(c.rate("closed_in_time")) == "50.00%"
    # Results in time: A, C, D, I, J.
    assert c.handled_in_time == 5
    assert (c.reworked, c.closed_in_period) == (1, 5)
    # Ratings: A 满意, B 基本满意, C 满意 (after reopening), I's call-back 不满意.
    assert (c.rated, c.satisfied, c.basically_satisfied, c.unsatisfied) == (4, 2, 1, 1)
    assert (c.rated_by_callback, c.unsatisfied_by_callback) == (1, 1)
    # 12345: F and I responded in time; I's call-back is the one hotline rating, not solved.
    assert (c.hotline_responded, c.hotline_accept_due) == (2, 2)
    assert (c.hotline_rated, c.hotline_resolved, c.hotline_satisfied) == (1, 0, 0)
    states = {key: n for key, _label, n in huayuan.by_state}
    assert states == {
        "reported": 3,  # E, L, M
        "accepted": 0,
        "rejected": 1,  # G
        "merged": 1,  # N
        "dispatched": 1,  # F (K is dispatched too, but was reported in February)
        "handling": 0,
        "handled": 1,  # J
        "closed": 5,  # A, B, C, D, I
        "suspended": 0,
    }
    assert {key: n for key, _label, n in huayuan.by_source}["hotline"] == 2  # F, I
    # Time to fix: A 5 h, B 15 h, C 8 h, D 5 h, I (Mon 09:00 → Tue 09:10) 6.5 h + 40 min: the
    # median is I's 7 h 10 min, the 90th percentile (nearest rank: the 5th of 5) B's 15 h.
    fix = huayuan.time_to_fix
    assert (fix.count, fix.median_hours, fix.p90_hours) == (5, pytest.approx(7 + 1 / 6), pytest.approx(15))

    # Tuesday 4 March: J reported; due A, B, C, F, I, J; closed A, B, C, I; on time A, C, I.
    assert (tuesday.reported, tuesday.accept_due, tuesday.accepted_in_time) == (1, 1, 1)
    assert (tuesday.due, tuesday.closed, tuesday.closed_in_time, tuesday.handled_in_time) == (6, 4, 3, 4)
    assert (tuesday.closed_in_period, tuesday.reworked, tuesday.rated, tuesday.satisfied) == (2, 1, 1, 1)
    # February: K reported and decided late (16:00 against 10:00); nothing due.
    assert (february.reported, february.accept_due, february.accepted_in_time, february.due) == (1, 1, 0, 0)
    # The street adds H (凤凰社区): reported and accepted in time.
    assert (street.reported, street.accept_due, street.accepted_in_time) == (13, 12, 9)
    # The repair crew's cases: every dispatched one (A, B, C, D, F, I, J, K).
    assert (crew.due, crew.closed, crew.closed_in_time) == (8, 5, 4)


def test_whole_days_before_today_are_read_from_the_roll_ups_only(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    street = Scope(place(STREET))
    with at(READ_AT), CaptureQueriesContext(connection) as february:
        metrics.case_counts(street, PERIODS["february"])
    sql = "\n".join(q["sql"] for q in february.captured_queries)
    assert '"stats_monthlyfigures"' in sql and '"cases_case"' not in sql
    with at(READ_AT), CaptureQueriesContext(connection) as march_:
        metrics.case_counts(street, MARCH)  # 1–30 March summed; today (the 31st) from the facts
    sql = "\n".join(q["sql"] for q in march_.captured_queries)
    assert '"stats_dailyfigures"' in sql and '"stats_casefact"' in sql and '"cases_case"' not in sql


def test_the_page_and_the_api_say_how_current_the_roll_ups_are(world, client):
    from django.urls import reverse
    from rest_framework.test import APIClient

    client.force_login(user("street"))
    params = {"period": "month", "month": "2025-03", "scope": STREET}
    with at(READ_AT):
        page = client.get(reverse("stats:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # M's report (11:30) is the newest event; the page is read at 12:00.
    assert "Figures as of 2025-03-31 12:00: days before today from the daily roll-ups" in page
    assert "which hold every case event up to 2025-03-31 11:30:00" in page
    api = APIClient()
    api.force_authenticate(user("street"))
    with at(READ_AT):
        body = api.get("/api/v1/stats/", params).json()
    assert body["rollups_kept_at"].startswith("2025-03-31T11:30")  # M, the last case event

    RollupState.objects.all().delete()
    with at(READ_AT):
        page = client.get(reverse("stats:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        body = api.get("/api/v1/stats/", params).json()
    assert "counted from the cases (the daily roll-ups are not built)" in page
    assert body["rollups_kept_at"] is None


def test_the_rebuilds_working_clock_agrees_with_the_calendar():
    """Random spans over two years (holidays, swapped working weekends, nights, lunch hours)."""
    import random
    from datetime import timedelta

    from huizhi.cases import workcalendar

    rng = random.Random(15)
    clock = rollups.WorkingClock()
    origin = shanghai(2024, 12, 20, 0, 0)
    for _ in range(400):
        start = origin + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60), seconds=rng.random() * 60)
        end = start + timedelta(minutes=rng.randrange(-3 * 24 * 60, 40 * 24 * 60))
        for working in (True, False):
            assert clock.between(start, end, working) == pytest.approx(
                workcalendar.between(start, end, working), abs=1e-6
            )


def test_an_event_adds_to_the_three_sums_in_one_statement_on_postgresql(world):
    """A report and a later step each add to the daily, monthly and monthly-grid sums: one round
    trip on PostgreSQL (two upserts in a WITH before the third), one upsert per table on SQLite.
    The equality of the kept rows with a rebuild is tested above, over a month of events."""
    tables = ('"stats_dailyfigures"', '"stats_monthlyfigures"', '"stats_monthlygridfigures"')
    with CaptureQueriesContext(connection) as filed:
        case = report_at(READ_AT)
        step(READ_AT, case, "accept")
    writes = [q["sql"] for q in filed.captured_queries if any(t in q["sql"] for t in tables)]
    if connection.vendor == "postgresql":
        assert len(writes) == 2, writes  # the report's, the acceptance's
        assert all(all(t in sql for t in tables) and sql.startswith("WITH") for sql in writes)
    else:
        assert len(writes) >= 6
    with at(READ_AT):
        kept = (_sums(DailyFigures), _sums(MonthlyFigures), _sums(MonthlyGridFigures), _facts())
        rollups.rebuild()
    assert (_sums(DailyFigures), _sums(MonthlyFigures), _sums(MonthlyGridFigures), _facts()) == kept
