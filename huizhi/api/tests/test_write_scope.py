"""Where an API client, or a person on the report page, may file a case: inside the scope it reads,
at a building or above, at a whole point that lies in a grid and in the place it names.

A key for 凤凰社区 must not file in 花园街 (it could not read the case afterwards), half a coordinate
must not be stored, and a point in another community must not be taken beside a place: each is a
400 that names the field, and nothing is written.
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from shapely.geometry import shape

from huizhi.api.keys import api_key_create
from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def point_in(community_code: str) -> tuple[float, float, Place]:
    """A point well inside the first grid of a community, and that grid."""
    grid = Place.objects.filter(kind=PlaceKind.GRID, code__startswith=community_code).order_by("code").first()
    inside = shape(grid.boundary).representative_point()
    return inside.x, inside.y, grid


def fenghuang_compound() -> Place:
    return (
        Place.objects.filter(kind=PlaceKind.COMPOUND, code__startswith=f.FENGHUANG).order_by("code").first()
    )


def filing(**fields) -> dict:
    return {"category": f.GARBAGE, "title": "路边垃圾", "description": "路边堆放垃圾两天。", **fields}


def refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body.get("fields", {}), body


def test_a_key_files_in_its_own_community_and_reads_the_case_back():
    client = key_client(f.FENGHUANG)
    response = client.post(CASES, filing(place=fenghuang_compound().code), format="json")
    assert response.status_code == 201, response.content
    assert client.get(f"{CASES}{response.json()['id']}/").status_code == 200


def test_a_key_cannot_file_at_a_place_of_another_community():
    before = Case.objects.count()
    response = key_client(f.FENGHUANG).post(CASES, filing(place=f.YANGTIAN), format="json")
    refused(response, "place")
    assert Case.objects.count() == before


def test_a_key_cannot_file_at_a_point_in_another_community():
    lon, lat, _grid = point_in(f.HUAYUAN)
    before = Case.objects.count()
    refused(key_client(f.FENGHUANG).post(CASES, filing(lon=lon, lat=lat), format="json"), "lat")
    assert Case.objects.count() == before


def test_a_household_unit_is_never_a_case_place_through_the_api():
    unit = Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN).first()
    refused(key_client(f.HUAYUAN).post(CASES, filing(place=unit.code), format="json"), "place")


@pytest.mark.parametrize("half", [{"lat": 32.3}, {"lon": 118.3}])
def test_half_a_coordinate_is_refused_not_stored(half):
    before = Case.objects.count()
    response = key_client(f.HUAYUAN).post(CASES, filing(place=f.YANGTIAN, **half), format="json")
    refused(response, "lon" if "lat" in half else "lat")
    assert Case.objects.count() == before


def test_a_point_must_lie_in_the_place_it_is_sent_with():
    lon, lat, _grid = point_in(f.FENGHUANG)
    response = token_client("street").post(CASES, filing(place=f.YANGTIAN, lon=lon, lat=lat), format="json")
    refused(response, "lat")


def test_a_point_outside_every_grid_is_refused_even_with_a_place():
    response = token_client("street").post(CASES, filing(place=f.YANGTIAN, lon=0, lat=0), format="json")
    refused(response, "lat")


def test_a_point_in_the_named_places_grid_is_kept():
    lon, lat, grid = point_in(f.HUAYUAN)
    compound = Place.objects.filter(parent=grid, kind=PlaceKind.COMPOUND).order_by("code").first()
    response = token_client("huayuan_staff").post(
        CASES, filing(place=compound.code, lon=lon, lat=lat), format="json"
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert (case.place_id, case.lon, case.lat) == (compound.pk, lon, lat)


def test_staff_file_only_within_their_community_and_a_resident_anywhere():
    refused(
        token_client("huayuan_staff").post(CASES, filing(place=fenghuang_compound().code), format="json"),
        "place",
    )
    resident = f.resident()
    token, _ = Token.objects.get_or_create(user=resident)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(CASES, filing(place=fenghuang_compound().code), format="json")
    assert response.status_code == 201, response.content


def test_the_report_page_refuses_a_point_outside_the_reporters_scope(client):
    lon, lat, _grid = point_in(f.FENGHUANG)
    client.force_login(f.user("huayuan_staff"))
    before = Case.objects.count()
    response = client.post(
        "/console/cases/new/",
        {
            "category": f.category(f.GARBAGE).pk,
            "title": "垃圾",
            "description": "路边垃圾。",
            "lon": lon,
            "lat": lat,
        },
    )
    assert response.status_code == 400
    assert Case.objects.count() == before


def test_open311_refuses_the_same_place_outside_its_key():
    _, raw = api_key_create(name="12345热线", place=f.place(f.FENGHUANG))
    response = APIClient().post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": f.GARBAGE, "description": "垃圾", "address_id": f.YANGTIAN},
    )
    assert response.status_code == 400
