"""grid_for_point answers from memory: no query once the index is built, the same grid as a check
of every stored polygon for random points, and a grid changed in another process seen here."""

import random

import pytest
import shapely

from huizhi.places import gridindex
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from tests.factories import CommunityFactory, GridFactory, StreetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

WEST, SOUTH = 102.0, 33.0


def polygon(points: list[tuple[float, float]]) -> dict:
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


@pytest.fixture
def grids() -> list[Place]:
    """Grids of varied shapes sharing edges: a row of quadrilaterals with slanted sides, each cut
    along a diagonal into two triangles, and an L-shaped grid above them."""
    community = CommunityFactory(parent=StreetFactory())
    made = []
    xs = [WEST + 0.004 * i + (0.001 if i % 2 else 0) for i in range(6)]
    for i in range(5):
        sw, se = (xs[i], SOUTH), (xs[i + 1], SOUTH)
        nw, ne = (xs[i] + 0.0005, SOUTH + 0.004), (xs[i + 1] + 0.0005, SOUTH + 0.004)
        made.append(GridFactory(parent=community, boundary=polygon([sw, se, ne])))
        made.append(GridFactory(parent=community, boundary=polygon([sw, ne, nw])))
    top = SOUTH + 0.004
    made.append(
        GridFactory(
            parent=community,
            boundary=polygon(
                [
                    (WEST + 0.0005, top),
                    (WEST + 0.01, top),
                    (WEST + 0.01, top + 0.002),
                    (WEST + 0.003, top + 0.002),
                    (WEST + 0.003, top + 0.006),
                    (WEST + 0.0005, top + 0.006),
                ]
            ),
        )
    )
    gridindex.invalidate()
    return made


def by_checking_every_polygon(lon: float, lat: float) -> Place | None:
    """The database's answer, brute force: every stored grid's polygon tested, the lowest code
    taken when the point lies on an edge two grids share."""
    point = shapely.Point(lon, lat)
    holding = [
        grid
        for grid in Place.objects.filter(kind=PlaceKind.GRID, boundary__isnull=False).order_by("code")
        if shapely.geometry.shape(grid.boundary).intersects(point)
    ]
    return holding[0] if holding else None


def test_random_points_agree_with_every_polygon_checked(grids):
    rng = random.Random(16)
    found = 0
    for _ in range(400):
        lon, lat = WEST - 0.001 + rng.random() * 0.024, SOUTH - 0.001 + rng.random() * 0.012
        expected = by_checking_every_polygon(lon, lat)
        assert grid_for_point(lon, lat) == expected, (lon, lat)
        found += expected is not None
    assert 100 < found < 400  # inside some grid and outside every grid, both tried


def test_a_warm_lookup_asks_the_database_nothing(grids, django_assert_num_queries):
    grid_for_point(WEST + 0.003, SOUTH + 0.001)  # builds the index
    with django_assert_num_queries(0):
        for i in range(50):
            grid = grid_for_point(WEST + 0.0002 * i + 0.001, SOUTH + 0.001)
            assert grid is not None and grid.kind == PlaceKind.GRID and grid.name


def test_the_grid_given_is_a_copy(grids):
    lon, lat = WEST + 0.003, SOUTH + 0.001
    first = grid_for_point(lon, lat)
    first.name = "changed by a caller"
    assert grid_for_point(lon, lat).name != "changed by a caller"


def test_a_grid_changed_in_another_process_is_seen(grids, monkeypatch):
    lon, lat = WEST + 0.003, SOUTH + 0.001
    monkeypatch.setattr(gridindex._kept, "check_every", 3600.0)
    before = grid_for_point(lon, lat)
    assert before is not None
    # Another process redraws the grid away from the point and bumps the shared version, as its
    # services do after commit; this process's index is left as it was.
    Place.objects.filter(pk=before.pk).update(
        boundary=polygon([(WEST + 1, SOUTH + 1), (WEST + 1.001, SOUTH + 1), (WEST + 1.001, SOUTH + 1.001)])
    )
    gridindex._kept.announce()
    assert grid_for_point(lon, lat) == before  # within the check interval: the index still serves
    monkeypatch.setattr(gridindex._kept, "check_every", 0.0)
    assert grid_for_point(lon, lat) == by_checking_every_polygon(lon, lat) != before
    assert grid_for_point(WEST + 1.0008, SOUTH + 1.0001) == before
