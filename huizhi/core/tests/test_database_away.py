"""A database that cannot be reached (PostgreSQL restarting, failing over, out of connections)
answers 503 with Retry-After in the interface's own shape — not a 500 — so a client sends the
request again shortly. The soak (benchmarks/soak.py) restarts PostgreSQL under load; these are
the same errors as psycopg raises them through Django, from views of each kind."""

import json

import defusedxml.ElementTree as SafeET
import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config import urls as site_urls
from huizhi.core.errorpages import DATABASE_AWAY_RETRY_AFTER_S

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

AWAY = OperationalError("connection failed: server closed the connection unexpectedly")


def away_view(request, fmt=None):
    raise AWAY


def closed_view(request):
    raise InterfaceError("connection already closed")


def broken_view(request):
    raise ValueError("a bug")


class AwayApiView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise AWAY


urlpatterns = [
    path("api/v1/away/", AwayApiView.as_view()),
    path("open311/v2/away.json", away_view),
    path("open311/v2/away.xml", away_view),
    path("away-page/", away_view),
    path("closed-page/", closed_view),
    path("broken-page/", broken_view),
    *site_urls.urlpatterns,
]
handler500 = site_urls.handler500

with_routes = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_retry_later(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_AWAY_RETRY_AFTER_S)
    assert b"server closed" not in response.content  # no internals to the client


@with_routes
def test_an_api_write_answers_503_json(client):
    response = client.post("/api/v1/away/", {}, content_type="application/json")
    assert_retry_later(response)
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["code"] == "unavailable"


@with_routes
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_503_in_its_format(client, fmt):
    response = client.get(f"/open311/v2/away.{fmt}")
    assert_retry_later(response)
    if fmt == "json":
        errors = json.loads(response.content)
        assert errors[0]["code"] == 503 and errors[0]["description"]
    else:
        error = SafeET.fromstring(response.content).find("error")
        assert error.find("code").text == "503" and error.find("description").text


@with_routes
@pytest.mark.parametrize("url", ["/away-page/", "/closed-page/"])
def test_a_page_answers_503_that_says_to_try_again(client, url):
    response = client.get(url)
    assert_retry_later(response)
    assert response["Content-Type"].startswith("text/html")


@with_routes
def test_any_other_error_is_still_a_500(client):
    response = client.get("/broken-page/")
    assert response.status_code == 500 and not response.has_header("Retry-After")
