"""Point → grid (DESIGN §3): the grid whose polygon holds the point, from an index, not a scan."""

import io
import random

import pytest
from django.core.management import call_command

from huizhi.places import gridindex
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from huizhi.places.services import place_create
from huizhi.places.tests.test_geojson import CELL_LAT, CELL_LON, collection, feature, square
from tests.factories import CommunityFactory, GridFactory, StreetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

# A lattice of ROWS communities with COLUMNS grids each, cells sharing their edges exactly, away
# from the demo street's (around 118.33 E) and from the factories' other grids (around 100 E).
WEST, SOUTH = 101.0, 31.0
ROWS, COLUMNS = 3, 4


@pytest.fixture
def lattice() -> list[list[Place]]:
    """grids[row][column]: row r is community r+1, column c its grid c+1 (codes in that order)."""
    street = StreetFactory()
    rows = []
    for row in range(ROWS):
        community = CommunityFactory(parent=street)
        rows.append(
            [
                GridFactory(
                    parent=community,
                    boundary=square(WEST + column * CELL_LON, SOUTH + row * CELL_LAT),
                )
                for column in range(COLUMNS)
            ]
        )
    return rows


def cell(grid: Place) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a grid, read from its stored boundary."""
    ring = Place.objects.get(pk=grid.pk).boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def at(grid: Place, fx: float, fy: float) -> tuple[float, float]:
    """The point at fractions (fx, fy) across a grid's cell from its south-west corner."""
    west, south, east, north = cell(grid)
    return west + fx * (east - west), south + fy * (north - south)


def import_file(tmp_path, content: str) -> None:
    path = tmp_path / "grids.geojson"
    path.write_text(content, encoding="utf-8")
    call_command("import_grids", str(path), stdout=io.StringIO())


@pytest.mark.parametrize(
    "row, column, fx, fy",
    [
        (0, 0, 0.5, 0.5),  # the south-west corner of the lattice
        (0, 1, 0.01, 0.5),  # just east of the first grid's edge
        (1, 2, 0.1, 0.9),
        (1, 3, 0.75, 0.25),
        (2, 3, 0.99, 0.99),  # the north-east corner of the lattice
        (2, 0, 0.02, 0.98),
    ],
)
def test_a_point_inside_a_grid_finds_that_grid(lattice, row, column, fx, fy):
    grid = grid_for_point(*at(lattice[row][column], fx, fy))
    assert grid is not None
    assert grid == lattice[row][column]
    assert grid.kind == PlaceKind.GRID


def test_the_centre_of_every_grid_finds_its_own_grid(lattice):
    grids = [grid for row in lattice for grid in row]
    assert len(grids) == ROWS * COLUMNS
    found = {grid.code: getattr(grid_for_point(*at(grid, 0.5, 0.5)), "code", None) for grid in grids}
    assert found == {grid.code: grid.code for grid in grids}


@pytest.mark.parametrize(
    "lon, lat",
    [
        (0.0, 0.0),
        (WEST - 1, SOUTH),
        (WEST + CELL_LON, SOUTH - 1),
        (WEST - 0.000001, SOUTH + 0.001),  # a hair west of the lattice
        (WEST + CELL_LON, SOUTH + ROWS * CELL_LAT + 0.000001),  # a hair north of it
    ],
)
def test_a_point_outside_every_grid_finds_none(lattice, lon, lat):
    assert grid_for_point(lon, lat) is None


def test_a_point_on_an_edge_shared_by_two_grids_goes_to_the_lowest_code(lattice):
    west_of_edge, east_of_edge = cell(lattice[0][0]), cell(lattice[0][1])
    assert west_of_edge[2] == east_of_edge[0], "neighbouring grids share an edge exactly"
    _lon, lat = at(lattice[0][0], 0.5, 0.5)
    assert grid_for_point(west_of_edge[2], lat) == lattice[0][0]

    below, above = cell(lattice[0][2]), cell(lattice[1][2])
    assert below[3] == above[1]
    lon, _lat = at(lattice[0][2], 0.5, 0.5)
    assert grid_for_point(lon, below[3]) == lattice[0][2]


def test_a_point_on_a_corner_shared_by_four_grids_goes_to_the_lowest_code(lattice):
    west, south, east, north = cell(lattice[1][1])
    # Its north-east corner is also a corner of [1][2], [2][1] and [2][2]: it has the lowest code.
    assert grid_for_point(east, north) == lattice[1][1]
    # Its south-west corner is shared with [0][0], [0][1] and [1][0]: the lowest is [0][0].
    assert grid_for_point(west, south) == lattice[0][0]


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


def test_a_grid_without_a_boundary_is_left_out_of_the_index(lattice):
    community = lattice[0][0].parent
    place_create(kind=PlaceKind.GRID, code=community.code + "099", name="无边界网格", parent=community)
    assert grid_for_point(*at(lattice[1][1], 0.5, 0.5)) == lattice[1][1]
    assert grid_for_point(WEST - 0.002, SOUTH + 0.001) is None


def east_of_the_lattice(lattice) -> tuple[str, float, float]:
    """(code, lon, lat) of a grid the first community does not have yet, just east of its row."""
    community = lattice[0][0].parent
    return community.code + "099", WEST + COLUMNS * CELL_LON, SOUTH


def test_an_imported_grid_is_found_once_the_import_commits(
    lattice, tmp_path, django_capture_on_commit_callbacks
):
    code, lon, lat = east_of_the_lattice(lattice)
    inside_new = (lon + 0.002, lat + 0.001)
    assert grid_for_point(*inside_new) is None  # builds the index without the new grid

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_file(tmp_path, collection(feature(code=code, geometry=square(lon, lat))))
    assert callbacks, "the import schedules the index's invalidation for after the commit"

    grid = grid_for_point(*inside_new)
    assert grid is not None
    assert grid.code == code


def test_a_moved_boundary_is_seen_once_the_import_commits(
    lattice, tmp_path, django_capture_on_commit_callbacks
):
    grid = lattice[0][0]
    west, south, east, north = cell(grid)
    strip = (east - 0.0005, (south + north) / 2)  # the east edge of the grid
    assert grid_for_point(*strip) == grid

    narrower = square(west, south, size_lon=round(east - west - 0.001, 6), size_lat=round(north - south, 6))
    with django_capture_on_commit_callbacks(execute=True):
        import_file(tmp_path, collection(feature(code=grid.code, name=grid.name, geometry=narrower)))

    # The strip now belongs to no grid: the neighbour to the east starts at the old edge.
    assert grid_for_point(*strip) is None
    assert grid_for_point(west + 0.0005, (south + north) / 2) == grid


def test_a_change_made_by_another_process_is_seen_at_the_next_check(lattice, monkeypatch):
    # Another process changes the boundaries and bumps the shared version; this process's index
    # is rebuilt at its next check (every second in production, every call here).
    monkeypatch.setattr(gridindex._kept, "check_every", 0.0)
    grid = lattice[1][1]
    point = at(grid, 0.5, 0.5)
    assert grid_for_point(*point) == grid

    Place.objects.filter(pk=grid.pk).update(boundary=square(0.0, 0.0))
    assert grid_for_point(*point) == grid, "still the old index: nobody said it changed"
    gridindex._kept.announce()  # what invalidate() in the other process does
    assert grid_for_point(*point) is None
    assert grid_for_point(0.002, 0.001) == grid


def lattice_points(count: int) -> list[tuple[float, float]]:
    """Points over the lattice and a margin of half its size around it."""
    rng = random.Random(20250101)  # fixed: the same points every run
    width, height = COLUMNS * CELL_LON, ROWS * CELL_LAT
    return [
        (
            rng.uniform(WEST - width / 2, WEST + 1.5 * width),
            rng.uniform(SOUTH - height / 2, SOUTH + 1.5 * height),
        )
        for _ in range(count)
    ]


def test_the_index_is_built_with_one_query_and_looked_up_with_none(lattice, django_assert_num_queries):
    with django_assert_num_queries(1):
        index = gridindex.current_index()

    expected = {grid.pk: cell(grid) for row in lattice for grid in row}
    points = lattice_points(100)
    with django_assert_num_queries(0):
        found = [gridindex.current_index().lookup(lon, lat) for lon, lat in points]

    assert gridindex.current_index() is index
    assert any(grid_id is None for grid_id in found), "some points fall outside the lattice"
    assert sum(grid_id is not None for grid_id in found) > 10
    for (lon, lat), grid_id in zip(points, found, strict=True):
        if grid_id is not None:
            west, south, east, north = expected[grid_id]
            assert west <= lon <= east and south <= lat <= north


def test_checking_the_shared_version_on_every_call_still_makes_no_queries(
    lattice, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(gridindex._kept, "check_every", 0.0)
    gridindex.current_index()
    with django_assert_num_queries(0):
        for lon, lat in lattice_points(100):
            gridindex.current_index().lookup(lon, lat)
