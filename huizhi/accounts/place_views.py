"""The place tree's console and phone pages (URL namespace `places`, templates in places/).

They live in accounts, not in places, because each one starts from the signed-in user's roles
(who may enter, which places they reach), and the place tree stands below accounts: places keeps
the codes, the counting and the map (places/selectors.py), and this module hands it the user's
scope roots. Moving the pages up was simpler and more honest than letting places call back into
accounts through a registered hook."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from huizhi.accounts.decorators import console_page, phone_page
from huizhi.accounts.place_permissions import PICKABLE_KINDS, grids_visible_to, pickable_places
from huizhi.accounts.scopes import scopes_of
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Place
from huizhi.places.search import nearest_places, search_places
from huizhi.places.selectors import compounds_in, grid_map_config, street_overviews


@console_page
def overview(request):
    scopes = scopes_of(request.user)
    roots = None if scopes.sees_everything else scopes.place_codes
    return render(request, "places/overview.html", {"overviews": street_overviews(roots)})


@console_page
def grids(request):
    grids = list(grids_visible_to(request.user).select_related("parent").order_by("code"))
    return render(request, "places/grids.html", {"grids": grids, "map_config": grid_map_config(grids)})


def _get_grid_for_user(user, code: str) -> Place:
    """The grid, or 404 both when there is none and when it is outside the user's scope."""
    grid = grids_visible_to(user).select_related("parent").filter(code=code).first()
    if grid is None:
        raise Http404
    return grid


@console_page
def grid_detail(request, code: str):
    grid = _get_grid_for_user(request.user, code)
    context = {
        "grid": grid,
        "compounds": compounds_in(grid),
        "branch": grid.organisations.filter(kind=OrganisationKind.GRID_PARTY_BRANCH).first(),
        "workers": grid.role_assignments.select_related("user").order_by("user__full_name"),
        "map_config": grid_map_config([grid]),
    }
    return render(request, "places/grid_detail.html", context)


@phone_page
def my_grids(request):
    grids = grids_visible_to(request.user).order_by("code")
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, parent__in=grids).order_by("code")
    by_grid: dict[int, list[Place]] = {}
    for compound in compounds:
        by_grid.setdefault(compound.parent_id, []).append(compound)
    rows = [(grid, by_grid.get(grid.id, [])) for grid in grids]
    return render(request, "places/my_grids.html", {"rows": rows})


def _float_or_none(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and low <= number <= high else None


@login_required
@require_GET
def place_search(request):
    """Compounds and buildings by typed name (`q`) or by the phone's point (`lon`, `lat`), for the
    place picker on the report, wall and home forms. `scope=all` searches the whole tree (the wall,
    a resident's home); otherwise the places this person may file for. Names only, no people."""
    kinds = [PlaceKind.BUILDING] if request.GET.get("kinds") == "building" else list(PICKABLE_KINDS)
    places = (
        Place.objects.filter(kind__in=kinds)
        if request.GET.get("scope") == "all"
        else pickable_places(request.user, kinds)
    )
    lon = _float_or_none(request.GET.get("lon"), -180, 180)
    lat = _float_or_none(request.GET.get("lat"), -90, 90)
    if lon is not None and lat is not None:
        found = nearest_places(places, lon, lat)
        results = [{"id": p.pk, "label": p.label, "metres": m} for p, m in found]
    else:
        results = [{"id": p.pk, "label": p.label} for p in search_places(places, request.GET.get("q", ""))]
    return JsonResponse({"results": results})
