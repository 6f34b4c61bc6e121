"""Who sees which places. These read a user's roles, so they live here and not in `places`: the
place tree sits below accounts and knows codes, never users (huizhi/site/tests/test_layers.py)."""

import rules
from django.db.models import QuerySet

from huizhi.accounts.scopes import code_in_scope, place_scope_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place


@rules.predicate
def can_view_place(user, place: Place) -> bool:
    """A place is visible to whoever holds a role over it or any place above it."""
    return place is not None and code_in_scope(user, place.code)


def places_visible_to(user) -> QuerySet[Place]:
    return Place.objects.filter(place_scope_q(user))


def grids_visible_to(user) -> QuerySet[Place]:
    return places_visible_to(user).filter(kind=PlaceKind.GRID)


def organisations_visible_to(user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(place_scope_q(user, "place__code"))


# The permission keeps its app's name: it is about places, whoever registers it.
rules.add_perm("places.view_place", can_view_place)


PICKABLE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)


def pickable_places(user, kinds=PICKABLE_KINDS) -> QuerySet[Place]:
    """The compounds and buildings a person may name when filing or posting: those of their scope,
    else (a resident, a unit's account) every one — a problem can be anywhere in the street."""
    visible = places_visible_to(user).filter(kind__in=kinds)
    if not visible.exists():
        visible = Place.objects.filter(kind__in=kinds)
    return visible.select_related("parent").order_by("code")
