"""GET /api/v1/cases/nearby/ (DESIGN §9): before filing, open cases of the same subclass within
about 250 m of a point, for a client to offer "support this instead".

What it returns follows the case list's outward privacy: only cases the caller may read, the point
each reader is shown (the exact point for those who see the case's particulars, the compound's for
the rest), masked numbers, and a distance measured to that shown point, so that asking from a few
chosen spots cannot pin a point the reader is not shown.
"""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.cases.selectors import NEARBY_MOST
from huizhi.cases.services import case_report
from huizhi.cases.states import Source, Status
from huizhi.cases.tests import factories as f
from huizhi.places.distance import NEARBY_METRES, distance_m

pytestmark = pytest.mark.django_db

NEARBY = "/api/v1/cases/nearby/"
MOBILE = "13912345678"
# 扬天小区's point is (118.3052, 32.30755); EAST lies in the same grid, about 141 m east of it.
EAST = (118.3067, 32.30755)


def token_client(username: str) -> APIClient:
    token, _ = Token.objects.get_or_create(user=f.user(username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def user_client(user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def key_client(code: str) -> APIClient:
    _, raw = api_key_create(name="12345热线", place=f.place(code))
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def nearby(client: APIClient, lon: float, lat: float, category: str = f.GARBAGE, **params) -> list[dict]:
    response = client.get(NEARBY, {"category": category, "lon": lon, "lat": lat, **params})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert isinstance(rows, list)
    return rows


def ids(rows: list[dict]) -> list[int]:
    return [row["id"] for row in rows]


@pytest.fixture
def doorstep_case():
    """A resident's report at 扬天小区 with the exact point of their doorstep, ~141 m from the
    compound's point, and their mobile typed into the title."""
    return case_report(
        actor=f.resident(),
        category=f.category(f.GARBAGE),
        title=f"楼下垃圾没人清 {MOBILE}",
        description="楼下垃圾三天没人清。",
        source=Source.WALL,
        place=f.place(f.YANGTIAN),
        lon=EAST[0],
        lat=EAST[1],
    )


def row_for(rows: list[dict], case) -> dict:
    return next(row for row in rows if row["id"] == case.pk)


# --- what is found ---------------------------------------------------------------------------------


def test_staff_find_an_open_case_of_the_category_at_its_exact_point(doorstep_case):
    rows = nearby(token_client("huayuan_staff"), *EAST, radius=100)

    row = row_for(rows, doorstep_case)
    assert (row["lon"], row["lat"]) == EAST
    assert row["distance_m"] == 0
    assert MOBILE in row["title"]  # staff of the case's community see the particulars


def test_a_key_measures_to_the_compounds_point_it_is_shown_not_the_exact_one(doorstep_case):
    hotline = key_client(f.HUAYUAN)
    compound = f.place(f.YANGTIAN)
    to_compound = round(distance_m(*EAST, compound.lon, compound.lat))
    assert 100 < to_compound < NEARBY_METRES

    # Asked from the exact point with a radius that the exact point passes and the compound's
    # does not: the key must not find it (that would tell it the hidden point is within 100 m).
    assert doorstep_case.pk not in ids(nearby(hotline, *EAST, radius=100))

    row = row_for(nearby(hotline, *EAST), doorstep_case)
    assert (row["lon"], row["lat"]) == (compound.lon, compound.lat)
    assert row["distance_m"] == to_compound
    assert MOBILE not in row["title"]


def test_the_reporter_finds_their_own_case_at_its_exact_point(doorstep_case):
    row = row_for(nearby(user_client(doorstep_case.reporter), *EAST, radius=50), doorstep_case)
    assert (row["lon"], row["lat"]) == EAST


@pytest.mark.parametrize("who", ["huayuan_staff", "street", "repair_crew", "key"])
def test_every_distance_is_the_one_to_the_point_the_reader_is_shown(doorstep_case, who):
    client = key_client(f.HUAYUAN) if who == "key" else token_client(who)
    compound = f.place(f.YANGTIAN)
    for lon, lat in (EAST, (compound.lon, compound.lat), (118.3060, 32.3080)):
        rows = nearby(client, lon, lat, radius=1000)
        distances = [row["distance_m"] for row in rows]
        assert distances == sorted(distances)
        for row in rows:
            assert row["distance_m"] == round(distance_m(lon, lat, row["lon"], row["lat"])), row
            assert row["distance_m"] <= 1000


def test_only_open_cases_of_that_subclass_within_the_radius():
    here = f.place(f.YANGTIAN)
    open_one = f.reported_case()  # at 扬天小区 11栋, which has the compound's point
    closed = f.case_in(Status.CLOSED)
    other_kind = f.reported_case(category_code=f.DRAIN)
    staff = token_client("huayuan_staff")

    found = ids(nearby(staff, here.lon, here.lat))
    assert open_one.pk in found
    assert closed.pk not in found
    assert other_kind.pk not in found
    assert other_kind.pk in ids(nearby(staff, here.lon, here.lat, category=f.DRAIN))

    # 明光新村, ~376 m away: outside the default 250 m, inside a 500 m radius.
    farther = f.place("341102001003002001")
    assert open_one.pk not in ids(nearby(staff, farther.lon, farther.lat))
    assert open_one.pk in ids(nearby(staff, farther.lon, farther.lat, radius=500))


def test_only_cases_the_caller_may_read():
    case = f.reported_case()
    here = f.place(f.YANGTIAN)

    assert case.pk in ids(nearby(token_client("huayuan_staff"), here.lon, here.lat))
    assert case.pk not in ids(nearby(token_client("fenghuang_staff"), here.lon, here.lat))
    assert case.pk not in ids(nearby(key_client(f.FENGHUANG), here.lon, here.lat))
    assert case.pk not in ids(nearby(user_client(f.resident()), here.lon, here.lat))


def test_the_nearest_few_first():
    here = f.place(f.YANGTIAN)
    for n in range(NEARBY_MOST + 3):
        f.reported_case(title=f"扬天小区垃圾{n}")
    rows = nearby(token_client("huayuan_staff"), here.lon, here.lat)
    assert len(rows) == NEARBY_MOST
    assert [row["distance_m"] for row in rows] == sorted(row["distance_m"] for row in rows)


def test_the_list_reads_with_a_fixed_number_of_queries(django_assert_max_num_queries):
    here = f.place(f.YANGTIAN)
    client = token_client("huayuan_staff")
    f.reported_case()
    nearby(client, here.lon, here.lat)  # warm: the token and the scopes
    with django_assert_max_num_queries(12) as few:
        nearby(client, here.lon, here.lat)
    for n in range(8):
        f.reported_case(title=f"扬天小区垃圾{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(nearby(client, here.lon, here.lat)) >= 9


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lon": None}, "lon"),
        ({"lat": None}, "lat"),
        ({"category": None}, "category"),
        ({"category": "01"}, "category"),  # a class, not a subclass
        ({"category": "9999"}, "category"),
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"lon": "nan"}, "lon"),
        ({"radius": 0}, "radius"),
        ({"radius": 1001}, "radius"),
        ({"radius": 2.5}, "radius"),
    ],
)
def test_bad_input_is_a_json_400_naming_the_field(params, field):
    query = {"category": f.GARBAGE, "lon": 118.3052, "lat": 32.30755, **params}
    response = token_client("huayuan_staff").get(NEARBY, {k: v for k, v in query.items() if v is not None})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]


def test_without_credentials_it_is_a_401():
    response = APIClient().get(NEARBY, {"category": f.GARBAGE, "lon": 118.3, "lat": 32.3})
    assert response.status_code == 401


# --- the document ---------------------------------------------------------------------------------


def test_the_document_describes_the_operation_and_its_parameters():
    document = json.loads(APIClient().get("/api/v1/schema/", {"format": "json"}).content)
    operation = document["paths"][NEARBY]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}

    assert {"category", "lon", "lat", "radius"} <= set(parameters)
    assert all(parameters[name]["required"] for name in ("category", "lon", "lat"))
    assert not parameters["radius"].get("required", False)
    radius = parameters["radius"]["schema"]
    assert (radius["minimum"], radius["maximum"], radius["default"]) == (1, 1000, NEARBY_METRES)
    assert (parameters["lat"]["schema"]["minimum"], parameters["lat"]["schema"]["maximum"]) == (-90, 90)
    assert "limit" not in parameters  # one short list, not pages
    listed = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["type"] == "array"
    row = document["components"]["schemas"][listed["items"]["$ref"].rsplit("/", 1)[1]]
    assert "distance_m" in row["properties"]
    assert "400" in operation["responses"]
