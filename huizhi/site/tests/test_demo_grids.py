"""The demo street's grids look like a street's (issue 15): irregular polygons that still tile the
street with no gap and no overlap, each compound and building inside its own grid by the app's
own rule (grid_for_point), every polygon a valid GeoJSON Polygon the maps and the index read."""

import pytest
import shapely
from shapely.geometry import shape

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from huizhi.site.demo.places import COMMUNITIES, GRIDS_PER_COMMUNITY, STREET

pytestmark = pytest.mark.django_db

AREA_TOLERANCE = 1e-12  # square degrees: the demo street is about 1.1e-3; a metre² is about 8e-11


def street_grids() -> list[Place]:
    return list(Place.objects.filter(kind=PlaceKind.GRID, code__startswith=STREET[0]).order_by("code"))


def ring(grid: Place) -> list[tuple[float, float]]:
    return [(x, y) for x, y in grid.boundary["coordinates"][0]]


def signed_area(points: list[tuple[float, float]]) -> float:
    """The shoelace formula over a closed ring: positive when it runs counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)) / 2


def test_the_street_has_its_78_grids():
    assert len(street_grids()) == len(COMMUNITIES) * GRIDS_PER_COMMUNITY == 78


def test_every_compound_and_building_lies_in_its_own_grid_by_grid_for_point():
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=STREET[0])
    buildings = Place.objects.filter(kind=PlaceKind.BUILDING, code__startswith=STREET[0])
    assert compounds.count() == 160
    assert buildings.count() > 160
    misplaced = [
        (place.name, place.lon, place.lat)
        for place in compounds.select_related("parent")
        if grid_for_point(place.lon, place.lat) != place.parent
    ]
    misplaced += [
        (f"{place.parent.name}{place.name}", place.lon, place.lat)
        for place in buildings.select_related("parent__parent")
        if grid_for_point(place.lon, place.lat) != place.parent.parent
    ]
    assert misplaced == []


def test_every_grid_is_a_valid_closed_counter_clockwise_geojson_polygon():
    for grid in street_grids():
        boundary = grid.boundary
        assert boundary["type"] == "Polygon", grid.name
        assert len(boundary["coordinates"]) == 1, grid.name  # one ring: no holes
        points = ring(grid)
        assert len(points) >= 4 and points[0] == points[-1], grid.name
        assert len(set(points[:-1])) == len(points) - 1, grid.name  # no vertex twice
        assert signed_area(points) > 0, grid.name  # counter-clockwise, as RFC 7946 asks
        polygon = shape(boundary)
        assert polygon.is_valid, (grid.name, shapely.is_valid_reason(polygon))


def test_the_grids_tile_the_street_with_no_gap_and_no_overlap():
    grids = street_grids()
    points = [point for grid in grids for point in ring(grid)]
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)

    # Every edge of every grid is either on the street's outline or is run the other way by
    # exactly one neighbour: neighbours hold the same points along the edge they share.
    edges: dict[tuple, list[str]] = {}
    for grid in grids:
        path = ring(grid)
        for start, end in zip(path, path[1:], strict=False):
            edges.setdefault((start, end), []).append(grid.name)
    for (start, end), names in edges.items():
        assert len(names) == 1, (start, end, names)  # no edge run twice the same way: no overlap
        on_outline = (start[0] == end[0] and start[0] in (west, east)) or (
            start[1] == end[1] and start[1] in (south, north)
        )
        if not on_outline:
            assert (end, start) in edges, (names[0], start, end)

    # The areas add up to the street's rectangle: no hole inside the outline.
    total = sum(signed_area(ring(grid)) for grid in grids)
    assert total == pytest.approx((east - west) * (north - south), abs=AREA_TOLERANCE)

    # And, as the index sees them, no two polygons share more than a line.
    polygons = [shape(grid.boundary) for grid in grids]
    tree = shapely.STRtree(polygons)
    for i, polygon in enumerate(polygons):
        for j in tree.query(polygon):
            if j > i:
                overlap = polygon.intersection(polygons[j]).area
                assert overlap < AREA_TOLERANCE, (grids[i].name, grids[j].name, overlap)


def test_the_grids_are_not_all_one_shape():
    grids = street_grids()
    many_sided = [grid for grid in grids if len(set(ring(grid)[:-1])) > 4]
    assert len(many_sided) > len(grids) / 2

    # Shapes compared after moving each grid's first vertex to the origin: most are their own.
    def outline(grid: Place) -> tuple:
        (x0, y0), *rest = ring(grid)
        return tuple((round(x - x0, 6), round(y - y0, 6)) for x, y in rest)

    assert len({outline(grid) for grid in grids}) > len(grids) / 2

    areas = [signed_area(ring(grid)) for grid in grids]
    assert max(areas) > 1.2 * min(areas)
