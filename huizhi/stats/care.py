"""Care over a scope and period (DESIGN §7, §9): the empty-nest watch (coverage and overdue
contacts as the figures are computed, contacts logged in the period and what they found) and the
elderly care station (sessions held, who enrolled and who came, home-service requests). Each table
carries its place's code, so every count is an indexed code range, whatever the number of cases."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from huizhi.care.kinds import ContactOutcome
from huizhi.care.models import (
    CareSession,
    HomeServiceRequest,
    SessionEnrolment,
    WatchContact,
    WatchedResident,
)
from huizhi.care.selectors import Coverage, coverage_of
from huizhi.places.codes import subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.stats.metrics import Rate, Scope, rate
from huizhi.stats.periods import Period

# Stations serve a community: their sessions count for a community or anything above it, never
# for one of its grids (a session is not held "in" a grid).
_STATION_SCOPES = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)


@dataclass(frozen=True)
class Sessions:
    held: int  # sessions that began in the period, before the figures were computed
    enrolled: int  # enrolments in those sessions
    attended: int  # of which checked in
    home_requests: int  # home-service requests filed in the period

    @property
    def attendance(self) -> Rate:
        return rate(self.attended, self.enrolled)


@dataclass(frozen=True)
class CareFigures:
    coverage: Coverage  # as at `now`, whatever the period: the watch is a standing duty
    contacts: int  # contacts logged in the period
    needs_help: int
    not_reached: int
    sessions: Sessions | None  # None below a community

    @property
    def coverage_rate(self) -> Rate:
        return rate(self.coverage.covered, self.coverage.watched)


def care_figures(scope: Scope, period: Period, *, now: datetime) -> CareFigures | None:
    """None for a handling unit's scope (care belongs to places, not units). Five queries."""
    if scope.unit is not None:
        return None
    code = scope.place.code
    coverage = coverage_of(WatchedResident.objects.filter(subtree_q(code, "place_code")), now)
    contacts = WatchContact.objects.filter(
        subtree_q(code, "watched__place_code"), contacted_at__gte=period.start, contacted_at__lt=period.end
    ).aggregate(
        n=Count("pk"),
        needs_help=Count("pk", filter=Q(outcome=ContactOutcome.NEEDS_HELP)),
        not_reached=Count("pk", filter=Q(outcome=ContactOutcome.NOT_REACHED)),
    )
    return CareFigures(
        coverage=coverage,
        contacts=contacts["n"],
        needs_help=contacts["needs_help"],
        not_reached=contacts["not_reached"],
        sessions=_sessions(code, period, now) if scope.place.kind in _STATION_SCOPES else None,
    )


def _sessions(code: str, period: Period, now: datetime) -> Sessions:
    begun = min(period.end, now)
    held = CareSession.objects.filter(
        subtree_q(code, "station__community_code"), starts_at__gte=period.start, starts_at__lt=begun
    )
    enrolments = SessionEnrolment.objects.filter(session__in=held).aggregate(
        n=Count("pk"), attended=Count("pk", filter=Q(attended_at__isnull=False))
    )
    return Sessions(
        held=held.count(),
        enrolled=enrolments["n"],
        attended=enrolments["attended"],
        home_requests=HomeServiceRequest.objects.filter(
            subtree_q(code, "station__community_code"),
            created_at__gte=period.start,
            created_at__lt=period.end,
        ).count(),
    )
