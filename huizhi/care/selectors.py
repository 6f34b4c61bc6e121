"""Reads that the care pages (and later the statistics) share."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import subtree_q
from huizhi.care.kinds import POINTS_PER_HOUR, ApplicationStatus, born_by, months_old
from huizhi.care.models import (
    CareAlert,
    CarerDayOff,
    CareSession,
    CareStation,
    ChildcareApplication,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareCentre,
    ChildcareClass,
    ChildcareEnrolment,
    SessionEnrolment,
    SummerAttendance,
    SummerEnrolment,
    SummerSession,
    SummerTerm,
    Volunteer,
    VolunteerHours,
    WatchedResident,
    Watcher,
)
from huizhi.care.permissions import (
    ADULT_AGE,
    alerts_visible_to,
    may_enrol_as_parent,
    volunteers_visible_to,
    watched_visible_to,
)
from huizhi.places.models import Place
from huizhi.registry.models import Resident
from huizhi.registry.permissions import residents_visible_to
from huizhi.registry.tags import Tag, age, tag_q

# --- station ------------------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def station_week(station: CareStation, monday: date) -> list[tuple[date, list[CareSession]]]:
    """The week's sessions by day, each with its service and the number checked in."""
    start, _ = _day_bounds(monday)
    sessions = (
        CareSession.objects.filter(station=station)
        .between(start, start + timedelta(days=7))
        .select_related("service")
        .annotate(attended=Count("enrolments", filter=Q(enrolments__attended_at__isnull=False)))
        .order_by("starts_at", "id")
    )
    days: dict[date, list[CareSession]] = {monday + timedelta(days=i): [] for i in range(7)}
    for session in sessions:
        days.setdefault(timezone.localdate(session.starts_at), []).append(session)
    return list(days.items())


def session_enrolments(session: CareSession) -> QuerySet[SessionEnrolment]:
    return session.enrolments.select_related("resident").order_by("resident__name", "id")


def elderly_in_catchment(community_code: str, on: date) -> QuerySet[Resident]:
    return (
        Resident.objects.filter(subtree_q(community_code, "place_code"), is_active=True)
        .filter(tag_q(Tag.AGE_60, on))
        .order_by("name", "id")
    )


def open_sessions_for(resident: Resident, now: datetime | None = None) -> QuerySet[CareSession]:
    """Upcoming sessions of the stations whose catchment the elderly resident lives in."""
    now = now or timezone.now()
    enrolled = SessionEnrolment.objects.filter(session=OuterRef("pk"), resident=resident)
    return (
        CareSession.objects.filter(starts_at__gt=now, starts_at__lt=now + timedelta(days=14))
        .filter(station__community_code=resident.place_code[:12])
        .select_related("service", "station")
        .annotate(mine=Exists(enrolled))
        .order_by("starts_at")
    )


# --- watch --------------------------------------------------------------------------------------


def end_of_today(now: datetime) -> datetime:
    return _day_bounds(timezone.localdate(now))[1]


def active_alerts(user) -> QuerySet[CareAlert]:
    return (
        alerts_visible_to(user)
        .active()
        .select_related("watched__resident", "enrolment__child", "enrolment__klass__centre")
        .order_by("-raised_at", "-id")
    )


def with_owners(alerts) -> list[CareAlert]:
    """The alerts, each not-reached one with who owns it: `grid_workers` of the elder's grid and
    `community_staff` of their community (the people it is raised to). One query for the owners."""
    from huizhi.accounts.models import RoleAssignment

    alerts = list(alerts)
    watch_alerts = [a for a in alerts if a.watched_id]
    for alert in alerts:
        alert.grid_workers, alert.community_staff = [], []
    if not watch_alerts:
        return alerts
    grids = {a.place_code[:15] for a in watch_alerts}
    communities = {a.place_code[:12] for a in watch_alerts}
    owners = (
        RoleAssignment.objects.filter(
            Q(role=Role.GRID_WORKER, place__code__in=grids)
            | Q(role=Role.COMMUNITY_STAFF, place__code__in=communities),
            user__is_active=True,
        )
        .select_related("user", "place")
        .order_by("user__full_name", "user_id")
    )
    by_place: dict[tuple[str, str], list[User]] = {}
    for row in owners:
        by_place.setdefault((row.role, row.place.code), []).append(row.user)
    for alert in watch_alerts:
        alert.grid_workers = by_place.get((Role.GRID_WORKER, alert.place_code[:15]), [])
        alert.community_staff = by_place.get((Role.COMMUNITY_STAFF, alert.place_code[:12]), [])
    return alerts


def _with_people(watched: QuerySet) -> QuerySet[WatchedResident]:
    return watched.select_related("resident__household__unit__parent__parent").prefetch_related(
        Prefetch("watchers", queryset=Watcher.objects.select_related("user"))
    )


def overdue_contacts(user, now: datetime) -> QuerySet[WatchedResident]:
    return _with_people(watched_visible_to(user).overdue(now)).order_by("due_at", "id")


@dataclass
class Coverage:
    watched: int
    with_watcher: int
    overdue: int

    @property
    def covered(self) -> int:
        """The watched who have a watcher and are not overdue (at most), the coverage's numerator."""
        return min(self.watched - self.overdue, self.with_watcher)

    @property
    def percent(self) -> int:
        """Share of the watched who have a watcher and are not overdue (守望覆盖率)."""
        if not self.watched:
            return 0
        return round(100 * self.covered / self.watched)


def watch_coverage(user, now: datetime) -> Coverage:
    return coverage_of(watched_visible_to(user), now)


def coverage_of(watched: QuerySet[WatchedResident], now: datetime) -> Coverage:
    """The coverage of the active residents among `watched` (the statistics give it by place)."""
    has_watcher = Watcher.objects.filter(watched=OuterRef("pk"))
    figures = watched.active().aggregate(
        watched=Count("id"),
        with_watcher=Count("id", filter=Exists(has_watcher)),
        overdue=Count("id", filter=Q(due_at__lt=now)),
    )
    return Coverage(**figures)


def overdue_by_grid(user, now: datetime) -> list[tuple[Place, int]]:
    rows = (
        watched_visible_to(user)
        .overdue(now)
        .annotate(grid_code=Substr("place_code", 1, 15))
        .values("grid_code")
        .annotate(n=Count("id"))
        .order_by("grid_code")
    )
    counts = {row["grid_code"]: row["n"] for row in rows}
    grids = Place.objects.filter(code__in=counts).order_by("code")
    return [(grid, counts[grid.code]) for grid in grids]


def overdue_by_watcher(user, now: datetime) -> list[tuple[User, int]]:
    overdue = watched_visible_to(user).overdue(now).values("pk")
    rows = (
        Watcher.objects.filter(watched__in=overdue)
        .values("user")
        .annotate(n=Count("watched", distinct=True))
        .order_by("-n", "user")
    )
    counts = {row["user"]: row["n"] for row in rows}
    users = {u.pk: u for u in User.objects.filter(pk__in=counts)}
    return [(users[pk], n) for pk, n in counts.items() if pk in users]


def to_contact_today(user, now: datetime) -> QuerySet[WatchedResident]:
    """The watcher's phone list: whom they watch that is due by the end of today, most overdue first."""
    watching = Watcher.objects.filter(user=user).values("watched_id")
    return _with_people(WatchedResident.objects.due_by(end_of_today(now)).filter(pk__in=watching)).order_by(
        "due_at", "id"
    )


def watch_candidates(user, today: date) -> QuerySet[Resident]:
    """Elders the user's registry shows (60+, and 80+, living alone or empty-nest) who are not on
    the watch now — including those once taken off it, whom only a person puts back."""
    return (
        residents_visible_to(user)
        .filter(is_active=True)
        .filter(tag_q(Tag.AGE_60, today))
        .filter(tag_q(Tag.AGE_80, today) | tag_q(Tag.LIVES_ALONE, today) | tag_q(Tag.EMPTY_NEST, today))
        .exclude(watch_entries__is_active=True)
        .order_by("name", "id")
    )


def watcher_candidates(watched: WatchedResident) -> QuerySet[User]:
    """Who may be assigned to watch the elder: the grid workers of their grid, and the party members
    and volunteers of their community who have a resident account."""
    grid_workers = Q(roles__role=Role.GRID_WORKER, roles__place__code=watched.grid_code)
    residents = Q(
        pk__in=Resident.objects.filter(
            # The same people services.watch._may_watch_as accepts.
            Q(party_member=True) | Q(volunteer=True) | Q(volunteer_record__isnull=False),
            subtree_q(watched.community_code, "place_code"),
            account__isnull=False,
            is_active=True,
        ).values("account_id")
    )
    return User.objects.filter(grid_workers | residents).distinct().order_by("full_name", "username")


def family_contacts_for(entries) -> dict[int, list[Resident]]:
    """For each watch entry (its resident loaded), the family to call: the registry records no
    family or emergency contact, so they are the elder's household's other active adults (18+) who
    have a mobile, oldest first. One query however many entries."""
    entries = list(entries)
    today = timezone.localdate()
    households: dict[int, list[Resident]] = {}
    people = Resident.objects.filter(
        household_id__in={e.resident.household_id for e in entries}, is_active=True
    ).order_by("birth_date", "id")
    for person in people:
        if person.mobile and age(person.birth_date, today) >= ADULT_AGE:
            households.setdefault(person.household_id, []).append(person)
    return {
        e.pk: [p for p in households.get(e.resident.household_id, []) if p.pk != e.resident_id]
        for e in entries
    }


def watched_detail(watched: WatchedResident):
    return watched.contacts.select_related("by", "case").order_by("-contacted_at", "-id")[:50]


# --- childcare ----------------------------------------------------------------------------------


@dataclass
class ClassRegister:
    klass: object
    enrolments: list
    carers: list

    @property
    def count(self) -> int:
        return len(self.enrolments)

    @property
    def max_by_ratio(self) -> int:
        return len(self.carers) * self.klass.children_per_carer

    @property
    def on_roster(self) -> int:
        """Carers on the day's roster (those not taken off it)."""
        return sum(1 for carer in self.carers if not carer.off)

    @property
    def present(self) -> int:
        return sum(1 for e in self.enrolments if e.attendance and e.attendance.picked_up_at is None)

    @property
    def room_today(self) -> int:
        return self.on_roster * self.klass.children_per_carer


def childcare_registers(centres, day: date) -> list[tuple[ChildcareCentre, list[ClassRegister]]]:
    """Each centre with its classes, each class with its current children (and their day's
    attendance and adults, and whether they have outgrown the class on the day) and carers.
    A fixed number of queries however many centres there are."""
    centres = list(centres)
    days = ChildcareAttendance.objects.filter(day=day).select_related("collected_by")
    enrolments = (
        ChildcareEnrolment.objects.current()
        .filter(klass__centre__in=centres)
        .select_related("child", "klass")
        .prefetch_related("adults", Prefetch("days", queryset=days, to_attr="today"))
        .order_by("child__name", "id")
    )
    by_class: dict[int, list] = {}
    for enrolment in enrolments:
        enrolment.attendance = enrolment.today[0] if enrolment.today else None
        enrolment.outgrown = enrolment.has_outgrown(day)
        by_class.setdefault(enrolment.klass_id, []).append(enrolment)
    carers = ChildcareCarer.objects.annotate(off=_off_on(day)).order_by("id")
    classes = (
        ChildcareClass.objects.filter(centre__in=centres)
        .prefetch_related(Prefetch("carers", queryset=carers))
        .order_by("band", "name")
    )
    by_centre: dict[int, list[ClassRegister]] = {}
    for klass in classes:
        register = ClassRegister(klass, by_class.get(klass.pk, []), list(klass.carers.all()))
        by_centre.setdefault(klass.centre_id, []).append(register)
    return [(centre, by_centre.get(centre.pk, [])) for centre in centres]


def _off_on(day: date) -> Exists:
    return Exists(CarerDayOff.objects.filter(carer=OuterRef("pk"), day=day))


def day_roster(klass: ChildcareClass, day: date) -> list[ChildcareCarer]:
    """The class's carers, each with `off` (taken off the day's roster) and `off_reason`."""
    reason = CarerDayOff.objects.filter(carer=OuterRef("pk"), day=day).values("reason")[:1]
    return list(klass.carers.annotate(off=_off_on(day), off_reason=Subquery(reason)).order_by("id"))


def present_on(klass: ChildcareClass, day: date) -> int:
    """Children of the class checked in on the day and not yet collected."""
    return ChildcareAttendance.objects.filter(
        enrolment__klass=klass, day=day, picked_up_at__isnull=True
    ).count()


def children_for_class(klass: ChildcareClass, on: date | None = None) -> QuerySet[Resident]:
    """Children of the centre's community in the class's age band on the day (today), not enrolled
    anywhere now: what the enrolment form offers, so the band is met before submitting."""
    on = on or timezone.localdate()
    rule = klass.rule
    return (
        Resident.objects.filter(subtree_q(klass.centre.community_code, "place_code"), is_active=True)
        .filter(birth_date__lte=born_by(on, rule.min_months), birth_date__gt=born_by(on, rule.max_months))
        .exclude(pk__in=ChildcareEnrolment.objects.current().values("child_id"))
        .order_by("birth_date", "id")
    )


@dataclass
class ChildPlace:
    """A parent's child of 0–3 on their care page: enrolled now, the latest application, and the
    classes of the community's centres whose age band fits the child today."""

    child: Resident
    enrolment: ChildcareEnrolment | None
    application: ChildcareApplication | None
    classes: list

    @property
    def may_apply(self) -> bool:
        waiting = self.application is not None and self.application.status == ApplicationStatus.PENDING
        return self.enrolment is None and not waiting and bool(self.classes)


def childcare_classes_for(child: Resident, on: date) -> list[ChildcareClass]:
    """Classes of the centres of the child's community whose age band fits the child on the day."""
    months = months_old(child.birth_date, on)
    classes = ChildcareClass.objects.filter(centre__community_code=child.place_code[:12]).select_related(
        "centre"
    )
    return [
        k
        for k in classes.order_by("centre__name", "band", "name")
        if k.rule.min_months <= months < k.rule.max_months
    ]


def children_0_3_of(parent: Resident, today: date) -> list[Resident]:
    """The children under 36 months of the parent's household whom the parent may apply for."""
    kids = Resident.objects.filter(
        household_id=parent.household_id, is_active=True, birth_date__gt=born_by(today, 36)
    ).order_by("birth_date", "id")
    return [kid for kid in kids if may_enrol_as_parent(parent, kid, today)]


def childcare_places_for_parent(parent: Resident, today: date) -> list[ChildPlace]:
    kids = children_0_3_of(parent, today)
    enrolments = {
        e.child_id: e
        for e in ChildcareEnrolment.objects.current().filter(child__in=kids).select_related("klass__centre")
    }
    applications: dict[int, ChildcareApplication] = {}
    for application in (
        ChildcareApplication.objects.filter(child__in=kids)
        .select_related("klass__centre")
        .order_by("-applied_at", "-id")
    ):
        applications.setdefault(application.child_id, application)
    return [
        ChildPlace(kid, enrolments.get(kid.pk), applications.get(kid.pk), childcare_classes_for(kid, today))
        for kid in kids
    ]


def childcare_applications(centres) -> tuple[list, list]:
    """The centres' applications waiting (oldest first) and the last 20 decided (latest first)."""
    rows = ChildcareApplication.objects.filter(klass__centre__in=centres).select_related(
        "klass__centre", "child", "parent", "decided_by"
    )
    waiting = list(rows.pending().order_by("applied_at", "id"))
    decided = list(rows.exclude(status=ApplicationStatus.PENDING).order_by("-decided_at", "-id")[:20])
    return waiting, decided


# --- summer class -------------------------------------------------------------------------------


def summer_register(session: SummerSession) -> list[SummerEnrolment]:
    attendance = SummerAttendance.objects.filter(session=session)
    enrolments = list(
        session.term.enrolments.select_related("child")
        .prefetch_related(Prefetch("attendance", queryset=attendance, to_attr="here"))
        .order_by("child__name", "id")
    )
    for enrolment in enrolments:
        enrolment.row = enrolment.here[0] if enrolment.here else None
    return enrolments


def summer_terms_for_parent(
    parent: Resident, today: date
) -> list[tuple[SummerTerm, list[tuple[Resident, bool]]]]:
    """The community's terms not yet over that have a child the parent may enrol, each with those
    children and whether each is enrolled already."""
    community = parent.place_code[:12]
    terms = SummerTerm.objects.filter(community_code=community, ends_on__gte=today).order_by("starts_on")
    found = []
    for term in terms:
        kids = [
            kid
            for kid in school_age_children(community, term.starts_on, parent.household_id)
            if may_enrol_as_parent(parent, kid, today)
        ]
        if not kids:
            continue
        enrolled = set(
            SummerEnrolment.objects.filter(term=term, child__in=kids).values_list("child_id", flat=True)
        )
        found.append((term, [(kid, kid.pk in enrolled) for kid in kids]))
    return found


def school_age_children(community_code: str, on: date, household_id: int | None = None) -> QuerySet[Resident]:
    children = Resident.objects.filter(subtree_q(community_code, "place_code"), is_active=True).filter(
        tag_q(Tag.SCHOOL_AGE, on)
    )
    if household_id is not None:
        children = children.filter(household_id=household_id)
    return children.order_by("birth_date", "id")


# --- volunteers ---------------------------------------------------------------------------------


def volunteer_ranking(user, since: date | None = None, until: date | None = None) -> QuerySet[Volunteer]:
    """Volunteers by confirmed hours (the 表彰会 list), each with hours and points."""
    confirmed = Q(hours__confirmed_at__isnull=False)
    if since:
        confirmed &= Q(hours__served_on__gte=since)
    if until:
        confirmed &= Q(hours__served_on__lte=until)
    return (
        volunteers_visible_to(user)
        .filter(is_active=True)
        .select_related("resident")
        .annotate(
            confirmed_hours=Sum("hours__hours", filter=confirmed), activities=Count("hours", filter=confirmed)
        )
        # No confirmed hours sums to NULL, which PostgreSQL sorts first in a descending order.
        .order_by(F("confirmed_hours").desc(nulls_last=True), "resident__name", "id")
    )


def volunteer_candidates(user, name: str) -> QuerySet[Resident]:
    """Active residents of the user's registry whose name contains `name`, with `volunteer_record`
    when already registered."""
    return (
        residents_visible_to(user)
        .filter(is_active=True, name__contains=name.strip())
        .select_related("volunteer_record")
        .order_by("name", "id")
    )


def points_for(hours) -> int:
    return int((hours or 0) * POINTS_PER_HOUR)


def hours_awaiting(user) -> QuerySet[VolunteerHours]:
    """Logged hours waiting for this organiser's confirmation."""
    return (
        VolunteerHours.objects.filter(activity__organiser=user, confirmed_at__isnull=True)
        .select_related("volunteer__resident", "activity")
        .order_by("served_on", "id")
    )
