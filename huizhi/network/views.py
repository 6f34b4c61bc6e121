"""The network pages: the console's tree and group page, the liaison's phone page of their group,
and the partner page of representatives and member units (with taking an item on)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.core.errors import http_status
from huizhi.network import selectors
from huizhi.network.permissions import (
    get_group_for_user,
    is_partner,
    liaison_groups_of,
    network_communities_of,
    partner_units_of,
    represents,
)
from huizhi.wall import services as wall_services


@permission_page("network.view_network")
def index(request):
    """The network of the user's communities; street-level users pick one (the first by default),
    since a whole street's tree is a long page nobody reads at once."""
    communities = list(network_communities_of(request.user).order_by("code"))
    chosen = [c for c in communities if c.code == request.GET.get("community", "")]
    shown = chosen or communities[:1]
    return render(
        request,
        "network/index.html",
        {
            "communities": communities,
            "chosen": shown[0] if shown else None,
            "trees": selectors.network_trees(shown),
        },
    )


@permission_page("network.view_network")
def group(request, pk: int):
    group = get_group_for_user(request.user, pk)
    return render(request, "network/group.html", selectors.group_page(group))


@permission_page("network.use_group_page")
def my_group(request):
    """The liaison's phone page of their group; one who liaises for several picks which (?group=)."""
    groups = list(liaison_groups_of(request.user).order_by("place__code", "name"))
    if (
        not groups
    ):  # an administrator passes every permission check (the menu offers the page), yet leads no group
        return render(request, "network/no_group.html")
    wanted = request.GET.get("group", "")
    if wanted:
        chosen = next((g for g in groups if str(g.pk) == wanted), None)
        if chosen is None:  # not theirs, or not a number: as if there were no such group
            raise Http404
    else:
        chosen = groups[0]
    meeting, invitation = selectors.liaison_next_meeting(request.user, chosen)
    return render(
        request,
        "network/my_group.html",
        {
            **selectors.group_page(chosen),
            "groups": groups,
            "next_meeting": meeting,
            "my_invitation": invitation,
        },
    )


def _projects_link(units) -> str:
    """The member units' lists (需求/资源/项目清单) live in the projects app; link them once it
    names the page (for the units of the account, or for one unit), and say nothing until then."""
    for args in ((), (units[0].pk,)):
        try:
            return reverse("projects:unit_lists", args=args)
        except NoReverseMatch:
            continue
    return ""


def _partner_page(request, status: int = 200, error: str = ""):
    user = request.user
    units = partner_units_of(user)
    upcoming, past = selectors.my_meetings(user)
    return render(
        request,
        "network/partner.html",
        {
            "units": units,
            "represents": represents(user),
            "takeable": selectors.takeable_posts(user, units),
            "claims": selectors.my_claims(user),
            "upcoming": upcoming,
            "past": past,
            "projects_link": _projects_link(units) if units else "",
            "error": error,
        },
        status=status,
    )


@permission_page("network.use_partner_page")
def partner(request):
    if not is_partner(request.user):  # an administrator passes every permission check, yet helps no one
        return render(request, "network/no_group.html", {"not_a_partner": True})
    return _partner_page(request)


@permission_page("network.use_partner_page")
@require_POST
def take_on(request, pk: int):
    """认领 from the partner page, through the wall's own claim (its rule, its event, its notice to
    the author); back to the page, where the item moves to "taken on"."""
    try:
        claim = wall_services.post_claim(actor=request.user, post_id=pk)
    except wall_services.WallError as error:
        if error.code == "not_allowed":
            raise PermissionDenied from error
        return _partner_page(request, status=http_status(error), error=error.message)
    messages.success(
        request,
        _("You took on “%(title)s”. Answer it from the item's page; the answer shows on the echo wall.")
        % {"title": claim.post.title},
    )
    return redirect("network:partner")
