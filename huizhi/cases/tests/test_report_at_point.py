"""A case filed at a point is placed in the point's grid and community as the grid index holds
them: the report asks the database nothing for either (intake at 100+ cases a second pays for
every round trip), and the case is placed exactly as a lookup of the place's ancestors places it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point
from tests.factories import small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


def place_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "places_place"' in q["sql"]]


@pytest.mark.parametrize("with_place", [False, True])
def test_a_report_at_a_point_reads_no_place_for_its_grid_and_community(with_place):
    world = small_street()
    grid = world.building.ancestor_code(PlaceKind.GRID)
    lon, lat = world.building.lon, world.building.lat
    assert grid_for_point(lon, lat).code == grid  # the index answers (and is built) before
    with CaptureQueriesContext(connection) as queries:
        case = case_report(
            actor=world.gridworker,
            category=world.category,
            title="井盖破损",
            description="路口井盖破损",
            source=Source.PATROL,
            place=world.building if with_place else None,
            lon=lon,
            lat=lat,
        )
    assert place_reads(queries) == []
    case.refresh_from_db()
    expected = Place.objects.get(code=grid)
    assert (case.grid_id, case.community_id) == (expected.pk, expected.parent_id)
    assert case.place_id == (world.building.pk if with_place else expected.pk)


def test_a_community_renamed_in_the_admin_is_read_again_by_the_index(rf, django_capture_on_commit_callbacks):
    """The index holds each grid's community: the admin's save of a community rebuilds it, as it
    does for a grid (before, only a grid's save did, and the index kept the old name)."""
    from django.contrib import admin

    world = small_street()
    lon, lat = world.building.lon, world.building.lat
    community = Place.objects.get(pk=grid_for_point(lon, lat).parent_id)
    community.name = "新名字"
    with django_capture_on_commit_callbacks(execute=True):
        admin.site._registry[Place].save_model(rf.post("/"), community, None, True)
    assert grid_for_point(lon, lat).parent.name == "新名字"


def test_the_community_given_is_a_copy():
    world = small_street()
    lon, lat = world.building.lon, world.building.lat
    grid_for_point(lon, lat).parent.name = "changed by a caller"
    assert grid_for_point(lon, lat).parent.name != "changed by a caller"
