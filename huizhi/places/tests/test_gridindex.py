"""Point → grid (DESIGN §3): the grid whose polygon holds the point, from an index, not a scan."""

import io
import random

import pytest
from django.core.cache import cache
from django.core.management import call_command

from huizhi.places import gridindex
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from huizhi.places.services import place_create
from huizhi.places.tests.test_geojson import NEW_CODE, NEW_LAT, NEW_LON, collection, feature, square

pytestmark = pytest.mark.django_db


def cell(code: str) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a demo grid, read from its stored boundary."""
    ring = Place.objects.get(code=code).boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def at(code: str, fx: float, fy: float) -> tuple[float, float]:
    """The point at fractions (fx, fy) across a demo grid's cell from its south-west corner."""
    west, south, east, north = cell(code)
    return west + fx * (east - west), south + fy * (north - south)


def import_file(tmp_path, content: str) -> None:
    path = tmp_path / "grids.geojson"
    path.write_text(content, encoding="utf-8")
    call_command("import_grids", str(path), stdout=io.StringIO())


@pytest.mark.parametrize(
    "code, fx, fy",
    [
        ("341102001001001", 0.5, 0.5),  # the south-west corner of the lattice
        ("341102001001002", 0.01, 0.5),  # just east of grid 001's edge
        ("341102001003007", 0.1, 0.9),
        ("341102001004010", 0.75, 0.25),
        ("341102001006013", 0.99, 0.99),  # the north-east corner of the lattice
        ("341102001006001", 0.02, 0.98),
    ],
)
def test_a_point_inside_a_grid_finds_that_grid(code, fx, fy):
    grid = grid_for_point(*at(code, fx, fy))
    assert grid is not None
    assert grid.code == code
    assert grid.kind == PlaceKind.GRID


def test_the_centre_of_every_demo_grid_finds_its_own_grid():
    grids = Place.objects.filter(kind=PlaceKind.GRID)
    assert grids.count() == 78
    found = {grid.code: getattr(grid_for_point(*at(grid.code, 0.5, 0.5)), "code", None) for grid in grids}
    assert found == {code: code for code in found}


@pytest.mark.parametrize(
    "lon, lat",
    [
        (0.0, 0.0),
        (118.0, 32.0),
        (118.33, 31.0),
        (118.303999, 32.301),  # a hair west of the lattice
        (118.33, 32.320501),  # a hair north of it
    ],
)
def test_a_point_outside_every_grid_finds_none(lon, lat):
    assert grid_for_point(lon, lat) is None


def test_a_point_on_an_edge_shared_by_two_grids_goes_to_the_lowest_code():
    west_of_edge, east_of_edge = cell("341102001001001"), cell("341102001001002")
    assert west_of_edge[2] == east_of_edge[0], "the demo's neighbouring grids share an edge exactly"
    _lon, lat = at("341102001001001", 0.5, 0.5)
    assert grid_for_point(west_of_edge[2], lat).code == "341102001001001"

    below, above = cell("341102001001005"), cell("341102001002005")
    assert below[3] == above[1]
    lon, _lat = at("341102001001005", 0.5, 0.5)
    assert grid_for_point(lon, below[3]).code == "341102001001005"


def test_a_point_on_a_corner_shared_by_four_grids_goes_to_the_lowest_code():
    west, south, east, north = cell("341102001003004")
    # The north-east corner of 003004 is also a corner of 003005, 004004 and 004005.
    assert grid_for_point(east, north).code == "341102001003004"
    # Its south-west corner is shared with 002003, 002004 and 003003: the lowest is 002003.
    assert grid_for_point(west, south).code == "341102001002003"


def test_ties_resolve_by_code_whatever_order_the_rows_come_in():
    left, right = square(0.0, 0.0, 1.0, 1.0), square(1.0, 0.0, 1.0, 1.0)
    rows = [(7, "341102001001002", right), (9, "341102001001001", left)]
    for ordering in (rows, rows[::-1]):
        index = gridindex.GridIndex.build(ordering)
        assert index.lookup(1.0, 0.5) == 9  # on the shared edge: the lower code wins
        assert index.lookup(1.5, 0.5) == 7
        assert index.lookup(0.5, 0.5) == 9
        assert index.lookup(2.5, 0.5) is None


def test_an_index_of_no_grids_finds_none():
    assert gridindex.GridIndex.build([]).lookup(118.33, 32.31) is None


def test_a_grid_without_a_boundary_is_left_out_of_the_index():
    place_create(
        kind=PlaceKind.GRID, code=NEW_CODE, name="无边界网格", parent=Place.objects.get(code="341102001001")
    )
    assert grid_for_point(*at("341102001002002", 0.5, 0.5)).code == "341102001002002"
    assert grid_for_point(NEW_LON + 0.001, NEW_LAT + 0.001) is None


def test_an_imported_grid_is_found_once_the_import_commits(tmp_path, django_capture_on_commit_callbacks):
    inside_new = (NEW_LON + 0.002, NEW_LAT + 0.001)
    assert grid_for_point(*inside_new) is None  # builds the index without the new grid

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file(tmp_path, collection(feature()))
    assert callbacks, "the import schedules the index's invalidation for after the commit"

    grid = grid_for_point(*inside_new)
    assert grid is not None
    assert grid.code == NEW_CODE


def test_a_moved_boundary_is_seen_once_the_import_commits(tmp_path, django_capture_on_commit_callbacks):
    code = "341102001001001"
    west, south, east, north = cell(code)
    strip = (east - 0.0005, (south + north) / 2)  # the east edge of the grid
    assert grid_for_point(*strip).code == code

    narrower = square(west, south, size_lon=round(east - west - 0.001, 6), size_lat=round(north - south, 6))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, collection(feature(code=code, name="凤凰第1网格", geometry=narrower)))

    assert grid_for_point(*strip) is None
    assert grid_for_point(west + 0.0005, (south + north) / 2).code == code


def test_a_change_made_by_another_process_is_seen_at_the_next_check(monkeypatch):
    # Another process changes the boundaries and bumps the shared version; this process's index
    # is rebuilt at its next check (every second in production, every call here).
    monkeypatch.setattr(gridindex, "_CHECK_EVERY_SECONDS", 0.0)
    code = "341102001002002"
    point = at(code, 0.5, 0.5)
    assert grid_for_point(*point).code == code

    Place.objects.filter(code=code).update(boundary=square(0.0, 0.0))
    assert grid_for_point(*point).code == code, "still the old index: nobody said it changed"
    cache.incr(gridindex._VERSION_KEY)  # what invalidate() in the other process does
    assert grid_for_point(*point) is None
    assert grid_for_point(0.002, 0.001).code == code


def lattice_points(count: int) -> list[tuple[float, float]]:
    rng = random.Random(20250101)  # fixed: the same points every run
    return [(rng.uniform(118.30, 118.36), rng.uniform(32.295, 32.325)) for _ in range(count)]


def test_the_index_is_built_with_one_query_and_looked_up_with_none(django_assert_num_queries):
    with django_assert_num_queries(1):
        index = gridindex.current_index()

    expected = {
        grid_id: cell(code)
        for grid_id, code in Place.objects.filter(kind=PlaceKind.GRID).values_list("id", "code")
    }
    points = lattice_points(100)
    with django_assert_num_queries(0):
        found = [gridindex.current_index().lookup(lon, lat) for lon, lat in points]

    assert gridindex.current_index() is index
    assert any(grid_id is None for grid_id in found), "some points fall outside the lattice"
    assert sum(grid_id is not None for grid_id in found) > 50
    for (lon, lat), grid_id in zip(points, found, strict=True):
        if grid_id is not None:
            west, south, east, north = expected[grid_id]
            assert west <= lon <= east and south <= lat <= north


def test_checking_the_shared_version_on_every_call_still_makes_no_queries(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(gridindex, "_CHECK_EVERY_SECONDS", 0.0)
    gridindex.current_index()
    with django_assert_num_queries(0):
        for lon, lat in lattice_points(100):
            gridindex.current_index().lookup(lon, lat)
