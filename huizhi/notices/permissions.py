"""Who may publish and withdraw notices, and which places a resident may follow.

Publishing is community staff's over their community and street leadership's over their street
(`roles_only` is not asked: a superuser may publish anywhere, as with other console work). Following
is for a signed-in resident, over the compound and building of a home the registry links to their
account: a notice or an item there concerns them, and a stranger cannot use follows to watch a
building they do not live in.
"""

import rules
from django.db.models import QuerySet
from django.http import Http404

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.notices.models import FOLLOW_PLACE_KINDS, NOTICE_PLACE_KINDS, Notice
from huizhi.places.models import Place
from huizhi.registry.models import Resident

PUBLISHING_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def can_publish_notice_at(user, place: Place | None) -> bool:
    """Community staff over `place`, or street leadership over it; only communities, grids,
    compounds and buildings take notices."""
    if not _authenticated(user) or place is None or place.kind not in NOTICE_PLACE_KINDS:
        return False
    return scopes_of(user).covers(place.code, *PUBLISHING_ROLES)


@rules.predicate
def can_publish_notices(user) -> bool:
    return _authenticated(user) and scopes_of(user).holds(*PUBLISHING_ROLES)


@rules.predicate
def can_withdraw_notice(user, notice: Notice | None) -> bool:
    if not _authenticated(user) or notice is None:
        return False
    return scopes_of(user).covers(notice.place_code, *PUBLISHING_ROLES)


def notices_visible_to(user) -> QuerySet[Notice]:
    """Notices in the places the user publishes for (all of them, for a superuser)."""
    if not _authenticated(user):
        return Notice.objects.none()
    return Notice.objects.filter(scopes_of(user).q("place_code", *PUBLISHING_ROLES))


def get_notice_for_user(user, pk: int) -> Notice:
    """The notice, or 404 both when there is none and when it lies outside the user's places."""
    notice = notices_visible_to(user).select_related("place").filter(pk=pk).first()
    if notice is None:
        raise Http404
    return notice


def home_units(user) -> list[Place]:
    """The household units the registry links to `user` (a resident account has one, at most)."""
    if not _authenticated(user):
        return []
    residents = Resident.objects.filter(account=user, is_active=True).select_related(
        "household__unit__parent__parent"
    )
    return [resident.household.unit for resident in residents]


def followable_places(user) -> list[Place]:
    """The compound and building of each of the user's homes."""
    places = []
    for unit in home_units(user):
        building = unit.parent
        for place in (building.parent, building):
            if place.kind in FOLLOW_PLACE_KINDS and place not in places:
                places.append(place)
    return places


def can_follow_place(user, place: Place | None) -> bool:
    return place is not None and any(p.pk == place.pk for p in followable_places(user))


@rules.predicate
def has_home(user) -> bool:
    return _authenticated(user) and Resident.objects.filter(account=user, is_active=True).exists()


rules.add_perm("notices.publish", can_publish_notices)
rules.add_perm("notices.withdraw_notice", can_withdraw_notice)
rules.add_perm("notices.follow", has_home)
