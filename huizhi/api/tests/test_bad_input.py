"""Input that could crash a worker is answered with a 400 that says what is wrong.

NUL characters in searches and filters (PostgreSQL refuses them in text), dates at the ends
of the calendar (Open311 `start_date=9999-12-31`, REST `updated_since=0001-01-01…`) and JSON
nested deeper than the parser recurses. Run on SQLite and PostgreSQL alike (CI runs both).
The sweep over every endpoint lives in huizhi/core/tests/test_fuzz.py; these pin single cases.
"""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.api.tests.clients import token_client
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

NUL = "垃圾\x00"


@pytest.fixture
def api_key() -> str:
    _, raw = api_key_create(name="12345热线", place=f.place(f.HUAYUAN))
    return raw


@pytest.fixture
def staff_api() -> APIClient:
    token, _ = Token.objects.get_or_create(user=f.user("huayuan_staff"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.parametrize(
    "url, params",
    [
        ("/console/cases/", {"q": NUL}),
        ("/console/cases/", {"category": NUL}),
        ("/console/registry/residents/", {"q": NUL}),
        ("/console/registry/residents/", {"place": NUL}),
        ("/console/categories/", {"q": NUL}),
    ],
)
def test_a_nul_in_a_page_search_is_a_400(client, url, params):
    client.force_login(f.user("huayuan_staff"))
    response = client.get(url, params)
    assert response.status_code == 400


@pytest.mark.parametrize("param", ["category", "place", "status"])
def test_a_nul_in_a_rest_filter_is_a_json_400(staff_api, param):
    response = staff_api.get("/api/v1/cases/", {param: NUL})
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_a_nul_in_a_path_is_a_400(staff_api):
    assert staff_api.get("/api/v1/places/34110200%00/").status_code == 400


@pytest.mark.parametrize("param", ["service_code", "status", "service_request_id"])
def test_a_nul_in_an_open311_read_is_a_400(api_key, param):
    response = APIClient().get("/open311/v2/requests.json", {"api_key": api_key, param: NUL})
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["service_code", "description", "address_string"])
def test_a_nul_in_an_open311_filing_is_a_400(api_key, field):
    data = {
        "api_key": api_key,
        "service_code": f.GARBAGE,
        "description": "路边垃圾",
        "address_string": "扬天小区",
    }
    data[field] = NUL
    response = APIClient().post("/open311/v2/requests.json", data)
    assert response.status_code == 400


@pytest.mark.parametrize("field", ["title", "category", "place"])
def test_a_nul_anywhere_in_a_json_body_is_a_400(staff_api, field):
    body = {"category": f.GARBAGE, "title": "路边垃圾", "description": "路边垃圾", "place": f.YANGTIAN}
    body[field] = NUL
    response = staff_api.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-01"},
        {"start_date": "0001-01-01T00:00:00+08:00"},
        {"end_date": "9999-12-31T23:59:59-12:00"},
    ],
)
def test_open311_dates_at_the_ends_of_the_calendar_are_a_400(api_key, params):
    response = APIClient().get("/open311/v2/requests.json", {"api_key": api_key, **params})
    assert response.status_code == 400
    assert "1900" in response.json()[0]["description"] and "2200" in response.json()[0]["description"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00"])
def test_rest_updated_since_at_the_ends_of_the_calendar_is_a_400(staff_api, moment):
    response = staff_api.get("/api/v1/cases/", {"updated_since": moment})
    assert response.status_code == 400
    assert "updated_since" in response.json()["fields"]


def test_an_ordinary_updated_since_still_filters(staff_api):
    assert staff_api.get("/api/v1/cases/", {"updated_since": "2020-01-01T00:00:00+08:00"}).status_code == 200


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json_is_a_400(staff_api, depth):
    body = "[" * depth + "]" * depth
    response = staff_api.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_deeply_nested_json_in_a_transition_is_a_400(staff_api):
    case = f.reported_case()
    body = json.dumps({"action": "accept", "note": "x"})[:-1] + ', "extra": ' + "[" * 5000 + "]" * 5000 + "}"
    response = staff_api.post(f"/api/v1/cases/{case.pk}/transitions/", body, content_type="application/json")
    assert response.status_code == 400


# --- dates at the ends of the calendar, odd headers and keys -----------------------------------------


@pytest.mark.parametrize("due_at", ["0001-01-01", "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"])
def test_a_due_at_at_the_ends_of_the_calendar_is_a_400_naming_it(staff_api, due_at):
    case = f.reported_case(reporter=f.user("huayuan_staff"))
    response = staff_api.post(
        f"/api/v1/cases/{case.pk}/transitions/", {"action": "accept", "due_at": due_at}, format="json"
    )
    assert response.status_code == 400
    assert "due_at" in response.json()["fields"]


def test_format_suffixed_actions_answer_instead_of_crashing(staff_api):
    case = f.reported_case()
    nearby = staff_api.get("/api/v1/cases/nearby.json", {"category": f.GARBAGE, "lon": 118.3, "lat": 32.3})
    assert nearby.status_code < 500
    moved = staff_api.post(f"/api/v1/cases/{case.pk}/transitions.json", {"action": "accept"}, format="json")
    assert moved.status_code == 200, moved.content


def test_an_api_key_on_a_page_with_the_navigation_is_no_500(api_key):
    response = APIClient().get("/api/v1/docs/", HTTP_X_API_KEY=api_key)
    assert response.status_code < 500


# --- Zone offsets, NUL and lone surrogates in JSON, malformed bodies, media URLs, odd digits --------

OPEN311 = "/open311/v2"


def key_api(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


@pytest.mark.parametrize(
    "path, params",
    [
        (f"{OPEN311}/requests.json", {"start_date": "2026-12-01T00:00:00+18:00"}),
        (f"{OPEN311}/servicerequestupdates.json", {"end_date": "2026-12-06T00:00:00-20:00"}),
    ],
)
def test_a_zone_no_place_has_is_a_400(client, path, params):
    assert client.get(path, params).status_code == 400


def test_a_zone_no_place_has_is_a_400_in_rest(api_key):
    response = key_api(api_key).get("/api/v1/cases/", {"updated_since": "2026-01-01T00:00:00+16:00"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        '{"category": "01\\u000001", "title": "t", "description": "d", "place": "341102001003001001"}',
        '{"category": "0101", "title": "t", "description": "d", "place": "3411\\u0000"}',
        '{"category": "0101", "title": "a\\ud800b", "description": "d", "place": "341102001003001001"}',
    ],
)
def test_unstorable_text_anywhere_in_json_is_a_400(api_key, body):
    response = key_api(api_key).post(
        "/api/v1/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_lone_surrogate_as_an_action_is_a_400():
    case = f.reported_case()
    response = token_client("huayuan_staff").post(
        f"/api/v1/cases/{case.pk}/transitions/", '{"action": "\\ud800"}', content_type="application/json"
    )
    assert response.status_code == 400


def test_a_malformed_multipart_body_on_open311_answers_in_the_specs_shape(client, api_key):
    response = client.post(
        f"{OPEN311}/requests.json?api_key={api_key}", b"--x\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)[0]["code"] == 400


@pytest.mark.parametrize(
    "url",
    [
        "https://user:pass@hotline.example.gov.cn/x.jpg",
        'https://e.example/a"><script>alert(1)</script>',
        "https://e.example/a b.jpg",
    ],
)
def test_a_media_url_with_credentials_or_markup_is_refused(client, api_key, url):
    response = client.post(
        f"{OPEN311}/requests.json",
        {
            "api_key": api_key,
            "service_code": f.GARBAGE,
            "description": "垃圾",
            "address_id": f.YANGTIAN,
            "media_url": url,
        },
    )
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["requests/WP٣.json", "tokens/HZ٣.json"])
def test_ids_are_ascii_digits_only(client, path):
    assert client.get(f"{OPEN311}/{path}").status_code == 404
