"""Reads the notices pages share."""

from django.db.models import QuerySet
from django.http import Http404

from huizhi.accounts.scopes import scopes_of
from huizhi.notices.models import NOTICE_PLACE_KINDS, Follow, Notice
from huizhi.notices.permissions import PUBLISHING_ROLES
from huizhi.places.codes import subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


def public_community(code: str) -> Place:
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY, code=code).first()
    if community is None:
        raise Http404
    return community


def current_notices(community: Place, limit: int = 100) -> list[Notice]:
    """The community's notices valid now, newest first: what the public list shows."""
    return list(
        Notice.objects.current()
        .filter(subtree_q(community.code, "place_code"))
        .select_related("place__parent")
        .order_by("-valid_from", "-id")[:limit]
    )


def console_notices(notices: QuerySet[Notice], query: str = "") -> QuerySet[Notice]:
    """The staff list, newest first; `query` words of the title."""
    if query:
        notices = notices.filter(title__icontains=query)
    return notices.select_related("place__parent", "author").order_by("-created_at", "-id")


def publishing_places(user) -> list[Place]:
    """Communities, grids and compounds the user may address a notice to (buildings are named
    within a compound on the form: a street has hundreds of them)."""
    scopes = scopes_of(user)
    kinds = [kind for kind in NOTICE_PLACE_KINDS if kind != PlaceKind.BUILDING]
    return list(
        Place.objects.filter(scopes.q("code", *PUBLISHING_ROLES), kind__in=kinds)
        .select_related("parent")
        .order_by("code")
    )


def follows_of(user) -> dict[int, Follow]:
    return {follow.place_id: follow for follow in Follow.objects.filter(user=user)}
