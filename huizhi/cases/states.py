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


class Action(models.TextChoices):
    """Every kind of line on a case's timeline (CaseEvent.action, the webhooks' `event`). The first
    thirteen are the transitions of huizhi.cases.transitions.TRANSITIONS; the rest record what is not a move between states."""

    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")
    MERGE = "merge", _("Merge as duplicate")
    DISPATCH = "dispatch", _("Dispatch")
    START = "start", _("Start handling")
    RETURN = "return", _("Return to the community")
    REPORT_RESULT = "report_result", _("Report the result")
    VERIFY = "verify", _("Verify and close")
    VERIFY_FAILED = "verify_failed", _("Send back for rework")
    ESCALATE = "escalate", _("Escalate to the street")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    REOPEN = "reopen", _("Reopen")
    REPORT = "report", _("Reported")
    RATE = "rate", _("Rated")
    SUPERVISE = "supervise", _("Supervision notice issued")
    SUPERVISION_REPLY = "supervision_reply", _("Supervision notice answered")
    NEAR_DUE = "near_due", _("Near due")
    OVERDUE = "overdue", _("Overdue")
    ROUTE = "route", _("Handling unit named")
    SET_PRIORITY = "set_priority", _("Priority changed")
    CALLBACK = "callback", _("Called back")


# The sources whose cases are called back after closing (回访): no resident filed them through
# the product, so no one rates them unless staff ring the residents concerned.
CALLBACK_SOURCES = (Source.PATROL, Source.HOTLINE, Source.MEETING)

# Timeline lines the clock writes by itself: they are not work on the case, so they leave its
# `last_event_at` (what "stalled" reads) where it was.
CLOCK_ACTIONS = frozenset({Action.NEAR_DUE, Action.OVERDUE})
