"""Statistics and assessment (DESIGN §9, §13): every figure the pages, exports and the API show.

Each metric is defined once, here, in `DEFINITIONS` (what is counted, over what, which cases),
and the same text is shown beside the figure on the page. Everything is derived from what the
case services store — no field exists only for statistics:

- a case's acceptance deadline `accept_due_at` (set at report, never moved);
- the acceptance decision: its first `accept`, `reject` or `merge` event;
- its handling deadline `handle_due_at`: set at dispatch; restarted by rework and by reopening;
  moved on by the time suspended when a suspended case resumes (so suspended time is never
  overdue time); one value per case, so a case reworked or reopened counts once, at its latest
  deadline;
- the handling unit's result: its latest `report_result` event; closing: `closed_at`, cleared
  when a case is reopened; the rating (`rating`, `rated_at`), cleared when it is closed again;
- call-backs (回访, `CallBack`): a reached one's satisfaction, counted as a rating at `called_at`.

Counts are aggregated by the database (filtered COUNTs, a handful of queries per page, however
many cases); only the two timestamps per case needed for the median and p90 times are read, as
working time is counted by the official calendar (huizhi.cases.workcalendar).

Because these figures are read from the cases as they stand, a past period's figures can still
change when one of its cases is reworked, reopened or rated later (daily roll-ups that freeze
them are future work, see the stats README).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Aggregate, Count, DecimalField, F, FloatField, Func, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.scopes import subtree_q
from huizhi.care.models import VolunteerHours
from huizhi.cases import workcalendar
from huizhi.cases.models import CallBack, Case, CaseEvent, Category, SupervisionNotice
from huizhi.cases.states import Rating, Source, Status
from huizhi.core.dbrouter import reading_reports
from huizhi.meetings.models import Decision, Meeting
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.stats import rollups
from huizhi.stats.models import (
    CASE_COUNT_COLUMNS,
    COUNT_COLUMNS,
    DAILY_CODE_LENGTH,
    SOURCE_COLUMNS,
    STATE_COLUMNS,
    CaseFact,
)
from huizhi.stats.periods import Period, period_of
from huizhi.stats.rollups import DECISION_ACTIONS, SOLVED
from huizhi.wall.models import Post

# DECISION_ACTIONS (受理, 不予受理, 合并: the acceptance clock stops at the first) and SOLVED (the
# ratings that say a hotline case was solved) are the roll-ups' too: defined once, in rollups.


# ---------------------------------------------------------------------------------------------
# Definitions: what each figure counts. Shown on the page beside the figure, and in the API.


@dataclass(frozen=True)
class Definition:
    key: str
    label: str
    numerator: str
    denominator: str
    notes: str = ""


_D = Definition
DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in [
        _D(
            "accept_in_time",
            _("Accepted within limit (受理及时率)"),
            _("cases decided (accepted, rejected or merged as a duplicate) by their deadline to accept"),
            _(
                "cases whose deadline to accept fell in the period and has passed, or that were "
                "decided before it (应受理数)"
            ),
            _("The deadline to accept is set at the report from the category's limit and never moves."),
        ),
        _D(
            "handled_in_time",
            _("Handled on time (按期处置率)"),
            _(
                "cases now handled or closed whose handling unit reported its (latest) result by "
                "the handling deadline"
            ),
            _("cases due to be closed (应结案数, see the closure rate)"),
        ),
        _D(
            "closure",
            _("Closure rate (结案率)"),
            _("cases due to be closed that are closed"),
            _(
                "cases due to be closed (应结案数): dispatched cases whose handling deadline fell in "
                "the period and has passed, or that are already closed"
            ),
            _(
                "A case counts once, at its latest deadline, however often it was reworked or "
                "reopened (e.g. after a 不满意 rating). A suspended case is left out until it "
                "resumes; its deadline then moves on by the time it was suspended, so suspended "
                "time is not overdue time."
            ),
        ),
        _D(
            "closed_in_time",
            _("Closed on time (按期结案率)"),
            _("cases due to be closed that were closed by their handling deadline"),
            _("cases due to be closed (应结案数, see the closure rate)"),
        ),
        _D(
            "rework",
            _("Rework rate (返工率)"),
            _("cases closed in the period that were sent back for rework at least once"),
            _("cases closed in the period"),
            _("A case sent back several times counts once."),
        ),
        _D(
            "satisfied",
            _("Satisfaction rate (满意率)"),
            _("ratings of 满意 (satisfied): by the reporter, or heard on a call-back (回访)"),
            _(
                "ratings in the period: cases rated by their reporter, and call-backs that reached "
                "someone (a patrol, hotline or meeting case has no resident to rate it otherwise)"
            ),
            _(
                "A case keeps only its reporter's latest rating: one reopened after 不满意 and rated "
                "again counts once, with its new rating. A case is called back until someone is "
                "reached, and only cases its reporter has not rated are called back; the breakdown "
                "shows how many ratings came from call-backs."
            ),
        ),
        _D(
            "satisfied_or_basic",
            _("Satisfied or basically satisfied (满意及基本满意率)"),
            _("ratings of 满意 or 基本满意, by the reporter or on a call-back"),
            _("ratings in the period (see the satisfaction rate)"),
        ),
        _D(
            "hotline_response",
            _("Hotline response rate (12345 响应率)"),
            _(
                "hotline cases (source 12345 / API) decided — accepted, rejected or merged — by "
                "their deadline to accept"
            ),
            _(
                "hotline cases whose deadline to accept fell in the period and has passed, or that "
                "were decided before it"
            ),
            _(
                "接诉即办 judges a hotline by 响应率, 解决率 and 满意率. No authoritative published "
                "formula was at hand; here the response is the acceptance decision (the first "
                "contact with the case) within the category's limit to accept. Other sources are "
                "left out of the three hotline rates."
            ),
        ),
        _D(
            "hotline_resolved",
            _("Hotline resolution rate (12345 解决率)"),
            _(
                "ratings of hotline cases saying the problem was solved: 满意 or 基本满意, by the "
                "reporter or on a call-back (回访)"
            ),
            _("ratings in the period of hotline cases (by the reporter or on a reached call-back)"),
            _(
                "Cases and call-backs store no separate “solved” flag, so a rating of 满意 or 基本满意 "
                "is taken as “solved” and 不满意 as “not solved”."
            ),
        ),
        _D(
            "hotline_satisfied",
            _("Hotline satisfaction rate (12345 满意率)"),
            _("ratings of 满意 of hotline cases, by the reporter or on a call-back (回访)"),
            _("ratings in the period of hotline cases (see the hotline resolution rate)"),
        ),
        _D(
            "supervision_on_time",
            _("Supervision notices answered on time (督办按期回复率)"),
            _("notices answered by their reply deadline"),
            _(
                "supervision notices issued in the period whose reply deadline has passed, or "
                "that are answered"
            ),
        ),
        _D(
            "wall_answered",
            _("Wall items answered (问题墙回应率)"),
            _("items answered directly or by a claimant, or made a case that is now closed"),
            _("problem-wall items published in the period"),
        ),
        _D(
            "wall_time_to_answer",
            _("Time to answer on the wall"),
            _(
                "median of the time from publishing to the answer (the direct or claimant's answer, "
                "else the closing of the case it became), in clock hours"
            ),
            _("problem-wall items published in the period and answered (see the answer rate)"),
        ),
        _D(
            "meetings_held",
            _("Meetings held"),
            _("meetings in the scope that began in the period and have ended"),
            "",
        ),
        _D(
            "decisions_on_time",
            _("Meeting decisions done on time (决议按期落实率)"),
            _("decisions marked done on or before their due date"),
            _(
                "meeting decisions in the scope whose due date fell in the period and has passed, "
                "or that are done"
            ),
            _("A decision still open after its due date counts against the rate until it is done."),
        ),
        _D(
            "volunteer_hours",
            _("Volunteer hours confirmed"),
            _(
                "hours served in the period by the scope's volunteers that staff have confirmed "
                "(hours logged but not yet confirmed are left out)"
            ),
            "",
        ),
        _D(
            "field_work",
            _("Field work"),
            _(
                "patrols started, their check-ins (those over 500 m from the place checked in at "
                "counted apart), problems fixed on the spot and household visits logged in the period"
            ),
            "",
            _("Problems found on patrol are the cases of the patrol source, counted with the cases."),
        ),
        _D(
            "watch_coverage",
            _("Watch coverage (守望覆盖率)"),
            _("watched elderly residents who have a watcher and whose next contact is not overdue"),
            _("elderly residents on the empty-nest watch"),
            _("Counted as the figures are computed, whatever the period: the watch is a standing duty."),
        ),
        _D(
            "session_attendance",
            _("Care session attendance"),
            _("enrolments checked in at the elderly care station's sessions"),
            _("enrolments in the sessions that began in the period"),
            _("Counted for a community or a street; a grid holds no sessions."),
        ),
        _D(
            "time_to_accept",
            _("Time to accept"),
            _(
                "median and 90th percentile of the time from report to the acceptance decision, "
                "in the category's clock (working hours when its limit is in working time)"
            ),
            _("cases reported in the period and decided"),
            _("The 90th percentile is the time within which nine cases in ten were decided."),
        ),
        _D(
            "time_to_fix",
            _("Time to fix"),
            _(
                "median and 90th percentile of the time from report to closing, in the case's "
                "handling clock (working hours when its limit is in working time), less the time "
                "suspended"
            ),
            _("cases closed in the period"),
            _("A reopened case is timed to its last closing."),
        ),
        _D(
            "reported",
            _("Cases reported"),
            _("cases reported in the period (by source, category and present state)"),
            "",
            _("Duplicates merged into another case are counted too: each was a report."),
        ),
    ]
}

# The rates shown as tiles, in order.
HEADLINE = (
    "accept_in_time",
    "handled_in_time",
    "closure",
    "closed_in_time",
    "rework",
    "satisfied",
    "satisfied_or_basic",
    "hotline_response",
    "hotline_resolved",
    "hotline_satisfied",
)


# ---------------------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class Rate:
    """A share with its numerator and denominator; no value (shown “—”) when nothing is counted."""

    numerator: int
    denominator: int

    @property
    def value(self) -> Decimal | None:
        if not self.denominator:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )

    @property
    def percent(self) -> Decimal | None:
        """As a percentage with two decimals (93.72), or None."""
        value = self.value
        return None if value is None else (value * 100).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        percent = self.percent
        return "—" if percent is None else f"{percent}%"


def change(current: Rate, previous: Rate) -> Decimal | None:
    """The change in percentage points from `previous` to `current`, or None if either has no value."""
    if current.percent is None or previous.percent is None:
        return None
    return current.percent - previous.percent


def rate(numerator: int, denominator: int) -> Rate:
    return Rate(numerator, denominator)


@dataclass(frozen=True)
class Scope:
    """What the figures are about: a place (street, community or grid) and everything in it,
    optionally narrowed to the cases of one handling unit."""

    place: Place
    unit: Organisation | None = None

    @property
    def code(self) -> str:
        return f"{self.place.code}:u{self.unit.pk}" if self.unit else self.place.code

    @property
    def label(self) -> str:
        return f"{self.place.name} · {self.unit.name}" if self.unit else self.place.name

    def cases_q(self, prefix: str = "") -> Q:
        q = subtree_q(self.place.code, f"{prefix}place_code")
        if self.unit is not None:
            q &= Q(**{f"{prefix}handling_unit": self.unit})
        return q


@dataclass
class CaseCounts:
    """The counts behind every case rate, for one scope (or one row of a breakdown) and period."""

    reported: int = 0
    accept_due: int = 0
    accepted_in_time: int = 0
    due: int = 0  # 应结案数
    handled_in_time: int = 0
    closed: int = 0  # 结案数
    closed_in_time: int = 0  # 按期结案数
    closed_in_period: int = 0
    reworked: int = 0
    # Ratings, whatever their source: the reporter's (the case's `rating`) and call-backs' (回访).
    rated: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    # Of those, the ratings heard on call-backs (the breakdown by source).
    rated_by_callback: int = 0
    satisfied_by_callback: int = 0
    basically_satisfied_by_callback: int = 0
    unsatisfied_by_callback: int = 0
    # The hotline's (12345) own rates: hotline-sourced cases only, ratings from either source.
    hotline_accept_due: int = 0
    hotline_responded: int = 0
    hotline_rated: int = 0
    hotline_resolved: int = 0
    hotline_satisfied: int = 0

    def rate(self, key: str) -> Rate:
        numerator, denominator = {
            "accept_in_time": (self.accepted_in_time, self.accept_due),
            "handled_in_time": (self.handled_in_time, self.due),
            "closure": (self.closed, self.due),
            "closed_in_time": (self.closed_in_time, self.due),
            "rework": (self.reworked, self.closed_in_period),
            "satisfied": (self.satisfied, self.rated),
            "satisfied_or_basic": (self.satisfied + self.basically_satisfied, self.rated),
            "hotline_response": (self.hotline_responded, self.hotline_accept_due),
            "hotline_resolved": (self.hotline_resolved, self.hotline_rated),
            "hotline_satisfied": (self.hotline_satisfied, self.hotline_rated),
        }[key]
        return Rate(numerator, denominator)

    @property
    def rates(self) -> dict[str, Rate]:
        return {key: self.rate(key) for key in HEADLINE}

    def add(self, counts) -> "CaseCounts":
        """Add another CaseCounts, or a mapping of its field names to counts (a roll-up's sums)."""
        values = vars(counts) if isinstance(counts, CaseCounts) else counts
        for name in CASE_COUNT_COLUMNS:
            setattr(self, name, getattr(self, name) + (values.get(name) or 0))
        return self

    def add_callbacks(self, counts: dict[str, int]) -> "CaseCounts":
        """Count call-backs' ratings (a row of `_callback_counts`) in with the reporters'."""
        for name in ("rated", "satisfied", "basically_satisfied", "unsatisfied"):
            n = counts.get(name, 0)
            setattr(self, name, getattr(self, name) + n)
            setattr(self, f"{name}_by_callback", getattr(self, f"{name}_by_callback") + n)
        for name in ("hotline_rated", "hotline_resolved", "hotline_satisfied"):
            setattr(self, name, getattr(self, name) + counts.get(name, 0))
        return self

    def ratings_by_source(self) -> list[tuple[str, object, int, int]]:
        """(source, label, rated, satisfied) for the reporters' ratings and the call-backs'."""
        return [
            (
                "reporter",
                _("rated by the reporter"),
                self.rated - self.rated_by_callback,
                self.satisfied - self.satisfied_by_callback,
            ),
            ("callback", _("call-backs (回访)"), self.rated_by_callback, self.satisfied_by_callback),
        ]

    def satisfaction_by_source(self) -> dict[str, Rate]:
        """满意率 of the reporters' ratings alone and of the call-backs' alone."""
        return {key: Rate(satisfied, rated) for key, _label, rated, satisfied in self.ratings_by_source()}


@dataclass(frozen=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Figures:
    scope: Scope
    period: Period
    cases: CaseCounts
    by_source: list[tuple[str, str, int]]  # (source, label, reported)
    by_state: list[tuple[str, str, int]]  # (status, label, reported in the period and now in it)
    time_to_accept: Durations
    time_to_fix: Durations
    supervision_issued: int
    supervision_answered: int
    supervision_on_time: Rate
    wall_posted: int | None  # None: a handling unit's figures have no wall items
    wall_answered: Rate | None
    wall_time_to_answer: Durations | None = None  # None: a handling unit's figures
    # Meetings and volunteers (None for a handling unit's figures): see community_work.
    meetings_held: int | None = None
    decisions_on_time: Rate | None = None
    volunteer_hours: Decimal | None = None


# ---------------------------------------------------------------------------------------------
# The cohorts, as conditions on a case row (annotated with `decided_at` and `handled_at`).


def _with_event_times(cases):
    events = CaseEvent.objects.filter(case=OuterRef("pk"))
    return cases.annotate(
        decided_at=Subquery(
            events.filter(action__in=DECISION_ACTIONS).order_by("created_at", "id").values("created_at")[:1]
        ),
        handled_at=Subquery(
            events.filter(action="report_result").order_by("-created_at", "-id").values("created_at")[:1]
        ),
    )


def _in(field_name: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _cohorts(start: datetime, end: datetime, now: datetime) -> dict[str, Q]:
    """Each count of CaseCounts as a condition on a case; see DEFINITIONS for the words."""
    accept_due = _in("accept_due_at", start, end) & (Q(accept_due_at__lte=now) | Q(decided_at__isnull=False))
    due = (
        _in("handle_due_at", start, end)
        & ~Q(status=Status.SUSPENDED)
        & (Q(handle_due_at__lte=now) | Q(status=Status.CLOSED))
    )
    closed = due & Q(status=Status.CLOSED)
    closed_in_period = Q(status=Status.CLOSED) & _in("closed_at", start, end)
    rated = _in("rated_at", start, end) & ~Q(rating="")
    accepted_in_time = accept_due & Q(decided_at__lte=F("accept_due_at"))
    hotline = Q(source=Source.HOTLINE)
    return {
        "reported": _in("created_at", start, end),
        "accept_due": accept_due,
        "accepted_in_time": accepted_in_time,
        "due": due,
        "handled_in_time": due
        & Q(status__in=(Status.HANDLED, Status.CLOSED), handled_at__lte=F("handle_due_at")),
        "closed": closed,
        "closed_in_time": closed & Q(closed_at__lte=F("handle_due_at")),
        "closed_in_period": closed_in_period,
        "reworked": closed_in_period & Q(rework_count__gt=0),
        "rated": rated,
        "satisfied": rated & Q(rating=Rating.SATISFIED),
        "basically_satisfied": rated & Q(rating=Rating.BASICALLY_SATISFIED),
        "unsatisfied": rated & Q(rating=Rating.UNSATISFIED),
        "hotline_accept_due": hotline & accept_due,
        "hotline_responded": hotline & accepted_in_time,
        "hotline_rated": hotline & rated,
        "hotline_resolved": hotline & rated & Q(rating__in=SOLVED),
        "hotline_satisfied": hotline & rated & Q(rating=Rating.SATISFIED),
    }


def _touching(start: datetime, end: datetime) -> Q:
    """Cases that can count in any cohort of the period: one indexed range each, OR-ed."""
    return (
        _in("created_at", start, end)
        | _in("accept_due_at", start, end)
        | _in("handle_due_at", start, end)
        | _in("closed_at", start, end)
        | _in("rated_at", start, end)
    )


def _count_expressions(start: datetime, end: datetime, now: datetime) -> dict:
    return {name: Count("pk", filter=q) for name, q in _cohorts(start, end, now).items()}


def _cases(scope: Scope, period: Period, where: Q | None = None):
    cases = Case.objects.filter(scope.cases_q()).filter(_touching(period.start, period.end))
    return _with_event_times(cases.filter(where) if where is not None else cases)


def _callback_counts(
    scope: Scope, period: Period, group_by: tuple[str, ...] = (), case_where: Q | None = None
) -> dict[tuple, dict]:
    """Ratings heard on call-backs in the period (reached ones: each has a satisfaction), on the
    scope's cases (those matching `case_where`, a condition on Case), per value of `group_by`
    (fields of Case), in one query."""
    callbacks = CallBack.objects.filter(
        scope.cases_q("case__"), _in("called_at", period.start, period.end), reached=True
    )
    if case_where is not None:
        callbacks = callbacks.filter(case__in=Case.objects.filter(case_where))
    hotline = Q(case__source=Source.HOTLINE)
    counts = {
        "rated": Count("pk"),
        "satisfied": Count("pk", filter=Q(satisfaction=Rating.SATISFIED)),
        "basically_satisfied": Count("pk", filter=Q(satisfaction=Rating.BASICALLY_SATISFIED)),
        "unsatisfied": Count("pk", filter=Q(satisfaction=Rating.UNSATISFIED)),
        "hotline_rated": Count("pk", filter=hotline),
        "hotline_resolved": Count("pk", filter=hotline & Q(satisfaction__in=SOLVED)),
        "hotline_satisfied": Count("pk", filter=hotline & Q(satisfaction=Rating.SATISFIED)),
    }
    if not group_by:
        return {(): callbacks.aggregate(**counts)}
    fields = [f"case__{name}" for name in group_by]
    rows = callbacks.values(*fields).annotate(**counts).order_by()
    return {tuple(row.pop(name) for name in fields): row for row in rows}


# ---------------------------------------------------------------------------------------------
# Where the case counts are read from: the daily roll-ups (huizhi.stats.rollups) for whole days
# before today once they are built, the cases for today and later (deadlines still running) and
# for everything while they are not. Both give the same answers (stats/tests/test_rollups.py).


@dataclass(frozen=True)
class Freshness:
    rebuilt_at: datetime  # when `stats_rollup --rebuild` last ran
    kept_at: datetime | None  # the newest case event the roll-ups hold (a replica's lag shows here)


def freshness() -> Freshness | None:
    """How current the roll-ups the figures read are, or None when they are not built."""
    state = rollups.state()
    return None if state is None else Freshness(state.rebuilt_at, rollups.kept_as_of())


def _summed(scope: Scope, first: date, last: date, now: datetime, group_by: tuple[str, ...] = (), **kwargs):
    """The sums of the days [first, last] as the roll-ups give them — the stored daily sums for
    days before today, the facts counted at `now` from today on — or None when the roll-ups are
    not built (or the scope is finer than a grid): then the caller counts the cases."""
    if len(scope.place.code) > DAILY_CODE_LENGTH or rollups.state() is None:
        return None
    code, unit_id = scope.place.code, scope.unit.pk if scope.unit else None
    rolled, live_from = rollups.split(first, last, timezone.localdate(now))
    result: dict[tuple, Counter] = defaultdict(Counter)
    if rolled is not None:
        for key, counts in rollups.sums(code, unit_id, *rolled, group_by, now=now, **kwargs).items():
            result[key].update(counts)
    if live_from is not None:
        kwargs.pop("whole_months", None)
        for key, counts in rollups.live_sums(
            code, unit_id, live_from, last, group_by, now=now, **kwargs
        ).items():
            result[key].update(counts)
    return result


def case_counts(scope: Scope, period: Period, *, now: datetime | None = None) -> CaseCounts:
    """Every case count of the scope and period: one query of the roll-ups (and today's facts), or
    while they are not built one of the cases and one of the call-backs."""
    now = now or timezone.now()
    summed = _summed(scope, period.first, period.last, now, columns=COUNT_COLUMNS)  # see _reported_by
    if summed is not None:
        return CaseCounts().add(summed.get((), {}))
    row = _cases(scope, period).aggregate(**_count_expressions(period.start, period.end, now))
    return CaseCounts(**row).add_callbacks(_callback_counts(scope, period).get((), {}))


# The cases of the grid workers' ranking: those found on patrol, by whoever filed them.
PATROL_CASES = Q(source=Source.PATROL, reporter__isnull=False)


def _category_classes(ids) -> dict[int, tuple]:
    rows = Category.objects.filter(pk__in=ids).values_list("pk", "parent_id", "parent__code", "parent__name")
    return {pk: (parent, code, name) for pk, parent, code, name in rows}


def _unit_names(ids) -> dict[int, tuple]:
    return {pk: (pk, name) for pk, name in Organisation.objects.filter(pk__in=ids).values_list("pk", "name")}


def _reporters(ids) -> dict[int, tuple]:
    rows = get_user_model().objects.filter(pk__in=ids).values_list("pk", "full_name", "username")
    return {pk: (pk, full_name, username) for pk, full_name, username in rows}


def _place_codes(ids) -> dict[int, tuple]:
    return {pk: (code,) for pk, code in Place.objects.filter(pk__in=ids).values_list("pk", "code")}


# The groupings the roll-ups answer: Case fields grouped by → (the roll-up's dimension, its labels).
ROLLED_GROUPS = {
    ("category__parent_id", "category__parent__code", "category__parent__name"): (
        "category_id",
        _category_classes,
    ),
    ("handling_unit_id", "handling_unit__name"): ("unit_id", _unit_names),
    ("reporter_id", "reporter__full_name", "reporter__username"): ("reporter_id", _reporters),
    ("community__code",): ("community_id", _place_codes),
    ("grid__code",): ("grid_id", _place_codes),
}


def _rolled_groups(sums: dict[tuple, Counter], group_by: tuple[str, ...]) -> list[tuple[tuple, CaseCounts]]:
    """The roll-ups' sums per dimension value as CaseCounts per value of `group_by` (the Case
    fields, labelled as the cases give them)."""
    _dimension, labels = ROLLED_GROUPS[group_by]
    named = labels([key[0] for key in sums if key[0]])
    nothing = (None,) * len(group_by)
    grouped: dict[tuple, CaseCounts] = defaultdict(CaseCounts)
    for (value,), counts in sums.items():
        grouped[named.get(value, nothing)].add(counts)
    return list(grouped.items())


def grouped_counts(
    scope: Scope,
    period: Period,
    group_by: tuple[str, ...],
    *,
    now: datetime | None = None,
    where: Q | None = None,
) -> list[tuple[tuple, CaseCounts]]:
    """CaseCounts per value of `group_by` (fields of Case, e.g. ("community__code",)), of the cases
    matching `where` if given (the roll-ups answer no condition but PATROL_CASES); groups with no
    case in any cohort do not appear."""
    now = now or timezone.now()
    if group_by in ROLLED_GROUPS and where in (None, PATROL_CASES):
        dimension = ROLLED_GROUPS[group_by][0]
        summed = _summed(
            scope,
            period.first,
            period.last,
            now,
            (dimension,),
            columns=CASE_COUNT_COLUMNS,
            patrol_only=where is not None,
        )
        if summed is not None:
            return _rolled_groups(summed, group_by)
    return _raw_grouped_counts(scope, period, group_by, now, where)


def _raw_grouped_counts(scope: Scope, period, group_by, now: datetime, where: Q | None):
    rows = (
        _cases(scope, period, where)
        .values(*group_by)
        .annotate(**_count_expressions(period.start, period.end, now))
        .order_by(*group_by)
    )
    callbacks = _callback_counts(scope, period, group_by, where)
    result = []
    for row in rows:
        key = tuple(row.pop(name) for name in group_by)
        counts = CaseCounts(**row).add_callbacks(callbacks.pop(key, {}))
        result.append((key, counts))
    # Groups whose only figures are call-backs (their cases closed before the period).
    result.extend((key, CaseCounts().add_callbacks(row)) for key, row in callbacks.items())
    return result


# ---------------------------------------------------------------------------------------------
# Durations (working time by the official calendar)


def _nearest_rank(share: float, n: int) -> int:
    """The 1-based rank of the nearest-rank percentile `share` of n values: ceil(share × n), in integers."""
    return max(1, -(-int(share * 1000) * n // 1000))


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value such that `share` of the values are no larger."""
    if not values:
        return None
    return sorted(values)[_nearest_rank(share, len(values)) - 1]


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _durations(seconds: list[float]) -> Durations:
    hours = [s / 3600 for s in seconds]
    return Durations(len(hours), median(hours), percentile(hours, 0.9))


def _kth_of_both(a, b, k: int) -> float:
    """The k-th smallest (1-based) of two sorted sequences taken together, without merging them:
    a binary search for how many come from `b` (today's few beside the kept thousands)."""
    low, high = max(0, k - len(a)), min(k, len(b))
    while low < high:  # the first j (taken from b) for which b[j] is not below a's (k-j)-th
        j = (low + high) // 2
        if b[j] < a[k - j - 1]:
            low = j + 1
        else:
            high = j
    taken = low
    return max(([b[taken - 1]] if taken else []) + ([a[k - taken - 1]] if k - taken else []))


def durations_of_both(a, b) -> Durations:
    """Count, median and p90 (in hours) of the seconds in two sorted sequences taken together: the
    same figures `_durations` gives of their concatenation."""
    n = len(a) + len(b)
    if not n:
        return Durations(0, None, None)
    hours = lambda k: _kth_of_both(a, b, k) / 3600  # noqa: E731
    middle = hours(n // 2 + 1) if n % 2 else (hours(n // 2) + hours(n // 2 + 1)) / 2
    return Durations(n, middle, hours(_nearest_rank(0.9, n)))


class _Percentile(Aggregate):
    """PostgreSQL's ordered-set percentiles: percentile_cont (interpolated, so the median of an even
    count is the mean of the middle two, as `median`) and percentile_disc (the nearest rank, as
    `percentile`)."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, *, fraction: float, discrete: bool, **extra):
        self.function = "percentile_disc" if discrete else "percentile_cont"
        super().__init__(expression, fraction=fraction, **extra)


def _fact_durations(
    scope: Scope, period: Period, time_field: str, seconds_field: str, now: datetime
) -> Durations:
    """Median and p90 of the stored working seconds of the facts whose `time_field` falls in the
    period: exact, the same numbers as timing the cases one by one (the facts store what
    `seconds_to_accept` / `seconds_to_fix` give). A period running today takes its days before today
    kept (`rollups.past_seconds`, minutes old at most, like its sums) and today's from the facts its
    sums read (`rollups.live_seconds`)."""
    code, unit_id = scope.place.code, scope.unit and scope.unit.pk
    past, live_from = rollups.split(period.first, period.last, timezone.localdate(now))
    if past is not None and live_from is not None and rollups.keeps_past_days():
        kept = rollups.past_seconds(code, unit_id, time_field, seconds_field, *past, now=now)
        today = rollups.live_seconds(
            code, unit_id, time_field, seconds_field, live_from, period.last, now=now
        )
        return durations_of_both(kept, today)
    facts = CaseFact.objects.filter(
        subtree_q(code, "area_code"),
        _in(time_field, period.start, period.end),
        **{f"{seconds_field}__isnull": False},
    )
    if unit_id is not None:
        facts = facts.filter(unit_id=unit_id)
    if connections[facts.db].vendor != "postgresql":  # SQLite has no percentiles: read the seconds
        return _durations(list(facts.values_list(seconds_field, flat=True)))
    row = facts.aggregate(
        n=Count(seconds_field),  # not the pk: every column read is in the index, so it alone answers
        middle=_Percentile(seconds_field, fraction=0.5, discrete=False),
        p90=_Percentile(seconds_field, fraction=0.9, discrete=True),
    )
    return Durations(row["n"], *(None if row[k] is None else row[k] / 3600 for k in ("middle", "p90")))


def time_to_accept(scope: Scope, period: Period, now: datetime) -> Durations:
    if rollups.state() is not None and len(scope.place.code) <= DAILY_CODE_LENGTH:
        return _fact_durations(scope, period, "created_at", "accept_seconds", now)
    rows = (
        _with_event_times(Case.objects.filter(scope.cases_q(), _in("created_at", period.start, period.end)))
        .filter(decided_at__isnull=False)
        .values_list("created_at", "decided_at", "category__accept_unit")
    )
    return _durations(
        [
            rollups.seconds_to_accept(created, decided, workcalendar.is_working_clock(unit))
            for created, decided, unit in rows
        ]
    )


def time_to_fix(scope: Scope, period: Period, now: datetime) -> Durations:
    if rollups.state() is not None and len(scope.place.code) <= DAILY_CODE_LENGTH:
        # A fact has a time to fix only while its case is closed: no status to read, the index answers.
        return _fact_durations(scope, period, "closed_at", "fix_seconds", now)
    closed = Case.objects.filter(
        scope.cases_q(), Q(status=Status.CLOSED) & _in("closed_at", period.start, period.end)
    )
    rows = list(closed.values_list("pk", "created_at", "closed_at", "handle_clock_working"))
    # Suspensions of those cases: a suspend event and the resume that follows it.
    pauses: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for case_id, action, at in (
        CaseEvent.objects.filter(case__in=closed, action__in=("suspend", "resume"))
        .order_by("case_id", "created_at", "id")
        .values_list("case_id", "action", "created_at")
    ):
        pauses[case_id].append((action, at))
    return _durations(
        [
            rollups.seconds_to_fix(created, closed_at, working, pauses.get(case_id, ()))
            for case_id, created, closed_at, working in rows
        ]
    )


# ---------------------------------------------------------------------------------------------
# Supervision and the problem wall


def _count_of(queryset) -> Subquery:
    """A scalar subquery: how many rows `queryset` has."""
    return Subquery(queryset.order_by().values(n=Func(F("pk"), function="COUNT"))[:1])


def _on_place_row(scope: Scope, subqueries: dict[str, Subquery]) -> dict:
    """Several scalar subqueries (counts of different tables) answered in one query, selected
    beside the scope's place row."""
    return Place.objects.filter(pk=scope.place.pk).values(**subqueries).get()


def _supervision_row(scope: Scope, period: Period, now: datetime) -> dict:
    """The counts behind supervision_counts, in one pass over the period's notices, read by the
    notices' own (place code, issued) index: a notice keeps its case's place code."""
    notices = SupervisionNotice.objects.filter(
        subtree_q(scope.place.code, "place_code"), _in("issued_at", period.start, period.end)
    )
    if scope.unit is not None:  # the unit's notices on the cases it handles now
        notices = notices.filter(unit=scope.unit, case__handling_unit=scope.unit)
    answered = Q(replied_at__isnull=False)
    return notices.aggregate(
        sv_issued=Count("pk"),
        sv_answered=Count("pk", filter=answered),
        sv_due=Count("pk", filter=Q(reply_due_at__lte=now) | answered),
        sv_on_time=Count("pk", filter=answered & Q(replied_at__lte=F("reply_due_at"))),
    )


def _supervision_of(row: dict) -> tuple[int, int, Rate]:
    return row["sv_issued"], row["sv_answered"], Rate(row["sv_on_time"], row["sv_due"])


def supervision_counts(scope: Scope, period: Period, *, now: datetime | None = None) -> tuple[int, int, Rate]:
    """(issued, answered, answered on time) for notices issued in the period on the scope's cases."""
    now = now or timezone.now()
    return _supervision_of(_supervision_row(scope, period, now))


def wall_counts(scope: Scope, period: Period) -> tuple[int | None, Rate | None]:
    """(published, answered share) of problem-wall items; none for a handling unit's figures."""
    return wall_figures(scope, period)[:2]


class _SecondsBetween(Func):
    """PostgreSQL: the seconds from the second expression to the first, never below zero."""

    template = "GREATEST(0, EXTRACT(EPOCH FROM (%(expressions)s)))::double precision"
    arg_joiner = " - "
    output_field = FloatField()


def wall_figures(scope: Scope, period: Period) -> tuple[int | None, Rate | None, Durations | None]:
    """(published, answered share, time to answer) of problem-wall items, in one query on the
    posts' own index (place code, published, and the two times it holds); none for a handling
    unit's figures. An item is answered when it was answered directly (`answered_at`) or, failing
    that, its case has closed: the post keeps that moment as `echoed_at` (set by the wall's rule
    with every change of the post or its case; without a direct answer it is the case's close).
    On PostgreSQL the database counts and takes the median and p90 (a street-year's items are
    thousands: reading their times costs more than the query); elsewhere they are read and sorted."""
    if scope.unit is not None:
        return None, None, None
    posts = Post.objects.filter(
        subtree_q(scope.place.code, "place_code"), _in("published_at", period.start, period.end)
    ).order_by()
    answer_at = Coalesce("answered_at", "echoed_at")
    if connections[posts.db].vendor == "postgresql":
        answered = Q(answered_at__isnull=False) | Q(echoed_at__isnull=False)
        wait = _SecondsBetween(answer_at, F("published_at"))
        row = posts.aggregate(
            posted=Count("published_at"),  # not the pk: the index alone answers
            answered=Count("published_at", filter=answered),
            middle=_Percentile(wait, fraction=0.5, discrete=False, filter=answered),
            p90=_Percentile(wait, fraction=0.9, discrete=True, filter=answered),
        )
        hours = [None if row[k] is None else row[k] / 3600 for k in ("middle", "p90")]
        return row["posted"], Rate(row["answered"], row["posted"]), Durations(row["answered"], *hours)
    rows = list(posts.annotate(answer_at=answer_at).values_list("published_at", "answer_at"))
    seconds = [max(0.0, (answer - published).total_seconds()) for published, answer in rows if answer]
    return len(rows), Rate(len(seconds), len(rows)), _durations(seconds)


def _community_work_subqueries(scope: Scope, period: Period, now: datetime) -> dict[str, Subquery]:
    """The counts behind community_work, each a scalar subquery (see _side_figures)."""
    today = timezone.localdate(now)
    meetings = Meeting.objects.filter(
        subtree_q(scope.place.code, "place_code"),
        _in("starts_at", period.start, period.end),
        ends_at__lte=now,
    )
    decisions = Decision.objects.filter(
        subtree_q(scope.place.code, "place_code"),
        due_date__gte=period.first,
        due_date__lte=period.last,
    ).filter(Q(due_date__lt=today) | Q(status=Decision.Status.DONE))
    on_time = decisions.annotate(done_on=TruncDate("done_at")).filter(
        status=Decision.Status.DONE, done_on__lte=F("due_date")
    )
    hours = VolunteerHours.objects.filter(
        subtree_q(scope.place.code, "volunteer__place_code"),
        served_on__gte=period.first,
        served_on__lte=period.last,
        confirmed_at__isnull=False,
    )
    return {
        "held": _count_of(meetings),
        "decisions_due": _count_of(decisions),
        "decisions_on_time": _count_of(on_time),
        "hours": Subquery(
            hours.order_by().values(n=Func(F("hours"), function="SUM", output_field=DecimalField()))[:1]
        ),
    }


def _community_work_of(row: dict) -> tuple[int, Rate, Decimal]:
    return (
        row["held"],
        Rate(row["decisions_on_time"], row["decisions_due"]),
        Decimal(str(row["hours"] or 0)).quantize(Decimal("0.1")),
    )


def community_work(scope: Scope, period: Period, *, now: datetime | None = None):
    """(meetings held, decisions done on time, volunteer hours confirmed) in the scope and period,
    in one query; none for a handling unit's figures."""
    if scope.unit is not None:
        return None, None, None
    now = now or timezone.now()
    return _community_work_of(_on_place_row(scope, _community_work_subqueries(scope, period, now)))


def _side_figures(scope: Scope, period: Period, now: datetime):
    """supervision_counts and community_work together, in two queries."""
    supervision = _supervision_of(_supervision_row(scope, period, now))
    if scope.unit is not None:
        return supervision, (None, None, None)
    return supervision, _community_work_of(
        _on_place_row(scope, _community_work_subqueries(scope, period, now))
    )


# ---------------------------------------------------------------------------------------------
# Everything for one scope and period


def _reported_by(scope: Scope, period: Period, now: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """Cases reported in the period by source and by present state, in one query."""
    by_source: dict[str, int] = defaultdict(int)
    by_state: dict[str, int] = defaultdict(int)
    # Every column, as case_counts reads them: inside one_state() the two share one read.
    summed = _summed(scope, period.first, period.last, now, columns=COUNT_COLUMNS)
    if summed is not None:
        sums = summed.get((), {})
        for source, column in SOURCE_COLUMNS.items():
            by_source[source] += sums.get(column, 0)
        for status, column in STATE_COLUMNS.items():
            by_state[status] += sums.get(column, 0)
        return by_source, by_state
    rows = (
        Case.objects.filter(scope.cases_q(), _in("created_at", period.start, period.end))
        .values_list("source", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for source, status, n in rows:
        by_source[source] += n
        by_state[status] += n
    return by_source, by_state


@reading_reports()  # from the replica when there is one: statistics tolerate its lag
@rollups.one_state()
def figures(scope: Scope, period: Period, *, now: datetime | None = None) -> Figures:
    """Every headline figure of a scope and period (about nine queries, whatever the number of cases)."""
    now = now or timezone.now()
    by_source, by_state = _reported_by(scope, period, now)
    (issued, answered, on_time), (held, decisions_on_time, volunteer_hours) = _side_figures(
        scope, period, now
    )
    posted, wall_answered, wall_time = wall_figures(scope, period)
    return Figures(
        scope=scope,
        period=period,
        cases=case_counts(scope, period, now=now),
        # Labels as text in the request's language: a kept board holds them (tables._spoken).
        by_source=[(s.value, str(s.label), by_source.get(s.value, 0)) for s in Source],
        by_state=[(s.value, str(s.label), by_state.get(s.value, 0)) for s in Status],
        time_to_accept=time_to_accept(scope, period, now),
        time_to_fix=time_to_fix(scope, period, now),
        supervision_issued=issued,
        supervision_answered=answered,
        supervision_on_time=on_time,
        wall_posted=posted,
        wall_answered=wall_answered,
        wall_time_to_answer=wall_time,
        meetings_held=held,
        decisions_on_time=decisions_on_time,
        volunteer_hours=volunteer_hours,
    )


# ---------------------------------------------------------------------------------------------
# Breakdowns and rankings


@dataclass
class Row:
    """One line of a breakdown or ranking: who or what, and its counts."""

    key: str
    label: str
    counts: CaseCounts = field(default_factory=CaseCounts)


def by_category(scope: Scope, period: Period, *, now: datetime | None = None) -> list[Row]:
    """Per category class (大类): reports and the rates, classes with nothing counted left out."""
    grouped = grouped_counts(
        scope, period, ("category__parent_id", "category__parent__code", "category__parent__name"), now=now
    )
    rows = [Row(code, f"{code} {name}", counts) for (pk, code, name), counts in grouped if pk is not None]
    return sorted(rows, key=lambda row: (-row.counts.reported, row.key))


RANKINGS = {
    "community": _("Communities"),
    "grid": _("Grids"),
    "unit": _("Handling units"),
    "gridworker": _("Grid workers"),
}


def ranking(scope: Scope, period: Period, of: str, *, now: datetime | None = None) -> list[Row]:
    """Communities, grids or handling units of the scope, best 按期结案率 first; the denominators
    come with every row, and rows with nothing due to close come last (a rate of 2 cases does not
    outrank one of 200 by accident: ties go to the larger denominator)."""
    if of == "unit":
        grouped = grouped_counts(scope, period, ("handling_unit_id", "handling_unit__name"), now=now)
        rows = [Row(str(key[0]), key[1], counts) for key, counts in grouped if key[0] is not None]
    elif of == "gridworker":  # the cases each found on patrol and reported (not those others filed)
        grouped = grouped_counts(
            scope,
            period,
            ("reporter_id", "reporter__full_name", "reporter__username"),
            now=now,
            where=PATROL_CASES,
        )
        rows = [Row(str(key[0]), key[1] or key[2], counts) for key, counts in grouped]
    else:
        grouped = dict(grouped_counts(scope, period, (f"{of}__code",), now=now))
        kind = PlaceKind.COMMUNITY if of == "community" else PlaceKind.GRID
        places = (
            Place.objects.filter(subtree_q(scope.place.code), kind=kind).order_by("code").only("code", "name")
        )
        if of == "grid":  # 78 grids: rank those with cases in the period, not a wall of dashes
            places = places.filter(code__in=[key[0] for key in grouped])
        rows = [Row(p.code, p.name, grouped.get((p.code,), CaseCounts())) for p in places]

    def order(row: Row):
        value = row.counts.rate("closed_in_time").value
        return (value is None, -(value or 0), -row.counts.due, -row.counts.reported, row.label)

    return sorted(rows, key=order)


# ---------------------------------------------------------------------------------------------
# Trend: the same figures over the periods leading up to this one

# How many steps of each kind the trend shows, ending with the period asked for.
TREND_STEPS = {"day": 14, "week": 12, "month": 12, "quarter": 8, "year": 5}


@dataclass
class TrendPoint:
    label: str
    reported: int
    closure: Rate
    closed_in_time: Rate


def _trend_step_kind(period: Period) -> str:
    """The step of the trend: the period's own kind; a custom range by day up to 62 days, else by month."""
    if period.kind == "custom":
        return "day" if period.days <= 62 else "month"
    return period.kind


def _trend_periods(period: Period) -> list[Period]:
    """The trend's steps, oldest first. A custom range's steps are clipped to the range."""
    if period.kind == "custom":
        periods, day = [], period.first
        while day <= period.last:
            step = period_of(_trend_step_kind(period), day)
            periods.append(Period(step.kind, max(step.first, period.first), min(step.last, period.last)))
            day = step.last + timedelta(days=1)
        return periods
    periods = [period]
    while len(periods) < TREND_STEPS[period.kind]:
        periods.insert(0, periods[0].previous())
    return periods


def trend(scope: Scope, period: Period, *, now: datetime | None = None) -> list[TrendPoint]:
    """Reports, 结案率 and 按期结案率 for each step (day, week, month…) of the trend: one query of
    the roll-ups for the days before today, two of the cases for today on (or for all of it while
    the roll-ups are not built)."""
    now = now or timezone.now()
    steps = _trend_periods(period)
    kind = _trend_step_kind(period)
    whole = Period("custom", steps[0].first, steps[-1].last)
    reported: dict[date, int] = defaultdict(int)
    due: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    summed = _summed(
        scope,
        whole.first,
        whole.last,
        now,
        ("date",),
        columns=("reported", "due", "closed", "closed_in_time"),
        whole_months=kind in ("month", "quarter", "year"),  # a month's sum is no day's or week's
    )
    if summed is not None:
        for (day,), counts in summed.items():
            bucket = period_of(kind, day).first
            reported[bucket] += counts["reported"]
            for i, name in enumerate(("due", "closed", "closed_in_time")):
                due[bucket][i] += counts[name]
    else:
        _raw_trend(scope, whole, kind, now, reported, due)
    points = []
    for step in steps:
        bucket = period_of(kind, step.first).first  # what Trunc gives: the start of the day, week…
        n_due, n_closed, n_on_time = due.get(bucket, (0, 0, 0))
        points.append(
            TrendPoint(step.label, reported.get(bucket, 0), Rate(n_closed, n_due), Rate(n_on_time, n_due))
        )
    return points


def _raw_trend(scope: Scope, span, kind: str, now: datetime, reported: dict, due: dict) -> None:
    """Add the cases' counts of [span.start, span.end) to the trend's buckets, in two queries."""
    start, end = span.start, span.end
    cases = Case.objects.filter(scope.cases_q())
    for row in (
        cases.filter(_in("created_at", start, end))
        .annotate(step=Trunc("created_at", kind))
        .values("step")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        reported[timezone.localtime(row["step"]).date()] += row["n"]
    cohorts = _cohorts(start, end, now)
    for row in (
        cases.filter(cohorts["due"])
        .annotate(step=Trunc("handle_due_at", kind))
        .values("step")
        .annotate(
            due=Count("pk"),
            closed=Count("pk", filter=cohorts["closed"]),
            on_time=Count("pk", filter=cohorts["closed_in_time"]),
        )
        .order_by()
    ):
        bucket = due[timezone.localtime(row["step"]).date()]
        bucket[0] += row["due"]
        bucket[1] += row["closed"]
        bucket[2] += row["on_time"]
