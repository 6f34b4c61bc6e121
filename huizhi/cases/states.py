"""The vocabulary of the case loop (DESIGN §4). The transitions themselves are in transitions.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    MERGED = "merged", _("merged")
    DISPATCHED = "dispatched", _("dispatched")
    HANDLING = "handling", _("handling")
    HANDLED = "handled", _("handled")
    CLOSED = "closed", _("closed")
    SUSPENDED = "suspended", _("suspended")


OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING, Status.HANDLED, Status.SUSPENDED}
)
# While the handling clock runs (it starts at dispatch, GB/T 30428).
HANDLE_CLOCK_STATUSES = frozenset({Status.DISPATCHED, Status.HANDLING})


class Source(models.TextChoices):
    PATROL = "patrol", _("grid patrol")
    WALL = "wall", _("problem wall")
    HOTLINE = "hotline", _("hotline / API")
    VISIT = "visit", _("welfare visit")
    MEETING = "meeting", _("meeting decision")
    CARE = "care", _("care request")


class Level(models.TextChoices):
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")


class Outcome(models.TextChoices):
    """Honest end states: what actually happened, not just 'closed'."""

    FIXED = "fixed", _("fixed")
    NOT_OUR_RESPONSIBILITY = "not_ours", _("not our responsibility")
    INVALID = "invalid", _("not a valid report")
    DUPLICATE = "duplicate", _("duplicate")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


class ClockUnit(models.TextChoices):
    NATURAL_HOURS = "natural_hours", _("natural hours")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("component (部件)")
    EVENT = "event", _("event (事件)")


class ClockColour(models.TextChoices):
    NONE = "none", _("no clock")
    GREEN = "green", _("in time")
    YELLOW = "yellow", _("near due")
    RED = "red", _("overdue")
    PAUSED = "paused", _("paused")
