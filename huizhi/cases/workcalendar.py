"""Working time: the Chinese official calendar (public holidays and the weekend days swapped for
work, 调休, from the maintained `holidays` package) and office hours from settings.

A limit in working days is that many days' worth of office hours, so "1 working day" from 15:00
on the eve of a holiday lands at 15:00 on the first working day after it.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

from huizhi.cases.states import ClockUnit

_MAX_DAYS = 3660  # a limit that reaches further than ten years is a data error, not a deadline
HORIZON = timedelta(days=_MAX_DAYS)


def within_reach(moment: datetime, now: datetime) -> bool:
    """Whether the clocks can count to `moment` from `now`: a deadline a person sets further out
    (9999-12-31) would run the working calendar out of days, or overflow turning it into local time,
    so it is refused as input before any arithmetic."""
    return moment <= now + HORIZON


def _parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """'08:30-12:00,14:00-17:30' → ((08:30, 12:00), (14:00, 17:30))."""
    periods = []
    for part in text.split(","):
        start, end = (time.fromisoformat(p.strip()) for p in part.split("-"))
        if end <= start:
            raise ValueError(f"office period {part!r} ends before it starts")
        periods.append((start, end))
    return tuple(sorted(periods))


@lru_cache(maxsize=8)
def _china_holidays(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def is_working_day(day: date) -> bool:
    return _china_holidays(day.year).is_working_day(day)


def office_periods() -> tuple[tuple[time, time], ...]:
    return _parse_periods(settings.HUIZHI_OFFICE_HOURS)


def working_day_seconds() -> float:
    return sum(
        (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()
        for start, end in office_periods()
    )


def _office_windows(from_day: date):
    """Aware (start, end) office windows on working days, from `from_day` on."""
    tz = timezone.get_current_timezone()
    periods = office_periods()
    for offset in range(_MAX_DAYS):
        day = from_day + timedelta(days=offset)
        if not is_working_day(day):
            continue
        for start, end in periods:
            yield datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)
    raise ValueError("a working-time limit runs past ten years")


def limit_seconds(amount: float, unit: str) -> float:
    """A category's limit in seconds of its own clock (natural or working time)."""
    if unit == ClockUnit.WORKING_DAYS:
        return amount * working_day_seconds()
    return amount * 3600


def is_working_clock(unit: str) -> bool:
    return unit in (ClockUnit.WORKING_HOURS, ClockUnit.WORKING_DAYS)


def add(start: datetime, seconds: float, working: bool) -> datetime:
    """The moment `seconds` of natural or working time after `start`."""
    if not working:
        return start + timedelta(seconds=seconds)
    local = timezone.localtime(start)
    remaining = seconds
    for window_start, window_end in _office_windows(local.date()):
        begin = max(window_start, local)
        if begin >= window_end:
            continue
        available = (window_end - begin).total_seconds()
        if remaining <= available:
            return begin + timedelta(seconds=remaining)
        remaining -= available
    raise AssertionError("unreachable")  # _office_windows raises first


def _office_windows_back(from_day: date):
    """Aware (start, end) office windows on working days, latest first, from `from_day` back."""
    tz = timezone.get_current_timezone()
    periods = tuple(reversed(office_periods()))
    for offset in range(_MAX_DAYS):
        day = from_day - timedelta(days=offset)
        if not is_working_day(day):
            continue
        for start, end in periods:
            yield datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)
    raise ValueError("a working-time span runs back past ten years")


def before(end: datetime, seconds: float) -> datetime:
    """The moment `seconds` of working time before `end` (so `between(before(end, s), end, True)`
    is `s`): the cut-off of "no step for N working hours"."""
    local = timezone.localtime(end)
    remaining = seconds
    for window_start, window_end in _office_windows_back(local.date()):
        finish = min(window_end, local)
        if finish <= window_start:
            continue
        available = (finish - window_start).total_seconds()
        if remaining <= available:
            return finish - timedelta(seconds=remaining)
        remaining -= available
    raise AssertionError("unreachable")  # _office_windows_back raises first


def between(start: datetime, end: datetime, working: bool) -> float:
    """Seconds of natural or working time from `start` to `end` (negative when end is earlier)."""
    if end < start:
        return -between(end, start, working)
    if not working:
        return (end - start).total_seconds()
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    total = 0.0
    for window_start, window_end in _office_windows(local_start.date()):
        if window_start >= local_end:
            break
        overlap = (min(window_end, local_end) - max(window_start, local_start)).total_seconds()
        total += max(0.0, overlap)
    return total


# Deadlines people set by hand (a dispatch's own deadline, a supervision notice's reply) offered as
# presets in working time, as staff think of them: key -> (working hours, or working days).
DEADLINE_PRESETS = {"1h": (1, 0), "4h": (4, 0), "1d": (0, 1), "3d": (0, 3)}


def preset_seconds(key: str) -> float:
    """Working seconds of a preset: hours by the clock's hour, days by the office day's length."""
    hours, days = DEADLINE_PRESETS[key]
    return hours * 3600 + days * working_day_seconds()


def preset_deadline(key: str, now: datetime) -> datetime:
    """The moment a deadline preset names, counted in working time from `now`."""
    return add(now, preset_seconds(key), working=True)
