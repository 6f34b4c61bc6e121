"""Working time on real dates (DESIGN §4): the Chinese official calendar with its swapped working
days (调休), office hours from settings, and natural hours that ignore both.

2026's National Day holiday runs 1–7 October; Sunday 20 September and Saturday 10 October are
working days in exchange. Office hours default to 08:30–12:00 and 14:00–17:30 (7 hours a day).
"""

from datetime import date

import pytest
import time_machine

from huizhi.cases import workcalendar
from huizhi.cases.states import ClockUnit, Status
from huizhi.cases.tests.factories import shanghai
from tests.factories import SubcategoryFactory, advance, case_in, small_street

pytestmark = pytest.mark.no_demo

HOUR = 3600


@pytest.fixture
def world(db):
    """A small street whose category is accepted within 1 working hour, handled within 1 working day."""
    return small_street()


@pytest.fixture
def drain(db):
    """A subclass on natural hours, as a blocked drain: accept within 0.5 h, handle within 4 h."""
    return SubcategoryFactory(natural_hours=True)


def add_hours(start, hours: float, working: bool = True):
    return workcalendar.add(start, hours * HOUR, working)


# --- The calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 30), True),  # Wednesday, the eve of National Day
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 5), False),  # Monday inside the holiday
        (date(2026, 10, 7), False),  # Wednesday, the last day off
        (date(2026, 10, 8), True),  # Thursday, back to work
        (date(2026, 10, 10), True),  # Saturday, swapped working day (调休)
        (date(2026, 10, 11), False),  # Sunday
        (date(2026, 9, 20), True),  # Sunday, swapped working day (调休)
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn Festival
        (date(2026, 10, 17), False),  # an ordinary Saturday
        (date(2026, 9, 28), True),  # an ordinary Monday
    ],
)
def test_the_official_calendar(day, working):
    assert workcalendar.is_working_day(day) is working


def test_one_working_day_from_the_eve_of_national_day_is_due_after_the_holiday():
    start = shanghai(2026, 9, 30, 15, 0)
    limit = workcalendar.limit_seconds(1, ClockUnit.WORKING_DAYS)
    assert limit == 7 * HOUR
    assert workcalendar.add(start, limit, working=True) == shanghai(2026, 10, 8, 15, 0)


def test_a_one_working_day_handling_limit_dispatched_on_national_day_eve_is_due_on_8_october(world):
    with time_machine.travel(shanghai(2026, 9, 30, 14, 50), tick=False) as traveller:
        case = case_in(Status.ACCEPTED, world)  # handle: 1 working day
        traveller.move_to(shanghai(2026, 9, 30, 15, 0))
        case = advance(case, "dispatch", world)
    case.refresh_from_db()
    assert case.handle_due_at == shanghai(2026, 10, 8, 15, 0)
    assert case.handle_clock_working is True
    # Near due with 20% of the limit (1 h 24 min of office time) left: 5 h 36 min after dispatch,
    # 2 h 30 min of them on 30 September and 3 h 6 min on the morning of 8 October.
    assert case.handle_warn_at == shanghai(2026, 10, 8, 11, 36)


def test_the_accept_clock_of_a_case_reported_on_a_holiday_starts_on_the_next_working_day(world):
    with time_machine.travel(shanghai(2026, 10, 3, 10, 0), tick=False):  # Saturday, National Day holiday
        case = case_in(Status.REPORTED, world)  # accept: 1 working hour
    assert case.accept_due_at == shanghai(2026, 10, 8, 9, 30)


def test_working_hours_skip_the_lunch_break():
    assert add_hours(shanghai(2026, 9, 29, 11, 30), 1) == shanghai(2026, 9, 29, 14, 30)
    assert add_hours(shanghai(2026, 9, 29, 12, 30), 1) == shanghai(2026, 9, 29, 15, 0)  # starts after lunch


def test_working_hours_skip_the_weekend():
    # Friday 17:00: half an hour left that day, the rest on Monday morning.
    assert add_hours(shanghai(2026, 10, 16, 17, 0), 1) == shanghai(2026, 10, 19, 9, 0)
    # Started on Saturday: the clock starts on Monday at 08:30.
    assert add_hours(shanghai(2026, 10, 17, 10, 0), 2) == shanghai(2026, 10, 19, 10, 30)


def test_working_hours_skip_a_holiday_that_joins_the_weekend():
    # Thursday 24 September 17:00; Friday 25 September is the Mid-Autumn Festival.
    assert add_hours(shanghai(2026, 9, 24, 17, 0), 1) == shanghai(2026, 9, 28, 9, 0)


def test_the_swapped_saturday_counts_as_a_working_day():
    # Friday 9 October 17:00 + 1 working hour → Saturday 10 October 09:00, not Monday.
    assert add_hours(shanghai(2026, 10, 9, 17, 0), 1) == shanghai(2026, 10, 10, 9, 0)
    # …and the swapped Sunday before the holiday.
    assert add_hours(shanghai(2026, 9, 19, 10, 0), 1) == shanghai(2026, 9, 20, 9, 30)


def test_working_time_after_office_hours_starts_the_next_morning():
    assert add_hours(shanghai(2026, 9, 29, 18, 0), 1) == shanghai(2026, 9, 30, 9, 30)
    assert add_hours(shanghai(2026, 9, 29, 7, 0), 1) == shanghai(2026, 9, 29, 9, 30)


def test_natural_hours_ignore_holidays_and_office_hours():
    start = shanghai(2026, 9, 30, 15, 0)
    assert add_hours(start, 24, working=False) == shanghai(2026, 10, 1, 15, 0)
    assert add_hours(start, 4, working=False) == shanghai(2026, 9, 30, 19, 0)
    assert workcalendar.limit_seconds(4, ClockUnit.NATURAL_HOURS) == 4 * HOUR
    assert workcalendar.is_working_clock(ClockUnit.NATURAL_HOURS) is False


def test_a_natural_hour_limit_dispatched_on_a_holiday_runs_through_it(world, drain):
    with time_machine.travel(shanghai(2026, 10, 2, 21, 0), tick=False):  # a holiday evening
        case = case_in(Status.DISPATCHED, world, category=drain)  # handle: 4 natural hours
    assert case.accept_due_at == shanghai(2026, 10, 2, 21, 30)
    assert case.handle_due_at == shanghai(2026, 10, 3, 1, 0)
    assert case.handle_clock_working is False


# --- between() is the inverse of add() -----------------------------------------------------------

STARTS = [
    shanghai(2026, 9, 30, 15, 0),
    shanghai(2026, 9, 29, 11, 45),
    shanghai(2026, 9, 29, 12, 30),  # lunch
    shanghai(2026, 10, 16, 17, 10),  # Friday evening
    shanghai(2026, 10, 3, 9, 0),  # holiday
    shanghai(2026, 10, 9, 16, 0),
]
DURATIONS = [0.25, 1, 3.5, 7, 7.5, 26]  # hours


@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.strftime("%m%d-%H%M"))
@pytest.mark.parametrize("hours", DURATIONS)
@pytest.mark.parametrize("working", [True, False], ids=["working", "natural"])
def test_between_is_the_inverse_of_add(start, hours, working):
    end = workcalendar.add(start, hours * HOUR, working)
    assert workcalendar.between(start, end, working) == pytest.approx(hours * HOUR)
    assert workcalendar.between(end, start, working) == pytest.approx(-hours * HOUR)


def test_add_is_the_inverse_of_between_for_moments_in_office_hours():
    start = shanghai(2026, 9, 30, 15, 0)
    for end in [shanghai(2026, 10, 8, 15, 0), shanghai(2026, 10, 10, 11, 0), shanghai(2026, 9, 30, 16, 0)]:
        assert workcalendar.add(start, workcalendar.between(start, end, True), True) == end


def test_between_counts_only_office_hours():
    # Wednesday 15:00 → Thursday 8 October 15:00 across the whole holiday: 7 working hours.
    assert workcalendar.between(shanghai(2026, 9, 30, 15, 0), shanghai(2026, 10, 8, 15, 0), True) == 7 * HOUR
    # A whole holiday week counts nothing.
    assert workcalendar.between(shanghai(2026, 10, 1, 0, 0), shanghai(2026, 10, 8, 0, 0), True) == 0
    # Lunch counts nothing.
    assert workcalendar.between(shanghai(2026, 9, 29, 12, 0), shanghai(2026, 9, 29, 14, 0), True) == 0


# --- Office hours come from settings -------------------------------------------------------------


def test_office_hours_come_from_settings(settings):
    settings.HUIZHI_OFFICE_HOURS = "09:00-17:00"
    assert workcalendar.working_day_seconds() == 8 * HOUR
    assert workcalendar.limit_seconds(1, ClockUnit.WORKING_DAYS) == 8 * HOUR
    # Monday 16:00 + 2 working hours → Tuesday 10:00 (no lunch break in these hours).
    assert add_hours(shanghai(2026, 9, 28, 16, 0), 2) == shanghai(2026, 9, 29, 10, 0)
    # The eve of National Day, 15:00 + 1 working day → 8 October 15:00 again, with 8-hour days.
    assert workcalendar.add(shanghai(2026, 9, 30, 15, 0), 8 * HOUR, True) == shanghai(2026, 10, 8, 15, 0)


def test_the_default_office_hours_have_a_lunch_break(settings):
    assert settings.HUIZHI_OFFICE_HOURS == "08:30-12:00,14:00-17:30"
    assert workcalendar.working_day_seconds() == 7 * HOUR


def test_a_dispatch_uses_the_office_hours_in_settings(settings, world):
    settings.HUIZHI_OFFICE_HOURS = "09:00-12:00,13:00-18:00"
    with time_machine.travel(shanghai(2026, 9, 29, 17, 0), tick=False):
        case = case_in(Status.DISPATCHED, world)  # 1 working day = 8 hours here
    # One hour on Tuesday, then 7 on Wednesday: 3 in the morning, 4 in the afternoon.
    assert case.handle_due_at == shanghai(2026, 9, 30, 17, 0)


@pytest.mark.parametrize("bad", ["17:30-08:30", "08:30-08:30", "nonsense"])
def test_office_hours_that_make_no_sense_are_refused(settings, bad):
    settings.HUIZHI_OFFICE_HOURS = bad
    with pytest.raises(ValueError):
        workcalendar.office_periods()
