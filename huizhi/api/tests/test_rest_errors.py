"""Every 404 and 405 under /api/ is JSON in the API's error shape ({"code", "message"}), never the
site's HTML page: paths no route takes (the site's handler404 answers them; DRF never sees them),
ids the routes' patterns refuse, and methods an operation does not take. Paths outside /api/ keep
the site's page.
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db


def token_client(username: str = "huayuan_staff") -> APIClient:
    token, _ = Token.objects.get_or_create(user=f.user(username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert b"<html" not in response.content.lower()
    return body


NO_ROUTE = [
    "/api/",
    "/api/v2/",
    "/api/v2/cases/",
    "/api/v1/nosuch/",
    "/api/v1/nosuch",
    "/api/v1/places/.exe/",
    "/api/v1/places/.exe",
    "/api/v1/cases/0.5/",
    "/api/v1/cases/1/nosuch/",
    "/api/v1//cases/",
    "/api/v1/cases/1/transitions/x/",
]


@pytest.mark.parametrize("path", NO_ROUTE)
@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "head", "options"])
def test_a_path_no_route_takes_is_a_json_404(path, method):
    response = getattr(token_client(), method)(path)
    if method == "head":
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
    else:
        assert_json_error(response, 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nosuch/", "/api/v2/"])
def test_without_credentials_a_path_no_route_takes_is_still_a_json_404(path):
    assert_json_error(APIClient().get(path), 404, "not_found")


def test_a_transition_on_an_id_the_route_refuses_is_a_json_404():
    response = token_client().post("/api/v1/cases/0.5/transitions/", {"action": "accept"}, format="json")
    assert_json_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cases/999999999/", "/api/v1/cases/abc/", "/api/v1/places/000/", "/api/v1/categories/99/"],
)
def test_an_object_that_is_not_there_is_a_json_404(path):
    assert_json_error(token_client().get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("put", "/api/v1/cases/"),
        ("delete", "/api/v1/cases/"),
        ("patch", "/api/v1/cases/{id}/"),
        ("delete", "/api/v1/cases/{id}/"),
        ("put", "/api/v1/cases/{id}/"),
        ("get", "/api/v1/cases/{id}/transitions/"),
        ("post", "/api/v1/cases/nearby/"),
        ("post", "/api/v1/categories/"),
        ("delete", "/api/v1/categories/01/"),
        ("post", "/api/v1/places/"),
        ("put", "/api/v1/places/341102001/"),
        ("post", "/api/v1/schema/"),
    ],
)
def test_a_method_an_operation_does_not_take_is_a_json_405(method, path):
    case = f.reported_case()
    response = getattr(token_client(), method)(path.format(id=case.pk), {}, format="json")
    body = assert_json_error(response, 405, "method_not_allowed")
    assert method.upper() in body["message"]
    assert "Allow" in response


def test_a_slashless_path_of_an_operation_is_answered_not_redirected():
    # A redirect would turn a POST into a GET and lose its body (test_trailing_slash.py).
    response = token_client().get("/api/v1/cases")
    assert response.status_code == 200
    assert "results" in response.json()


@pytest.mark.parametrize("path", ["/nosuch/", "/apix/", "/api-docs/"])
def test_outside_the_api_a_missing_page_is_still_the_sites_html_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=\x7f", "multipart/form-data; boundary="],
)
def test_a_multipart_body_django_cannot_read_is_a_json_400(content_type):
    # Read first by a middleware (the NUL guard), before DRF: Django's HTML 400 page without
    # the site's handler400.
    client = token_client()
    client.raise_request_exception = False
    response = client.generic("POST", "/api/v1/cases/", b"--x\r\n\r\n", content_type=content_type)
    assert_json_error(response, 400, "parse_error")


def test_outside_the_api_an_unreadable_form_is_still_the_sites_page(client):
    client.raise_request_exception = False
    response = client.generic("POST", "/accounts/login/", b"--x", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
