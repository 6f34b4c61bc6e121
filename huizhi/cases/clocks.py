"""Setting a case's deadlines (its acceptance and handling clocks) in working or natural time.

Outside the services package so that the transition table's effects can start and restart the
handling clock without importing the services (see huizhi.cases.effects)."""

from datetime import datetime

from django.conf import settings

from huizhi.cases import workcalendar
from huizhi.cases.models import Case


def accept_deadline(case: Case, now: datetime) -> None:
    category = case.category
    working = workcalendar.is_working_clock(category.accept_unit)
    total = workcalendar.limit_seconds(float(category.accept_limit), category.accept_unit)
    case.accept_due_at = workcalendar.add(now, total, working)
    case.accept_warn_at = workcalendar.add(now, total * (1 - settings.HUIZHI_NEAR_DUE_FRACTION), working)


def start_handle_clock(case: Case, now: datetime, due_at: datetime | None = None) -> None:
    """Start the handling clock at `now` with the category's limit, or until `due_at` if given."""
    category = case.category
    working = workcalendar.is_working_clock(category.handle_unit)
    total = (
        workcalendar.between(now, due_at, working)
        if due_at is not None
        else workcalendar.limit_seconds(float(category.handle_limit), category.handle_unit)
    )
    set_handle_clock(case, now, total, total, working)
    if due_at is not None:
        # Keep the deadline as chosen: adding its working seconds back would snap it to the end of
        # the last office period before it (a deadline in a holiday would fall on its eve).
        case.handle_due_at = due_at
        case.handle_warn_at = min(case.handle_warn_at, due_at)


def set_handle_clock(case: Case, now: datetime, remaining: float, total: float, working: bool) -> None:
    case.handle_clock_working = working
    case.handle_limit_seconds = total
    case.handle_due_at = workcalendar.add(now, remaining, working)
    warn_left = total * settings.HUIZHI_NEAR_DUE_FRACTION
    case.handle_warn_at = workcalendar.add(now, max(0.0, remaining - warn_left), working)
    case.warned_for = case.overdue_for = None
