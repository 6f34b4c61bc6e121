"""Who may see the registry, reveal personal data, import and review access (DESIGN §2, §6)."""

import rules
from django.db.models import QuerySet

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.registry.models import Household, Resident

# Roles that read the registry of their places; a building liaison sees only a roster (names, rooms).
READ_ROLES = (Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.STREET_ADMIN)
REVEAL_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)
IMPORT_ROLES = (Role.COMMUNITY_STAFF,)


def _role_scope(user, roles: tuple[str, ...], model, field: str = "place_code") -> QuerySet:
    if not getattr(user, "is_authenticated", False):
        return model.objects.none()
    scopes = scopes_of(user)
    return model.objects.filter(scopes.q(field, *roles)) if scopes.holds(*roles) else model.objects.none()


def residents_visible_to(user) -> QuerySet[Resident]:
    return _role_scope(user, READ_ROLES, Resident)


def households_visible_to(user) -> QuerySet[Household]:
    return _role_scope(user, READ_ROLES, Household)


def access_log_visible_to(user) -> QuerySet:
    """The street reviews every reveal and export that happened in its places."""
    from huizhi.registry.models import AccessLog

    return _role_scope(user, (Role.STREET_ADMIN,), AccessLog)


def importable_buildings(user):
    """Buildings whose residents the user may import: their communities' buildings."""
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place

    return _role_scope(user, IMPORT_ROLES, Place, "code").filter(kind=PlaceKind.BUILDING)


def import_jobs_visible_to(user) -> QuerySet:
    """The imports over places within the communities the user imports for (their own and their
    colleagues'); never another community's. Not "the ones I started": a job's rejected rows hold
    ID numbers, so an uploader moved to another community no longer reads them."""
    from huizhi.registry.models import ImportJob

    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    scopes = scopes_of(user)
    if not scopes.holds(*IMPORT_ROLES, roles_only=True):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(scopes.q("place_code", *IMPORT_ROLES, roles_only=True))


@rules.predicate
def can_view_registry(user) -> bool:
    return scopes_of(user).holds(*READ_ROLES)


@rules.predicate
def can_reveal_personal_data(user, resident: Resident) -> bool:
    """Staff over the resident's community (or the street) may reveal, with a reason that is logged."""
    return resident is not None and scopes_of(user).covers(resident.place_code, *REVEAL_ROLES)


@rules.predicate
def can_reveal_any(user) -> bool:
    return scopes_of(user).holds(*REVEAL_ROLES)


@rules.predicate
def can_import_registry(user) -> bool:
    # The role's own work (`roles_only`): a superuser without it is not offered the import.
    return scopes_of(user).holds(*IMPORT_ROLES, roles_only=True)


@rules.predicate
def can_review_access_log(user) -> bool:
    return scopes_of(user).holds(Role.STREET_ADMIN)


@rules.predicate
def can_view_group_roster(user) -> bool:
    return bool(scopes_of(user).group_ids)


def residency_claims_visible_to(user) -> QuerySet:
    from huizhi.registry.models import ResidencyClaim

    return _role_scope(user, (Role.COMMUNITY_STAFF,), ResidencyClaim)


def can_decide_claim(user, claim) -> bool:
    """Community staff over the claimed room confirm or reject it."""
    return claim is not None and scopes_of(user).covers(claim.place_code, Role.COMMUNITY_STAFF)


@rules.predicate
def can_confirm_residency(user) -> bool:
    return scopes_of(user).holds(Role.COMMUNITY_STAFF)


rules.add_perm("registry.confirm_residency", can_confirm_residency)
rules.add_perm("registry.view", can_view_registry)
rules.add_perm("registry.reveal", can_reveal_personal_data)
rules.add_perm("registry.reveal_any", can_reveal_any)
rules.add_perm("registry.import", can_import_registry)
rules.add_perm("registry.review_access", can_review_access_log)
rules.add_perm("registry.view_roster", can_view_group_roster)
