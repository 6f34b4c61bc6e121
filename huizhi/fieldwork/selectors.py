"""Reads the field-work pages and the statistics share. Each costs a fixed number of queries,
whatever the number of patrols, check-ins or households it reads."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit, VisitCadence
from huizhi.fieldwork.permissions import FIELD_PLACE_KINDS, worker_grid_codes
from huizhi.places.codes import codes_q, is_within, subtree_q
from huizhi.places.models import Place
from huizhi.registry.models import Household, Resident
from huizhi.registry.tags import Tag, tags_of

LOG_LIMIT = 200


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in the project's zone."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def period_days(period: str, on: date) -> tuple[date, date]:
    """The day itself, or the Monday-to-Sunday week holding it."""
    if period == "week":
        monday = on - timedelta(days=on.weekday())
        return monday, monday + timedelta(days=6)
    return on, on


def field_places(grid_codes) -> list[Place]:
    """The compounds and buildings of the grids, each building after its compound (the check-in
    and fix forms' choice: a grid's dozens, never a street's hundreds)."""
    if not grid_codes:
        return []
    return list(
        Place.objects.filter(codes_q(grid_codes, "code"), kind__in=FIELD_PLACE_KINDS)
        .select_related("parent")
        .order_by("code")
    )


def check_ins_of(patrol: Patrol) -> list[CheckIn]:
    """The route: the check-ins in order, each with its place and compound."""
    return list(patrol.check_ins.select_related("place__parent").order_by("at", "id"))


def reports_during(patrols: list[Patrol]) -> dict[int, list[Case]]:
    """The cases each patrol's worker filed in its grid while it was open, read by reporter, place
    and time (cases are not changed to know their patrol). One query for all the patrols."""
    if not patrols:
        return {}
    now = timezone.now()
    windows = [(p, p.started_at, p.ended_at or now) for p in patrols]
    q = Q(pk__in=[])
    for patrol, start, end in windows:
        # In the patrol's grid only: a worker of two grids reports in the one they are walking, and
        # the staff over this grid learn nothing of the other's cases from its patrol page.
        q |= Q(subtree_q(patrol.place_code, "place_code"), reporter_id=patrol.worker_id) & Q(
            created_at__gte=start, created_at__lte=end
        )
    cases = list(Case.objects.filter(q).select_related("place__parent").order_by("created_at", "id"))
    found: dict[int, list[Case]] = {p.pk: [] for p in patrols}
    for case in cases:
        for patrol, start, end in windows:
            if (
                case.reporter_id == patrol.worker_id
                and is_within(case.place_code, patrol.place_code)
                and start <= case.created_at <= end
            ):
                found[patrol.pk].append(case)
    return found


def recent_patrols_of(user, limit: int = 10) -> list[Patrol]:
    return list(
        Patrol.objects.filter(worker=user, ended_at__isnull=False)
        .select_related("grid")
        .annotate(check_in_count=Count("check_ins"))
        .order_by("-started_at")[:limit]
    )


@dataclass
class LogRow:
    """One grid worker's patrols of one grid in the period."""

    worker: object
    grid: Place
    patrols: int = 0
    minutes: int = 0
    check_ins: int = 0
    far_check_ins: int = 0
    reports: int = 0
    fixes: int = 0


@dataclass
class PatrolLog:
    first: date
    last: date
    rows: list[LogRow] = field(default_factory=list)
    patrols: list[Patrol] = field(default_factory=list)
    truncated: bool = False


def patrol_log(patrols: QuerySet[Patrol], first: date, last: date, grid_code: str = "") -> PatrolLog:
    """Patrols started in [first, last] (of `grid_code` when given) among `patrols` (the reader's
    visible ones), summed per worker and grid; the latest LOG_LIMIT listed one by one."""
    start, end = day_bounds(first, last)
    chosen = patrols.filter(started_at__gte=start, started_at__lt=end)
    if grid_code:
        chosen = chosen.filter(subtree_q(grid_code, "place_code"))
    listed = list(
        chosen.select_related("grid", "worker")
        .annotate(
            check_in_count=Count("check_ins", distinct=True),
            far_count=Count("check_ins", filter=Q(check_ins__far=True), distinct=True),
            fix_count=Count("fixes", distinct=True),
        )
        .order_by("-started_at", "-id")[: LOG_LIMIT + 1]
    )
    log = PatrolLog(first=first, last=last, truncated=len(listed) > LOG_LIMIT)
    log.patrols = listed[:LOG_LIMIT]
    reports = reports_during(log.patrols)
    rows: dict[tuple[int, int], LogRow] = {}
    for patrol in log.patrols:
        row = rows.setdefault(
            (patrol.worker_id, patrol.grid_id), LogRow(worker=patrol.worker, grid=patrol.grid)
        )
        patrol.reports = reports[patrol.pk]
        row.patrols += 1
        row.minutes += patrol.minutes
        row.check_ins += patrol.check_in_count
        row.far_check_ins += patrol.far_count
        row.reports += len(patrol.reports)
        row.fixes += patrol.fix_count
    log.rows = sorted(rows.values(), key=lambda r: (r.grid.code, str(r.worker)))
    return log


def log_grids(patrols: QuerySet[Patrol]) -> list[Place]:
    """The grids the reader's visible patrols are of (the log's grid filter)."""
    return list(Place.objects.filter(pk__in=patrols.values("grid_id").distinct()).order_by("code"))


# --- visits --------------------------------------------------------------------------------------


@dataclass
class HouseholdDue:
    """A household of the worker's grids with what its tags ask for."""

    household: Household
    tags: list[str]
    every_days: int | None
    last_visit: date | None
    due_on: date | None

    @property
    def overdue_days(self) -> int:
        if self.due_on is None:
            return 0
        return max(0, (timezone.localdate() - self.due_on).days)

    @property
    def tag_labels(self) -> list[str]:
        return [str(Tag(tag).label) for tag in self.tags]

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < timezone.localdate()


def _cadences_by_community(codes) -> dict[str, dict[str, int]]:
    """{community code: {tag: every_days}} for the communities holding the codes."""
    communities = {code[:12] for code in codes}
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for cadence in VisitCadence.objects.filter(place_code__in=communities):
        found[cadence.place_code][cadence.tag] = cadence.every_days
    return found


def households_due(grid_codes, today: date | None = None) -> list[HouseholdDue]:
    """Every household of the grids with a tag its community has a cadence for, overdue first
    (the longest overdue at the top), then by the day the next visit is due; never visited counts
    as due since its first day on the list, i.e. at once. Four queries, whatever the count."""
    today = today or timezone.localdate()
    if not grid_codes:
        return []
    cadences = _cadences_by_community(grid_codes)
    if not cadences:
        return []
    # The household's interval: the shortest of its residents' tags' cadences.
    interval: dict[int, int] = {}
    tags: dict[int, set[str]] = defaultdict(set)
    residents = Resident.objects.filter(codes_q(grid_codes, "place_code"), is_active=True).only(
        "id", "household_id", "place_code", "birth_date", *_recorded_tag_fields()
    )
    for resident in residents:
        by_tag = cadences.get(resident.place_code[:12], {})
        for tag in tags_of(resident, today):
            if tag in by_tag:
                tags[resident.household_id].add(tag)
                days = by_tag[tag]
                interval[resident.household_id] = min(days, interval.get(resident.household_id, days))
    if not interval:
        return []
    last = dict(
        Visit.objects.filter(household_id__in=list(interval))
        .values("household_id")
        .annotate(last=Max("visited_on"))
        .values_list("household_id", "last")
    )
    households = Household.objects.filter(pk__in=list(interval)).select_related("unit__parent__parent")
    rows = []
    for household in households:
        days, seen = interval[household.pk], last.get(household.pk)
        due = seen + timedelta(days=days) if seen else today
        rows.append(HouseholdDue(household, sorted(tags[household.pk]), days, seen, due))
    rows.sort(key=lambda r: (not r.is_overdue, r.due_on, r.household.place_code))
    return rows


def _recorded_tag_fields() -> list[str]:
    from huizhi.registry.tags import RECORDED_TAGS

    return [str(tag) for tag in RECORDED_TAGS]


def worklist(user, today: date | None = None) -> list[HouseholdDue]:
    return households_due(worker_grid_codes(user), today)


def other_households(user, excluded: set[int]) -> list[Household]:
    """The worker's grids' households not on the cadence list (a visit may be logged to any)."""
    codes = worker_grid_codes(user)
    if not codes:
        return []
    return list(
        Household.objects.filter(codes_q(codes, "place_code"))
        .exclude(pk__in=excluded)
        .select_related("unit__parent__parent")
        .order_by("place_code")[:500]
    )


def visits_of(visits: QuerySet[Visit], household: Household, limit: int = 20) -> list[Visit]:
    return list(
        visits.filter(household=household)
        .select_related("met", "worker", "case", "care_request__case", "agenda_item")
        .order_by("-visited_on", "-id")[:limit]
    )


def recent_visits(visits: QuerySet[Visit], user, limit: int = 20) -> list[Visit]:
    return list(
        visits.filter(worker=user)
        .select_related("household__unit__parent__parent", "case")
        .order_by("-created_at", "-id")[:limit]
    )


# --- spot checks ---------------------------------------------------------------------------------


def spot_checks(fixes: QuerySet[SpotFix], limit: int = 100) -> list[SpotFix]:
    """Unchecked sampled fixes first (what waits for a check), then other unchecked, then checked."""
    return list(
        fixes.select_related("case__place__parent", "case__category", "worker", "checked_by").order_by(
            "check_result", "-in_sample", "-created_at", "-id"
        )[:limit]
    )
