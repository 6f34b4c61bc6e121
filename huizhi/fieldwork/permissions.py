"""Who may patrol, visit, fix on the spot, read the logs and check the fixes.

Patrols, visits and fixes are the grid worker's own work, over their grids, so they ask
`roles_only`: a superuser reads every log but patrols no grid. The patrol log and the spot checks
are read by the staff over the places (community staff, street leadership, the discipline
commissioner); a spot check is verification, which the commissioner (who never edits) does not do.
Visit notes are personal data: they are read where the registry is (the grid worker of the
household's grid, the community's staff, the street), never by the commissioner nor the public.
"""

import rules
from django.db.models import QuerySet
from django.http import Http404

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.fieldwork.models import Patrol, SpotFix, Visit, VisitCadence
from huizhi.places.codes import is_within
from huizhi.places.kinds import PlaceKind

LOG_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN, Role.DISCIPLINE_COMMISSIONER)
# Spot checks verify the community's own field work; street leadership reads them (DESIGN §2).
CHECK_ROLES = (Role.COMMUNITY_STAFF,)
CADENCE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
# Who reads visit notes: the registry's readers.
VISIT_READ_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
# The places a check-in or a fix is at.
FIELD_PLACE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def worker_grid_codes(user) -> tuple[str, ...]:
    """The codes of the grids `user` works as a grid worker (none for anyone else, superusers too)."""
    if not _authenticated(user):
        return ()
    return tuple(sorted(scopes_of(user).codes_for(Role.GRID_WORKER)))


@rules.predicate
def is_grid_worker(user) -> bool:
    return bool(worker_grid_codes(user))


def works_at(user, code: str) -> bool:
    """Whether `code`'s place lies in one of the user's grids (as their grid worker)."""
    return _authenticated(user) and scopes_of(user).covers(code, Role.GRID_WORKER, roles_only=True)


def can_check_in(user, patrol: Patrol | None, place) -> bool:
    """The patrol's own worker, still over its grid, at a compound or building of that grid."""
    return (
        patrol is not None
        and place is not None
        and patrol.worker_id == getattr(user, "pk", None)
        and place.kind in FIELD_PLACE_KINDS
        and is_within(place.code, patrol.place_code)
        and works_at(user, place.code)
    )


@rules.predicate
def can_read_patrol_log(user) -> bool:
    return _authenticated(user) and scopes_of(user).holds(*LOG_ROLES)


def patrols_visible_to(user) -> QuerySet[Patrol]:
    """Patrols of the grids in the user's places (staff), and the worker's own."""
    if not _authenticated(user):
        return Patrol.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Patrol.objects.all()
    q = scopes.q("place_code", *LOG_ROLES) if scopes.holds(*LOG_ROLES) else None
    own = Patrol.objects.filter(worker=user)
    return own if q is None else Patrol.objects.filter(q) | own


def get_patrol_for_user(user, pk: int) -> Patrol:
    """The patrol, or 404 for none and for one outside the user's places alike."""
    patrol = patrols_visible_to(user).select_related("grid", "worker").filter(pk=pk).first()
    if patrol is None:
        raise Http404
    return patrol


@rules.predicate
def can_read_spot_checks(user) -> bool:
    return can_read_patrol_log(user)


def can_check_fix(user, fix: SpotFix | None) -> bool:
    """Staff over the fix's place; never the worker who made it (a check of one's own work is none)."""
    return (
        fix is not None
        and _authenticated(user)
        and fix.worker_id != user.pk
        and scopes_of(user).covers(fix.place_code, *CHECK_ROLES)
    )


def fixes_visible_to(user) -> QuerySet[SpotFix]:
    if not _authenticated(user):
        return SpotFix.objects.none()
    scopes = scopes_of(user)
    if not scopes.holds(*LOG_ROLES):
        return SpotFix.objects.none()
    return SpotFix.objects.filter(scopes.q("place_code", *LOG_ROLES))


def can_log_visit(user, household) -> bool:
    """The grid worker of the household's grid."""
    return household is not None and works_at(user, household.place_code)


def visits_visible_to(user) -> QuerySet[Visit]:
    """Visits (and so their notes) in the places where the user reads the registry."""
    if not _authenticated(user):
        return Visit.objects.none()
    scopes = scopes_of(user)
    if not scopes.holds(*VISIT_READ_ROLES):
        return Visit.objects.none()
    return Visit.objects.filter(scopes.q("place_code", *VISIT_READ_ROLES))


@rules.predicate
def can_set_cadences(user) -> bool:
    return _authenticated(user) and scopes_of(user).holds(*CADENCE_ROLES)


def can_set_cadence_for(user, community) -> bool:
    return (
        community is not None
        and community.kind == PlaceKind.COMMUNITY
        and _authenticated(user)
        and scopes_of(user).covers(community.code, *CADENCE_ROLES)
    )


def cadences_visible_to(user) -> QuerySet[VisitCadence]:
    if not _authenticated(user):
        return VisitCadence.objects.none()
    scopes = scopes_of(user)
    if not scopes.holds(*CADENCE_ROLES):
        return VisitCadence.objects.none()
    return VisitCadence.objects.filter(scopes.q("place_code", *CADENCE_ROLES))


rules.add_perm("fieldwork.patrol", is_grid_worker)
rules.add_perm("fieldwork.visit", is_grid_worker)
rules.add_perm("fieldwork.read_patrol_log", can_read_patrol_log)
rules.add_perm("fieldwork.read_spot_checks", can_read_spot_checks)
rules.add_perm("fieldwork.set_cadences", can_set_cadences)
