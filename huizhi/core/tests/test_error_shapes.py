"""An unhandled error (500) answers in the interface's own shape: JSON under /api/, the Open311
error list under /open311/ (XML, or JSON for .json paths), the page everywhere else.

A database that cannot be reached (PostgreSQL restarting, failing over, out of connections)
answers 503 with Retry-After in the same shapes — not a 500 — so a client sends the request again
shortly. The soak (benchmarks/soak.py) restarts PostgreSQL under load; here the same errors are
raised as psycopg raises them through Django, from views of each kind.

The views that break are real: routes of the site whose code is made to raise, and a few routes
added in a urlconf that is the site's own plus them (with the site's handler500, imported from
config.urls, so the wiring is what is tested).
"""

import json

import defusedxml.ElementTree as SafeET
import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from config import urls as site_urls
from huizhi.accounts.roles import Role
from huizhi.api import views
from huizhi.api.open311.views import ServiceListView
from huizhi.core.errorpages import DATABASE_AWAY_RETRY_AFTER_S
from tests.factories import CommunityFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


class Broken(RuntimeError):
    pass


def broken_view(request, fmt=None):
    raise Broken("a bug")


class BrokenApiView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise Broken("a bug in a DRF view")


def fine(request):
    return HttpResponse("fine")


AWAY = OperationalError("connection failed: server closed the connection unexpectedly")


def away_view(request, fmt=None):
    raise AWAY


def closed_view(request):
    raise InterfaceError("connection already closed")


class AwayApiView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise AWAY


# Ahead of the site's routes so that they win; the site's own handler500.
urlpatterns = [
    path("api/v1/broken/", BrokenApiView.as_view()),
    path("api/v1/broken-plain/", broken_view),
    path("open311/v2/broken.json", broken_view),
    path("open311/v2/broken.xml", broken_view),
    path("broken-page/", broken_view),
    path("fine/", fine),
    path("api/v1/away/", AwayApiView.as_view()),
    path("open311/v2/away.json", away_view),
    path("open311/v2/away.xml", away_view),
    path("away-page/", away_view),
    path("closed-page/", closed_view),
    *site_urls.urlpatterns,
]
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")
handler404 = getattr(site_urls, "handler404", None) or "django.views.defaults.page_not_found"

with_broken_routes = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def assert_api_server_error(response):
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == "server_error"
    assert isinstance(body["message"], str) and body["message"]
    assert b"a bug" not in response.content  # no internals to the client


def assert_open311_server_error(response, fmt: str):
    assert response.status_code == 500
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        errors = json.loads(response.content)
    else:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        root = SafeET.fromstring(response.content)
        assert root.tag == "errors"
        errors = [{child.tag: child.text for child in error} for error in root]
        errors = [{"code": int(e["code"]), "description": e["description"]} for e in errors]
    assert isinstance(errors, list) and len(errors) == 1
    assert set(errors[0]) == {"code", "description"}
    assert errors[0]["code"] == 500 and errors[0]["description"]
    assert b"a bug" not in response.content


@with_broken_routes
def test_a_drf_view_that_raises_answers_json(client):
    assert_api_server_error(client.get("/api/v1/broken/"))


@with_broken_routes
def test_a_plain_view_under_the_api_that_raises_answers_json(client):
    assert_api_server_error(client.get("/api/v1/broken-plain/"))


@with_broken_routes
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_view_that_raises_answers_the_spec_error_list(client, fmt):
    assert_open311_server_error(client.get(f"/open311/v2/broken.{fmt}"), fmt)


@with_broken_routes
def test_a_page_that_raises_still_answers_a_page(client):
    response = client.get("/broken-page/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert client.get("/fine/").content == b"fine"  # the urlconf itself works


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_real_open311_route_that_breaks_answers_in_its_format(client, monkeypatch, fmt):
    monkeypatch.setattr(ServiceListView, "get", lambda self, request, fmt: broken_view(request))
    assert_open311_server_error(client.get(f"/open311/v2/services.{fmt}"), fmt)


def test_a_real_api_route_that_breaks_answers_json(client, monkeypatch):
    def broken_queryset(self):
        raise Broken("a bug in a selector")

    monkeypatch.setattr(views.CategoryViewSet, "get_queryset", broken_queryset)
    staff = UserFactory(role=Role.COMMUNITY_STAFF, over=CommunityFactory())
    token, _ = Token.objects.get_or_create(user=staff)
    assert_api_server_error(client.get("/api/v1/categories/", HTTP_AUTHORIZATION=f"Token {token.key}"))


# --- the database away: 503, Retry-After ---------------------------------------------------------


def assert_retry_later(response):
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_AWAY_RETRY_AFTER_S)
    assert b"server closed" not in response.content  # no internals to the client


@with_broken_routes
def test_the_database_away_an_api_write_answers_503_json(client):
    response = client.post("/api/v1/away/", {}, content_type="application/json")
    assert_retry_later(response)
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["code"] == "unavailable"


@with_broken_routes
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_database_away_open311_answers_503_in_its_format(client, fmt):
    response = client.get(f"/open311/v2/away.{fmt}")
    assert_retry_later(response)
    if fmt == "json":
        errors = json.loads(response.content)
        assert errors[0]["code"] == 503 and errors[0]["description"]
    else:
        error = SafeET.fromstring(response.content).find("error")
        assert error.find("code").text == "503" and error.find("description").text


@with_broken_routes
@pytest.mark.parametrize("url", ["/away-page/", "/closed-page/"])
def test_the_database_away_a_page_answers_503_that_says_to_try_again(client, url):
    response = client.get(url)
    assert_retry_later(response)
    assert response["Content-Type"].startswith("text/html")
