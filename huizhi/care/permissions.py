"""Who may see and run which care service (DESIGN §2, §7).

- A service operator sees and runs only the facilities of its own organisation.
- Community staff run the watch, childcare, summer class and volunteers of their community, and
  read (and file home-service requests for) their community's elderly care station.
- A grid worker sees the watch entries of their grids; a watcher those they watch.
- Street leadership reads everything in the street and changes nothing.

Every `<entities>_visible_to(user)` answers a QuerySet; `can_*` predicates are registered with rules.
"""

import rules
from django.db.models import Q, QuerySet

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.care.kinds import AlertKind
from huizhi.care.models import (
    CareAlert,
    CareStation,
    ChildcareCentre,
    SummerTerm,
    Volunteer,
    VolunteerActivity,
    WatchedResident,
)

STAFF = (Role.COMMUNITY_STAFF,)
READERS = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
WATCH_READERS = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN, Role.GRID_WORKER)


def _authenticated(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _operates(user, organisation_id) -> bool:
    return organisation_id is not None and organisation_id in scopes_of(user).organisations_for(
        Role.SERVICE_OPERATOR
    )


def _scoped(user, model, roles, field: str, operator_field: str | None = None) -> QuerySet:
    if not _authenticated(user):
        return model.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:  # before the OR below, which would drop the superuser's empty Q
        return model.objects.all()
    orgs = scopes.organisations_for(Role.SERVICE_OPERATOR) if operator_field else frozenset()
    if not scopes.holds(*roles) and not orgs:
        return model.objects.none()
    q = scopes.q(field, *roles)
    if orgs:
        q |= Q(**{f"{operator_field}__in": orgs})
    return model.objects.filter(q)


# --- elderly care station -------------------------------------------------------------------------


def stations_visible_to(user) -> QuerySet[CareStation]:
    return _scoped(user, CareStation, READERS, "community_code", "operator_id")


def _reads_facilities(user) -> bool:
    """From the roles alone (no query: the navigation asks this on every page)."""
    scopes = scopes_of(user)
    return scopes.holds(*READERS) or bool(scopes.organisations_for(Role.SERVICE_OPERATOR))


@rules.predicate
def can_view_stations(user) -> bool:
    return _reads_facilities(user)


@rules.predicate
def can_run_station(user, station: CareStation) -> bool:
    """The station's own operator runs its sessions, enrolments and attendance."""
    return _authenticated(user) and (scopes_of(user).sees_everything or _operates(user, station.operator_id))


@rules.predicate
def can_request_home_service(user, station: CareStation) -> bool:
    return can_run_station(user, station) or scopes_of(user).covers(station.community_code, *STAFF)


def can_request_home_service_for(user, station: CareStation, resident) -> bool:
    """Those who request from the station for anyone, and the grid worker of the resident's grid
    (a need met on a household visit); the request then waits for the community's staff."""
    return can_request_home_service(user, station) or scopes_of(user).covers(
        resident.place_code, Role.GRID_WORKER, roles_only=True
    )


# --- empty-nest watch -----------------------------------------------------------------------------


def watched_visible_to(user) -> QuerySet[WatchedResident]:
    """Staff and street leadership: their places; grid workers: their grids; watchers: whom they watch."""
    if not _authenticated(user):
        return WatchedResident.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return WatchedResident.objects.all()
    q = Q(pk__in=_watching_ids(user)) | scopes.q("place_code", *WATCH_READERS)
    return WatchedResident.objects.filter(q)


def _watching_ids(user):
    from huizhi.care.models import Watcher

    return Watcher.objects.filter(user=user).values("watched_id")


def alerts_visible_to(user) -> QuerySet[CareAlert]:
    """Alerts of the user's places (grid workers: their grids), of whom they watch, and — for a
    childcare operator — of their centres."""
    if not _authenticated(user):
        return CareAlert.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return CareAlert.objects.all()
    q = Q(watched_id__in=_watching_ids(user)) | scopes.q("place_code", *WATCH_READERS)
    if orgs := scopes.organisations_for(Role.SERVICE_OPERATOR):
        q |= Q(enrolment__klass__centre__operator_id__in=orgs)
    return CareAlert.objects.filter(q)


@rules.predicate
def can_view_watch(user) -> bool:
    return scopes_of(user).holds(*WATCH_READERS)


@rules.predicate
def can_manage_watch(user, code: str | None = None) -> bool:
    """Community staff build the watch list and assign watchers (over `code` when given)."""
    scopes = scopes_of(user)
    return scopes.holds(*STAFF) if code is None else scopes.covers(code, *STAFF)


def keeps_watch_over(user, code: str) -> bool:
    """Community staff and grid workers keep the watch of their places (and may learn whether
    someone there is watched); a watcher only of the elders they watch."""
    return _authenticated(user) and scopes_of(user).covers(code, Role.COMMUNITY_STAFF, Role.GRID_WORKER)


@rules.predicate
def can_log_contact(user, watched: WatchedResident) -> bool:
    if not _authenticated(user):
        return False
    if keeps_watch_over(user, watched.place_code):
        return True
    return watched.watchers.filter(user=user).exists()


def _resident_flags(user) -> dict:
    """Whether a user without staff roles is a registered resident and watches anyone: one query,
    kept on the user for the request (the navigation asks on every page)."""
    cached = getattr(user, "_huizhi_care_flags", None)
    if cached is None:
        from django.db.models import Exists, OuterRef

        from huizhi.accounts.models import User
        from huizhi.care.models import Watcher
        from huizhi.registry.models import Resident

        cached = (
            User.objects.filter(pk=user.pk)
            .annotate(
                care_is_resident=Exists(Resident.objects.filter(account=OuterRef("pk"), is_active=True)),
                care_watching=Exists(Watcher.objects.filter(user=OuterRef("pk"))),
            )
            .values("care_is_resident", "care_watching")
            .first()
        ) or {"care_is_resident": False, "care_watching": False}
        user._huizhi_care_flags = cached
    return cached


def _has_staff_roles(user) -> bool:
    scopes = scopes_of(user)
    return scopes.sees_everything or bool(scopes.roles - {Role.BUILDING_LIAISON})


@rules.predicate
def can_use_watch_phone(user) -> bool:
    """The watcher's phone page: grid workers, and residents who watch someone."""
    if not _authenticated(user):
        return False
    # The grid worker's own tool (`roles_only`); a superuser is a staff account, so the residents'
    # branch below refuses them too.
    if scopes_of(user).holds(Role.GRID_WORKER, roles_only=True):
        return True
    return not _has_staff_roles(user) and _resident_flags(user)["care_watching"]


# --- childcare, summer class, volunteers --------------------------------------------------------------


def centres_visible_to(user) -> QuerySet[ChildcareCentre]:
    return _scoped(user, ChildcareCentre, READERS, "community_code", "operator_id")


@rules.predicate
def can_view_childcare(user) -> bool:
    return _reads_facilities(user)


@rules.predicate
def can_run_childcare(user, centre: ChildcareCentre) -> bool:
    return scopes_of(user).covers(centre.community_code, *STAFF) or _operates(user, centre.operator_id)


@rules.predicate
def can_clear_alert(user, alert: CareAlert) -> bool:
    """An unauthorised pick-up alert is acknowledged by whoever runs the child's centre."""
    if alert.kind != AlertKind.UNAUTHORISED_PICKUP or alert.enrolment_id is None:
        return False
    return can_run_childcare(user, alert.enrolment.klass.centre)


def terms_visible_to(user) -> QuerySet[SummerTerm]:
    return _scoped(user, SummerTerm, READERS, "community_code")


@rules.predicate
def can_view_summer(user) -> bool:
    return scopes_of(user).holds(*READERS)


@rules.predicate
def can_run_summer(user, term: SummerTerm) -> bool:
    return scopes_of(user).covers(term.community_code, *STAFF)


def volunteers_visible_to(user) -> QuerySet[Volunteer]:
    return _scoped(user, Volunteer, READERS, "place_code")


def activities_visible_to(user) -> QuerySet[VolunteerActivity]:
    return _scoped(user, VolunteerActivity, READERS, "community_code")


@rules.predicate
def can_view_volunteers(user) -> bool:
    return scopes_of(user).holds(*READERS)


def communities_to_organise(user) -> QuerySet:
    """The communities whose volunteer activities the user may organise: those they are staff of;
    every community for an administrator."""
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place

    scopes = scopes_of(user)
    if not _authenticated(user):
        return Place.objects.none()
    if scopes.sees_everything:
        return Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code")
    return Place.objects.filter(code__in=scopes.codes_for(*STAFF)).order_by("code")


def must_choose_community(user) -> bool:
    """Whether the user organises for more than their one community (from the roles, no query)."""
    scopes = scopes_of(user)
    return scopes.sees_everything or len(scopes.codes_for(*STAFF)) > 1


ADULT_AGE = 18


def may_enrol_as_parent(parent, child, today) -> bool:
    """An adult (18+) of the child's household who, where the registry records both relationships
    to the head, is of an older generation than the child (a parent or grandparent, not a sibling)."""
    from huizhi.registry.models import Resident
    from huizhi.registry.tags import age

    if parent.pk == child.pk or parent.household_id != child.household_id:
        return False
    if age(parent.birth_date, today) < ADULT_AGE:
        return False
    # The registry records each resident's relationship to the head, not to one another, so the
    # generation is counted from the head; OTHER (the default) is unknown and not held against anyone.
    relationship = Resident.Relationship
    generation = {
        relationship.PARENT: 1,
        relationship.HEAD: 0,
        relationship.SPOUSE: 0,
        relationship.CHILD: -1,
        relationship.GRANDCHILD: -2,
    }
    elder, younger = generation.get(parent.relationship), generation.get(child.relationship)
    return elder is None or younger is None or elder > younger


@rules.predicate
def can_manage_volunteers(user, code: str | None = None) -> bool:
    scopes = scopes_of(user)
    return scopes.holds(*STAFF) if code is None else scopes.covers(code, *STAFF)


# --- residents --------------------------------------------------------------------------------------


def resident_of(user):
    """The registry record a signed-in resident's account is linked to, or None."""
    if not _authenticated(user):
        return None
    from huizhi.registry.models import Resident

    return Resident.objects.filter(account=user, is_active=True).first()


@rules.predicate
def can_use_resident_page(user) -> bool:
    """Signed-in residents whose account is linked to the registry (not staff accounts)."""
    return _authenticated(user) and not _has_staff_roles(user) and _resident_flags(user)["care_is_resident"]


rules.add_perm("care.view_stations", can_view_stations)
rules.add_perm("care.run_station", can_run_station)
rules.add_perm("care.request_home_service", can_request_home_service)
rules.add_perm("care.view_watch", can_view_watch)
rules.add_perm("care.manage_watch", can_manage_watch)
rules.add_perm("care.log_contact", can_log_contact)
rules.add_perm("care.use_watch_phone", can_use_watch_phone)
rules.add_perm("care.view_childcare", can_view_childcare)
rules.add_perm("care.run_childcare", can_run_childcare)
rules.add_perm("care.clear_alert", can_clear_alert)
rules.add_perm("care.view_summer", can_view_summer)
rules.add_perm("care.run_summer", can_run_summer)
rules.add_perm("care.view_volunteers", can_view_volunteers)
rules.add_perm("care.manage_volunteers", can_manage_volunteers)
rules.add_perm("care.use_resident_page", can_use_resident_page)
