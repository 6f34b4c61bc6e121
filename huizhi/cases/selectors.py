"""Reads of cases that pages, the API and statistics share."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone

from huizhi.accounts.models import RoleAssignment
from huizhi.accounts.scopes import scopes_of, subtree_q
from huizhi.cases import workcalendar
from huizhi.cases.approvals import suspension_approvers
from huizhi.cases.models import CallBack, Case, CaseEvent, CasePhoto, Category
from huizhi.cases.models.case import RUNNING_DEADLINE
from huizhi.cases.permissions import CALLBACK_ROLES, UNIT_ROLES, cases_in_work_scope, sees_case_particulars
from huizhi.cases.search import filter_by_title, title_filter_keeps_within
from huizhi.cases.states import CALLBACK_SOURCES, OPEN_STATUSES, Status
from huizhi.cases.transitions import APPROVER, MERGED_INTO, UNIT
from huizhi.core.text import mask_person_name
from huizhi.places.codes import CODE_RULES
from huizhi.places.distance import NEARBY_METRES, box_around, distance_m
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

LIST_RELATED = ("category", "place", "community", "handling_unit")
# What an outward list needs besides: a household's room is shown as its building (public_place).
OUTWARD_RELATED = (*LIST_RELATED, "place__parent")


QUEUE_SORTS = ("newest", "oldest", "time_left")


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # "open", "all", or a Status value
    clock: str = ""  # "", "overdue", "near_due"
    category: str = ""  # a class or subclass code
    community: str = ""  # a community code
    query: str = ""
    grid: str = ""  # a grid code
    source: str = ""  # a Source value
    reported_from: date | None = None  # local dates, both ends included
    reported_to: date | None = None
    sort: str = "newest"  # one of QUEUE_SORTS


def _place_filter(cases: QuerySet[Case], code: str) -> QuerySet[Case]:
    # A code is ASCII digits; anything else ("²" passes str.isdigit, then breaks subtree_q's
    # int()) names no place.
    in_place = code.isascii() and code.isdigit()
    return cases.filter(subtree_q(code, "place_code")) if in_place else cases.none()


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _one_place(user, queue_filter: QueueFilter) -> str:
    """The code of a place every case of the queue lies under ("" when there is none): the grid or
    community it is filtered to, else the one place the user's work covers (no unit's tasks besides)."""
    if queue_filter.grid or queue_filter.community:
        return queue_filter.grid or queue_filter.community
    scopes = scopes_of(user)
    if scopes.sees_everything or len(scopes.place_codes) != 1 or scopes.organisations_for(*UNIT_ROLES):
        return ""
    return scopes.place_codes[0]


def case_queue(user, queue_filter: QueueFilter) -> QuerySet[Case]:
    """The cases in `user`'s work scope that the filter keeps, in its order. Scope first: a place
    filter outside it narrows to nothing, never widens."""
    return _filtered(cases_in_work_scope(user), user, queue_filter)


def case_queue_counted(user, queue_filter: QueueFilter) -> QuerySet[Case] | None:
    """The queue's cases for counting them, never for reading them: where a search asks the title
    index for the user's one place (the scope itself, no place filter), the same cases without the
    scope's code range, which PostgreSQL otherwise read as well and ANDed with the index's answer —
    the same cases twice (a street's 垃圾 at a million cases: the count 20 → 10 ms, its 82,862
    codes' range 9.5 ms of it). None where that is not so: the queue counts itself."""
    if not queue_filter.query or queue_filter.grid or queue_filter.community:
        return None
    within = _one_place(user, queue_filter)
    if not within or not title_filter_keeps_within(queue_filter.query, within):
        return None
    return _filtered(Case.objects.all(), user, queue_filter)


def _filtered(cases: QuerySet[Case], user, queue_filter: QueueFilter) -> QuerySet[Case]:
    cases = cases.select_related(*LIST_RELATED)
    if queue_filter.status == "open":
        cases = cases.open()
    elif queue_filter.status != "all":
        cases = cases.filter(status=queue_filter.status)
    if queue_filter.clock == "overdue":
        cases = cases.overdue()
    elif queue_filter.clock == "near_due":
        cases = cases.near_due()
    if queue_filter.category:
        cases = cases.in_category(queue_filter.category)
    if queue_filter.community:
        cases = _place_filter(cases, queue_filter.community)
    if queue_filter.grid:
        cases = _place_filter(cases, queue_filter.grid)
    if queue_filter.source:
        cases = cases.filter(source=queue_filter.source)
    if queue_filter.reported_from:
        cases = cases.filter(created_at__gte=_local_midnight(queue_filter.reported_from))
    if queue_filter.reported_to:
        cases = cases.filter(created_at__lt=_local_midnight(queue_filter.reported_to + timedelta(days=1)))
    if queue_filter.query:
        cases = filter_by_title(cases, queue_filter.query, within=_one_place(user, queue_filter))
    if queue_filter.sort == "oldest":
        return cases.order_by("created_at", "id")
    if queue_filter.sort == "time_left":
        # The running clock's deadline, soonest (most overdue) first; no clock running, last.
        return cases.annotate(running_due=RUNNING_DEADLINE).order_by(
            F("running_due").asc(nulls_last=True), "-created_at", "-id"
        )
    return cases.order_by("-created_at", "-id")


SUPERVISION_VIEWS = ("due", "stalled")


def stalled_q(now=None) -> Q:
    """Open cases (not suspended: a pause is approved) with no step for their category's
    `stall_after_hours` working hours: one cut-off per distinct N, computed by the working calendar
    and OR-ed, so the condition is plain comparisons on `last_event_at`, checked on the scope's
    open cases as the open-cases index gives them (a few, however many are closed)."""
    now = now or timezone.now()
    by_hours: dict[int, list[int]] = {}
    for category_id, hours in Category.objects.filter(parent__isnull=False).values_list(
        "pk", "stall_after_hours"
    ):
        by_hours.setdefault(hours, []).append(category_id)
    q = Q(pk__in=[])
    for hours, category_ids in sorted(by_hours.items()):
        cut_off = workcalendar.before(now, hours * 3600.0)
        q |= Q(category_id__in=category_ids, last_event_at__lt=cut_off)
    return Q(status__in=sorted(OPEN_STATUSES - {Status.SUSPENDED})) & q


def supervision_queue(user, view: str = "due", now=None) -> QuerySet[Case]:
    """The discipline commissioner's queue: in-scope open cases that are overdue, near due,
    reworked, reopened or rated unsatisfied, most urgent deadline first; with `view="stalled"`,
    those no one has worked for their category's stall time (`stalled_q`), longest idle first."""
    from huizhi.accounts.roles import Role

    scopes = scopes_of(user)
    if not scopes.holds(Role.DISCIPLINE_COMMISSIONER, roles_only=True):
        return Case.objects.none()
    cases = Case.objects.filter(scopes.q("place_code", Role.DISCIPLINE_COMMISSIONER, roles_only=True))
    if view == "stalled":
        cases = cases.filter(stalled_q(now))
        order = ("last_event_at", "-id")
    else:
        cases = cases.needing_supervision(now)
        order = (F("running_due").asc(nulls_last=True), "-id")
    return cases.select_related(*LIST_RELATED).annotate(running_due=RUNNING_DEADLINE).order_by(*order)


# ---------------------------------------------------------------------------------------------
# Call-backs (回访)


def callback_cases(user) -> QuerySet[Case]:
    """Closed patrol, hotline and meeting cases in the places where `user` calls back (staff's
    own work: a superuser without the role has none)."""
    scopes = scopes_of(user)
    if not getattr(user, "is_authenticated", False) or not scopes.holds(*CALLBACK_ROLES, roles_only=True):
        return Case.objects.none()
    return Case.objects.filter(
        scopes.q("place_code", *CALLBACK_ROLES, roles_only=True),
        status=Status.CLOSED,
        source__in=CALLBACK_SOURCES,
    )


def callbacks_due(user) -> QuerySet[Case]:
    """The call list: closed patrol, hotline and meeting cases in `user`'s places that no one has
    rated — neither their reporter nor a call-back that reached someone — and that were called
    fewer than MAX_ATTEMPTS times; longest closed first. Each row has `attempts`."""
    from huizhi.cases.services.callbacks import MAX_ATTEMPTS

    reached = CallBack.objects.filter(case=OuterRef("pk"), reached=True)
    attempts = (
        CallBack.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        callback_cases(user)
        .filter(rating="")
        .exclude(Exists(reached))
        .annotate(attempts=Coalesce(Subquery(attempts), 0))
        .filter(attempts__lt=MAX_ATTEMPTS)
        .select_related(*LIST_RELATED, "reporter")
        .order_by("closed_at", "id")
    )


def callbacks_done(user, limit: int = 50) -> list[CallBack]:
    """The latest call-backs recorded on cases in `user`'s places."""
    return list(
        CallBack.objects.filter(case__in=callback_cases(user))
        .select_related("case", "case__place", "called_by")
        .order_by("-called_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Callee:
    """Whom to ring about a case: its reporter when a resident filed it, else the residents of its
    place, whose numbers the household register reveals (and logs) on its own page."""

    label: str
    masked_mobile: str = ""
    mobile: str = ""  # only for readers who see the case's particulars (the tap-to-call link)
    residents_of: str = ""  # a place code: look the residents up in the register


def callees_for(cases: list[Case], reader) -> dict[int, Callee]:
    """Callee per case id, in one query for the reporters' roles: a reporter who holds no role is a
    resident (a grid worker's patrol report, staff's meeting case and an API's hotline case are not)."""
    from huizhi.accounts.models import RoleAssignment
    from huizhi.core.mobile import mask_mobile

    reporter_ids = {c.reporter_id for c in cases if c.reporter_id}
    with_roles = set(
        RoleAssignment.objects.filter(user_id__in=reporter_ids).values_list("user_id", flat=True)
    )
    callees = {}
    for case in cases:
        reporter = case.reporter if case.reporter_id and case.reporter_id not in with_roles else None
        if reporter is not None and reporter.mobile:
            sees = sees_case_particulars(reader, case)
            name = str(reporter) if sees else mask_person_name(str(reporter))
            callees[case.pk] = Callee(
                label=name,
                masked_mobile=mask_mobile(reporter.mobile),
                mobile=reporter.mobile if sees else "",
            )
        else:
            callees[case.pk] = Callee(label=str(case.place), residents_of=case.place_code)
    return callees


def case_timeline(case: Case, reader=None) -> list[CaseEvent]:
    """The case's events, each with `shown_actor`: who acted, as `reader` may read it (the
    reporter's own name only for those who see the case's particulars)."""
    if "events" in getattr(case, "_prefetched_objects_cache", {}):
        events = list(case.events.all())  # in hand: a case just reported carries its report
    else:
        events = list(
            case.events.select_related("actor").prefetch_related(
                Prefetch("photos", queryset=CasePhoto.objects.all())
            )
        )
    for event in events:
        event.shown_actor = shown_actor(event, case, reader)
    return events


def shown_actor(event: CaseEvent, case: Case, reader) -> str:
    label = event.actor_label
    by_reporter = label and case.reporter_id and event.actor_id == case.reporter_id
    return mask_person_name(label) if by_reporter and not sees_case_particulars(reader, case) else label


def public_place(place: Place) -> Place:
    """The place as anyone outside may be told it: never finer than its building (a household's
    room names the household)."""
    return place.parent if place.kind == PlaceKind.UNIT and place.parent_id else place


def shown_place(case: Case, reader) -> Place:
    """The case's place as `reader` may see it: its own for those who see the particulars."""
    return case.place if sees_case_particulars(reader, case) else public_place(case.place)


def shown_point(case: Case, reader) -> tuple[float | None, float | None]:
    """(lon, lat) as `reader` may see it: the exact point for those who see the particulars, else
    the point of the case's place, never finer than its building (the public pages' rule)."""
    if sees_case_particulars(reader, case):
        return case.lon, case.lat
    place = public_place(case.place)
    return place.lon, place.lat


# DESIGN §9: before filing, open cases of the same category "within about 250 m" are offered
# to support instead.
NEARBY_MOST = 20


def nearby_open_cases(
    reader, *, category: Category, lon: float, lat: float, radius: int = NEARBY_METRES
) -> list[Case]:
    """Open cases of `category` that `reader` may read, within `radius` metres of (lon, lat), nearest
    first (at most NEARBY_MOST), each with `distance_m`.

    The distance is measured to the point `reader` is shown of each case (`shown_point`), never to
    a point they may not see: a distance to a hidden point, asked from a few spots, would pin it."""
    from huizhi.cases.permissions import cases_visible_to

    lon_range, lat_range = box_around(lon, lat, radius)
    box = {"lon__range": lon_range, "lat__range": lat_range}
    # The shown point is the case's own, its place's, or (a household unit) its building's.
    near = Q(**box) | Q(**{f"place__{k}": v for k, v in box.items()})
    near |= Q(**{f"place__parent__{k}": v for k, v in box.items()})
    candidates = (
        cases_visible_to(reader)
        .open()
        .filter(category=category)
        .filter(near)
        .select_related(*LIST_RELATED, "place__parent")
    )
    found = []
    for case in candidates:
        shown_lon, shown_lat = shown_point(case, reader)
        if shown_lon is None or shown_lat is None:
            continue
        metres = distance_m(lon, lat, shown_lon, shown_lat)
        if metres <= radius:
            case.distance_m = round(metres)
            found.append(case)
    return sorted(found, key=lambda c: (c.distance_m, -c.pk))[:NEARBY_MOST]


def categories_for_reporting() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("code")
    )


def category_tree() -> QuerySet[Category]:
    """Every class with its subclasses prefetched (active or not): the categories page."""
    return Category.objects.filter(parent__isnull=True).prefetch_related("subclasses").order_by("code")


COMPOUND_CODE_LENGTH = CODE_RULES[PlaceKind.COMPOUND][1]


def _recent_same_problem(since) -> QuerySet[Case]:
    """Cases since `since` placed at a compound or below it (not merged duplicates)."""
    return (
        Case.objects.alias(code_length=Length("place_code"))
        .filter(created_at__gte=since, code_length__gte=COMPOUND_CODE_LENGTH)
        .exclude(status=Status.MERGED)
    )


def is_recurring(case: Case) -> bool:
    """At least N cases (default 3) of the same subclass in the same compound (or one of its
    buildings) within the window (default 90 days) up to this case."""
    if len(case.place_code) < COMPOUND_CODE_LENGTH:
        return False
    since = case.created_at - timedelta(days=settings.HUIZHI_RECURRING_DAYS)
    # A code range, which the (category, place_code, created_at) index serves; a LIKE prefix is
    # served by no index under a C.UTF-8 or SQLite collation.
    same = _recent_same_problem(since).filter(
        subtree_q(case.place_code[:COMPOUND_CODE_LENGTH], "place_code"),
        category_id=case.category_id,
        created_at__lte=case.created_at,
    )
    return same.count() >= settings.HUIZHI_RECURRING_COUNT


@dataclass
class RecurringProblem:
    compound: Place
    category: Category
    count: int
    last_reported_at: object


# The recurring problems a page lists: the agenda of a meeting, not an inventory (a district's
# two years held thousands of pairs, and the page sent them all).
RECURRING_MOST = 100


def recurring_problems(user, limit: int = RECURRING_MOST) -> list[RecurringProblem]:
    """Compound + subclass pairs with at least N cases in the window: the consultation agenda list,
    the `limit` most reported (then by compound code), cut in the database."""
    since = timezone.now() - timedelta(days=settings.HUIZHI_RECURRING_DAYS)
    rows = list(
        _recent_same_problem(since)
        .filter(scopes_of(user).q("place_code"))
        .annotate(compound_code=Substr("place_code", 1, COMPOUND_CODE_LENGTH))
        .values("compound_code", "category_id")
        .annotate(n=Count("id"), last=Max("created_at"))
        .filter(n__gte=settings.HUIZHI_RECURRING_COUNT)
        .order_by("-n", "compound_code", "category_id")[:limit]
    )
    compounds = {p.code: p for p in Place.objects.filter(code__in=[r["compound_code"] for r in rows])}
    categories = Category.objects.in_bulk([r["category_id"] for r in rows])
    problems = [
        RecurringProblem(compounds[r["compound_code"]], categories[r["category_id"]], r["n"], r["last"])
        for r in rows
    ]
    return sorted(problems, key=lambda p: (-p.count, p.compound.code, p.category.pk))


def dispatch_units_for(case: Case) -> QuerySet:
    """The units a case can be dispatched to: the active organisations of its street."""
    from huizhi.places.models import Organisation

    street = subtree_q(case.place_code[:9], "place__code")
    return Organisation.objects.filter(street, is_active=True).order_by("kind", "name")


def delegated_category_ids(community: Place) -> frozenset[int]:
    """The subclasses the community lets its grid workers accept and dispatch (its staff's page)."""
    from huizhi.cases.models import DispatchDelegation

    return frozenset(
        DispatchDelegation.objects.filter(community=community).values_list("category_id", flat=True)
    )


def staffed_unit_ids(unit_ids: list[int]) -> set[int]:
    """Of these organisations, those with an active account to receive a dispatched task."""
    rows = RoleAssignment.objects.filter(
        organisation_id__in=unit_ids, role__in=UNIT_ROLES, user__is_active=True
    )
    return set(rows.values_list("organisation_id", flat=True))


def approvers_for(case: Case, actor=None) -> QuerySet:
    """Who can approve `actor` suspending the case: the rule the suspend transition checks."""
    return suspension_approvers(case, actor=actor)


def merge_targets_for(case: Case) -> QuerySet[Case]:
    """The open cases of the same community a reported case can be merged into."""
    return Case.objects.open().filter(community_id=case.community_id).exclude(pk=case.pk)


MERGE_SUGGESTIONS = 20


def merge_suggestions_for(case: Case) -> list[Case]:
    """The merge targets the case page offers as the number is typed: the newest open cases of the
    same category in the community (any other is typed by its number)."""
    targets = merge_targets_for(case).filter(category_id=case.category_id)
    return list(targets.order_by("-created_at", "-id").only("pk", "title")[:MERGE_SUGGESTIONS])


def transition_choices(case: Case, actor) -> dict[str, QuerySet]:
    """What each chosen input of a transition may be on this case, for `actor`: the options the page
    offers, and the ids the API accepts."""
    return {
        UNIT: dispatch_units_for(case),
        APPROVER: approvers_for(case, actor),
        MERGED_INTO: merge_targets_for(case),
    }


def waiting_for(user, limit: int = 200) -> list[Case]:
    """The phone task list: open cases in which this person can take a step now, nearest deadline first."""
    from huizhi.cases.permissions import available_transitions, cases_visible_to

    cases = cases_visible_to(user).open().select_related("category", "place", "handling_unit")
    return [c for c in cases.order_by("handle_due_at", "-id")[:limit] if available_transitions(user, c)]
