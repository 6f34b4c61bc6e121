"""Roles and what each is held over (DESIGN §2). The one table that says which scope a role needs."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from huizhi.places.kinds import PlaceKind


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")
    BUILDING_LIAISON = "building_liaison", _("building liaison")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    DISCIPLINE_COMMISSIONER = "discipline_commissioner", _("discipline commissioner")
    HANDLING_UNIT = "handling_unit", _("handling unit")
    REPRESENTATIVE = "representative", _("representative")
    SERVICE_OPERATOR = "service_operator", _("service operator")
    STREET_ADMIN = "street_admin", _("street leadership")


@dataclass(frozen=True)
class ScopeRule:
    holder: str  # which field of RoleAssignment holds the scope: "place", "organisation" or "group"
    place_kinds: tuple[str, ...] = ()


ROLE_SCOPES: dict[str, ScopeRule] = {
    Role.GRID_WORKER: ScopeRule("place", (PlaceKind.GRID,)),
    Role.BUILDING_LIAISON: ScopeRule("group"),
    Role.COMMUNITY_STAFF: ScopeRule("place", (PlaceKind.COMMUNITY,)),
    Role.DISCIPLINE_COMMISSIONER: ScopeRule("place", (PlaceKind.COMMUNITY, PlaceKind.STREET)),
    Role.HANDLING_UNIT: ScopeRule("organisation"),
    Role.REPRESENTATIVE: ScopeRule("place", (PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.DISTRICT)),
    Role.SERVICE_OPERATOR: ScopeRule("organisation"),
    Role.STREET_ADMIN: ScopeRule("place", (PlaceKind.STREET, PlaceKind.DISTRICT)),
}

# Roles that work in the staff console (the others use phone pages or the public site).
CONSOLE_ROLES = frozenset(ROLE_SCOPES) - {Role.BUILDING_LIAISON}
