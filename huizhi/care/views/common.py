from datetime import date

from django.contrib import messages
from django.shortcuts import redirect

from huizhi.care.permissions import can_clear_alert
from huizhi.care.services import CareError


def refused(request, error: CareError, to: str, *args):
    """Show the refusal's reason on the page the action came from."""
    messages.error(request, " ".join(error.messages))
    return redirect(to, *args)


# Days a page can be asked for: wide enough for any record, narrow enough that a week or a day
# either side of it is still a date (9999-12-31 + 7 days overflows).
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def parse_day(value: str | None, default: date) -> date:
    """The ISO date in `value`, or `default` when it is missing, malformed or out of range."""
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        return default
    return day


def clearable(user, alerts) -> set[int]:
    """Of these alerts (with their enrolment's class and centre loaded), those the user may clear."""
    return {alert.pk for alert in alerts if can_clear_alert(user, alert)}
