"""The grid workers' field work over a scope and period (DESIGN §15, issue 18): patrols, their
check-ins, fixes on the spot and household visits — the counts the leader's page shows beside the
cases. Each table carries its place's code, so every count is an indexed code range and time range
(no join to the cases), whatever the number of cases."""

from dataclasses import dataclass

from django.db.models import Count, Q

from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit
from huizhi.places.codes import subtree_q
from huizhi.stats.periods import Period


@dataclass(frozen=True)
class FieldWork:
    patrols: int
    check_ins: int
    far_check_ins: int  # over 500 m from the place checked in at
    fixes_on_spot: int
    visits: int
    households_visited: int


def fieldwork_figures(scope, period: Period) -> FieldWork | None:
    """None for a handling unit's scope (field work belongs to places, not units)."""
    if scope.unit is not None:
        return None
    within = subtree_q(scope.place.code, "place_code")
    check_ins = CheckIn.objects.filter(within, at__gte=period.start, at__lt=period.end).aggregate(
        n=Count("pk"), far=Count("pk", filter=Q(far=True))
    )
    visits = Visit.objects.filter(
        within, visited_on__gte=period.first, visited_on__lte=period.last
    ).aggregate(n=Count("pk"), households=Count("household", distinct=True))
    return FieldWork(
        patrols=Patrol.objects.filter(
            within, started_at__gte=period.start, started_at__lt=period.end
        ).count(),
        check_ins=check_ins["n"],
        far_check_ins=check_ins["far"],
        fixes_on_spot=SpotFix.objects.filter(
            within, created_at__gte=period.start, created_at__lt=period.end
        ).count(),
        visits=visits["n"],
        households_visited=visits["households"],
    )
