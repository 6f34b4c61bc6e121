"""Who sees the self-governance network and the helpers' own pages (DESIGN §2, §8).

- The network (`/console/network/`): community staff, the discipline commissioner and street
  leadership, each over the communities their roles cover; a group page only inside that scope.
- The group's phone page (`/m/group/`): the building liaison (中心党员户) of that group, no one else;
  the groups come from their roles, so a group id they do not hold answers 404.
- The partner page (`/me/partner/`): 两代表一委员 and the accounts of the 大党委's member units. Both
  are the role's own work (`roles_only`): a superuser holding neither has no such page.
"""

import rules
from django.db.models import QuerySet
from django.http import Http404

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Organisation, Place
from huizhi.wall.permissions import member_units_of

# Roles that read a community's network: who runs it, who supervises it, and the street above.
NETWORK_ROLES = (Role.COMMUNITY_STAFF, Role.DISCIPLINE_COMMISSIONER, Role.STREET_ADMIN)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


@rules.predicate
def can_view_network(user) -> bool:
    """Read off the roles alone (no query), so the navigation may ask it on every page."""
    return _authenticated(user) and scopes_of(user).holds(*NETWORK_ROLES)


def network_communities_of(user) -> QuerySet[Place]:
    """The communities whose network the user reads: their own for staff and a community's
    commissioner, every one of the street for the street's leadership (and its commissioner)."""
    if not can_view_network(user):
        return Place.objects.none()
    return Place.objects.filter(kind=PlaceKind.COMMUNITY).filter(scopes_of(user).q("code", *NETWORK_ROLES))


def groups_visible_to(user) -> QuerySet[Group]:
    if not can_view_network(user):
        return Group.objects.none()
    return Group.objects.filter(scopes_of(user).q("place__code", *NETWORK_ROLES))


def get_group_for_user(user, pk: int) -> Group:
    """The group, or 404 both when there is none and when it lies outside the user's communities."""
    group = (
        groups_visible_to(user)
        .select_related("place__parent", "region", "central_household")
        .filter(pk=pk)
        .first()
    )
    if group is None:
        raise Http404
    return group


@rules.predicate
def leads_a_group(user) -> bool:
    """A building liaison: the only role held over a self-governance group."""
    return (
        _authenticated(user)
        and Role.BUILDING_LIAISON in scopes_of(user).roles
        and bool(scopes_of(user).group_ids)
    )


def liaison_groups_of(user) -> QuerySet[Group]:
    """The groups the user liaises for, in the order of their places."""
    if not leads_a_group(user):
        return Group.objects.none()
    return Group.objects.filter(pk__in=scopes_of(user).group_ids).select_related(
        "place__parent", "region", "central_household"
    )


def partner_units_of(user) -> list[Organisation]:
    """The 大党委 member units the user acts for; no query for those without a unit role."""
    if not _authenticated(user) or not scopes_of(user).organisations_for(Role.HANDLING_UNIT):
        return []
    return member_units_of(user)


def represents(user) -> bool:
    """A deputy or committee member (两代表一委员) over some place, in their own right."""
    return _authenticated(user) and scopes_of(user).holds(Role.REPRESENTATIVE, roles_only=True)


@rules.predicate
def is_partner(user) -> bool:
    """Whom the partner page serves: representatives and member units. A repair crew or a property
    company also works as a handling unit; it is not a partner of the 大党委."""
    return represents(user) or bool(partner_units_of(user))


rules.add_perm("network.view_network", can_view_network)
rules.add_perm("network.use_group_page", leads_a_group)
rules.add_perm("network.use_partner_page", is_partner)
