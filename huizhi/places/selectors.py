"""Reads of the place tree that pages, the API and statistics share."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr

from huizhi.places import gridindex
from huizhi.places.codes import CODE_RULES, codes_q, is_within
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place

COMMUNITY_CODE_LENGTH = CODE_RULES[PlaceKind.COMMUNITY][1]
_WIDE_PLACES = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)


def served_root(organisation: Organisation) -> str:
    """The code under which lie the communities `organisation` serves (a 大党委 member unit, a
    studio): its place when that is a district, street or community; otherwise the community its
    place is in. One rule for what a unit may take on from the wall and from the needs list."""
    place = organisation.place
    if place.kind in _WIDE_PLACES:
        return place.code
    return place.ancestor_code(PlaceKind.COMMUNITY) or place.code


def serves(organisation: Organisation, code: str) -> bool:
    return is_within(code, served_root(organisation))


def grid_for_point(lon: float, lat: float) -> Place | None:
    """The grid whose polygon contains the point, or None (it then goes to the community/street queue).

    From the in-memory index and its rows: no query (the rows are as fresh as the index, rebuilt
    whenever a grid changes, in every process)."""
    return gridindex.current_index().place_at(lon, lat)


@dataclass
class CommunityCounts:
    community: Place
    grids: int = 0
    branches: int = 0
    compounds_with_property: int = 0
    compounds_without_property: int = 0

    @property
    def compounds(self) -> int:
        return self.compounds_with_property + self.compounds_without_property


@dataclass
class StreetOverview:
    street: Place
    communities: list[CommunityCounts] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for row in self.communities)

    @property
    def grids(self) -> int:
        return self.total("grids")

    @property
    def branches(self) -> int:
        return self.total("branches")

    @property
    def compounds_with_property(self) -> int:
        return self.total("compounds_with_property")

    @property
    def compounds_without_property(self) -> int:
        return self.total("compounds_without_property")


def street_overviews(roots: Sequence[str] | None) -> list[StreetOverview]:
    """Per street, per community: grids, party branches and compounds with/without a property
    company — counting only what lies in the subtrees under `roots` (None: the whole tree; empty:
    nothing). Four queries whatever the size.

    It takes codes, not a user: the place tree sits below accounts, so the page that knows whose
    roles these are (accounts/place_views.py) passes their roots in."""
    scope = Q() if roots is None else codes_q(roots)
    by_community = Substr("code", 1, COMMUNITY_CODE_LENGTH)
    # A community shows when it is in scope or holds a scope root (a grid worker's grid). With no
    # limit the scope is an empty Q, and `Q() | q` is just q: so no union then.
    holding = {root[:COMMUNITY_CODE_LENGTH] for root in roots or ()}
    communities = list(
        Place.objects.filter(
            scope if roots is None else scope | Q(code__in=holding), kind=PlaceKind.COMMUNITY
        )
        .select_related("parent")
        .order_by("code")
    )
    rows = {c.code: CommunityCounts(community=c) for c in communities}

    grids = Place.objects.filter(scope, kind=PlaceKind.GRID).annotate(cc=by_community).values("cc")
    for row in grids.annotate(n=Count("id")):
        if row["cc"] in rows:
            rows[row["cc"]].grids = row["n"]

    compounds = (
        Place.objects.filter(scope, kind=PlaceKind.COMPOUND)
        .annotate(cc=by_community)
        .values("cc")
        .annotate(
            with_property=Count("id", filter=Q(has_property_company=True)),
            without_property=Count("id", filter=~Q(has_property_company=True)),
        )
    )
    for row in compounds:
        if row["cc"] in rows:
            rows[row["cc"]].compounds_with_property = row["with_property"]
            rows[row["cc"]].compounds_without_property = row["without_property"]

    branches = (
        Organisation.objects.filter(
            Q() if roots is None else codes_q(roots, "place__code"), kind=OrganisationKind.GRID_PARTY_BRANCH
        )
        .annotate(cc=Substr("place__code", 1, COMMUNITY_CODE_LENGTH))
        .values("cc")
        .annotate(n=Count("id"))
    )
    for row in branches:
        if row["cc"] in rows:
            rows[row["cc"]].branches = row["n"]

    overviews: dict[int, StreetOverview] = {}
    for community in communities:
        overview = overviews.setdefault(community.parent_id, StreetOverview(street=community.parent))
        overview.communities.append(rows[community.code])
    return list(overviews.values())


def compounds_in(place: Place):
    return Place.objects.within(place).filter(kind=PlaceKind.COMPOUND).select_related("property_company")


def grid_map_config(grids, *, links: bool = True, pick_form: str = "") -> dict:
    """What static/huizhi/js/map.js needs: the polygons (linked to each grid's page for staff),
    the tile server if there is one, and the form a tap fills in (the residents' post form)."""
    from django.conf import settings
    from django.urls import reverse

    def properties(grid) -> dict:
        if not links:
            return {}
        return {"code": grid.code, "name": grid.name, "url": reverse("places:grid_detail", args=[grid.code])}

    config = {
        "tileUrl": settings.HUIZHI_TILE_URL,
        "tileAttribution": settings.HUIZHI_TILE_ATTRIBUTION,
        "features": [
            {"type": "Feature", "geometry": grid.boundary, "properties": properties(grid)}
            for grid in grids
            if grid.boundary
        ],
    }
    if pick_form:
        config["pickForm"] = pick_form
    return config
