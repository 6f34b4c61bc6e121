"""Who reads the statistics, and over which places (DESIGN §2, §9).

The street leadership read their street (or district); community staff read their community.
Both may narrow to any community, grid or handling unit inside that; nothing outside it. An
integrating system reads the figures of its API key's place (GET /api/v1/stats/): it already reads
every case there, so the counts over them tell it nothing it could not count itself.
"""

import rules
from django.db.models import QuerySet

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import codes_q, is_within, scopes_of
from huizhi.api.clients import SystemClient
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

STATS_ROLES = (Role.STREET_ADMIN, Role.COMMUNITY_STAFF)
# The places a scope can be: the street and below it, down to a grid.
SCOPE_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID)


def stats_roots(user) -> tuple[str, ...]:
    """The place codes whose figures the user may read (roots of subtrees); () for nobody."""
    if isinstance(user, SystemClient):
        # A key holds no role, only its place (huizhi.api.clients): that place is its scope.
        return (user.key.place.code,)
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return tuple(
            Place.objects.filter(kind=PlaceKind.STREET).order_by("code").values_list("code", flat=True)
        )
    return tuple(sorted(scopes.codes_for(*STATS_ROLES)))


@rules.predicate
def can_view_stats(user) -> bool:
    return bool(stats_roots(user))


def stats_places_visible_to(user) -> QuerySet[Place]:
    """Places the user may ask figures for: their roots and the communities and grids below them."""
    roots = stats_roots(user)
    return Place.objects.filter(codes_q(roots), kind__in=SCOPE_KINDS)


def can_view_stats_of(user, code: str) -> bool:
    # Not Scopes.covers: a superuser's figures are those of the streets that exist, so the test runs
    # over stats_roots (a district code is no street's and stays refused).
    return any(is_within(code, root) for root in stats_roots(user))


rules.add_perm("stats.view", can_view_stats)


class ScopeRefused(Exception):
    """The scope asked for is not one the user may read (or does not exist); says which."""


def get_scope_for_user(user, code: str = "", unit_id: str = ""):
    """The Scope named by a place code (default: the user's first root) and an optional handling
    unit id, if the user may read it; ScopeRefused with a message otherwise. An unknown code and a
    code outside the user's places get the same answer, so a scope never leaks that a place exists."""
    from django.utils.translation import gettext as _

    from huizhi.places.models import Organisation
    from huizhi.stats.metrics import Scope

    roots = stats_roots(user)
    if not roots:
        # Nothing to read anywhere: say who reads figures, not that "" is not among one's places.
        raise ScopeRefused(
            _("The figures are read by the street leadership and community staff, over their own places.")
        )
    code = (code or roots[0]).strip()
    refused = ScopeRefused(
        _("You may read the figures of your own street or community only; “%(code)s” is not among them.")
        % {"code": code[:32]}
    )
    if not (code.isascii() and code.isdigit()) or not can_view_stats_of(user, code):
        raise refused
    place = Place.objects.filter(code=code, kind__in=SCOPE_KINDS).first()
    if place is None:
        raise refused
    unit = None
    if unit_id:
        unit_id = str(unit_id)
        # ASCII digits of a size a database key can hold ("²" is a digit to str.isdigit, not to int).
        well_formed = unit_id.isascii() and unit_id.isdigit() and len(unit_id) <= 9
        unit = Organisation.objects.filter(pk=int(unit_id)).first() if well_formed else None
        if unit is None:
            raise ScopeRefused(_("There is no such handling unit."))
    return Scope(place, unit)
