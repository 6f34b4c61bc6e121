"""Pages for a signed-in person are never stored by a browser or proxy (`Cache-Control: no-store`);
the public wall's pages and Open311's public reads, answered for someone not signed in, may be kept
a few seconds by a shared cache (`public, max-age`), unless something made them personal (a cookie:
a CSRF token, a message) (huizhi.core.privatecache)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.accounts.models import User
from huizhi.api.keys import api_key_create
from huizhi.cases.models import Case
from huizhi.core.privatecache import PUBLIC_MAX_AGE_S, PrivateCacheMiddleware, may_be_shared
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db

HUAYUAN = "341102001003"


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def signed_in(client, username: str):
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def resident() -> Resident:
    return Resident.objects.filter(place_code__startswith=HUAYUAN, is_active=True).first()


@pytest.fixture
def case() -> Case:
    return Case.objects.filter(place_code__startswith=HUAYUAN).order_by("pk").first()


def test_the_registry_pages_and_a_reveal_are_not_stored(client, resident):
    signed_in(client, "huayuan_staff")
    url = f"/console/registry/residents/{resident.pk}/"
    for response in (client.get("/console/registry/residents/"), client.get(url)):
        assert response.status_code == 200 and no_store(response)
    reveal = client.post(url, {"field": "id_number", "reason": "核实高龄津贴申请"})
    assert reveal.status_code == 200 and resident.id_number in reveal.content.decode()
    assert no_store(reveal)
    export = client.post(
        "/console/registry/residents/export/", {"reveal": "on", "reason": "报送民政局高龄补贴"}
    )
    assert export.status_code == 200 and no_store(export)


def test_a_case_page_and_the_care_pages_are_not_stored(client, case):
    signed_in(client, "huayuan_staff")
    urls = [
        f"/console/cases/{case.pk}/",
        "/console/cases/",
        "/console/care/watch/",
        "/console/care/childcare/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), url


def test_api_answers_for_a_token_user_and_an_api_key_are_not_stored(case):
    token = Token.objects.create(user=User.objects.get(username="huayuan_staff"))
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    _key, raw = api_key_create(name="12345热线", place=Place.objects.get(code=HUAYUAN))
    by_key = APIClient()
    by_key.credentials(HTTP_X_API_KEY=raw)
    for client in (by_token, by_key):
        for url in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert no_store(response), url


KEPT = sorted(["public", f"max-age={PUBLIC_MAX_AGE_S}"])


def kept(response) -> bool:
    return sorted(response.get("Cache-Control", "").split(", ")) == KEPT


def test_the_public_wall_for_an_anonymous_reader_may_be_kept_by_a_shared_cache(client):
    """The same for everyone: marked public, with no cookie and no CSRF token in it."""
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, code=HUAYUAN)
    for url in ("/wall/", f"/wall/{community.code}/", f"/wall/{community.code}/echo/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert kept(response), url
        assert not response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url
        assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"], url


def test_a_public_page_that_renders_a_form_is_not_kept(client):
    """A wall item offers 我也遇到 (a form with a CSRF token, set as a cookie): the visitor's own."""
    from huizhi.wall.models import Post
    from huizhi.wall.selectors import PUBLIC_STAGES

    post = Post.objects.filter(community__code=HUAYUAN, stage__in=PUBLIC_STAGES).order_by("pk").first()
    response = client.get(f"/wall/item/{post.pk}/")
    assert response.status_code == 200 and "csrfmiddlewaretoken" in response.content.decode()
    assert response.cookies and "public" not in response.get("Cache-Control", "")


def test_a_wall_page_not_found_or_with_a_message_is_not_kept(client):
    assert "public" not in client.get("/wall/999999999999/").get("Cache-Control", "")
    request = RequestFactory().get("/wall/")
    request.user = AnonymousUser()
    with_cookie = may_be_shared(HttpResponse())
    with_cookie.set_cookie("messages", "a message for this visitor")
    answered = PrivateCacheMiddleware(lambda _request: with_cookie)(request)
    assert "public" not in answered.get("Cache-Control", "")
    posted = RequestFactory().post("/wall/")
    posted.user = AnonymousUser()
    assert "public" not in PrivateCacheMiddleware(lambda _r: may_be_shared(HttpResponse()))(posted).get(
        "Cache-Control", ""
    )


def test_the_language_switch_needs_no_token(client):
    """It is in every page's header: a token there would make every public page its visitor's own."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": f"/wall/{HUAYUAN}/"})
    assert response.status_code == 302 and response["Location"] == f"/wall/{HUAYUAN}/"
    assert response.cookies["django_language"].value == "en"
    page = strict.get(f"/wall/{HUAYUAN}/")
    assert page["Content-Language"] == "en" and kept(page)


@pytest.mark.parametrize(
    "fields",
    [
        {"language": "en", "next": "https://evil.example/"},  # another site's form sends it
        {"language": "en", "next": "//evil.example/"},
        {"language": "xx-no-such", "next": "/wall/"},
        {"language": "en\x00", "next": "/wall/\x00"},
        {"language": "en" * 10_000, "next": "/" + "a" * 10_000},
    ],
)
def test_the_language_switch_without_a_token_sends_nowhere_else_and_takes_no_strange_language(fields):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/i18n/setlang/", fields)
    assert response.status_code in (302, 400), response.status_code
    assert "evil.example" not in response.get("Location", "")
    language = response.cookies.get("django_language")
    assert language is None or language.value == "en"
    if fields["language"] != "en":
        assert language is None


def test_the_same_public_page_for_a_signed_in_resident_is_not_stored(client):
    signed_in(client, "resident")
    response = client.get(f"/wall/{HUAYUAN}/")
    assert response.status_code == 200 and no_store(response)


def _through_middleware(user, response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get("/")
    request.user = user
    return PrivateCacheMiddleware(lambda _request: response)(request)


def test_a_view_that_set_its_own_caching_keeps_it():
    user = User.objects.get(username="huayuan_staff")
    own = HttpResponse()
    own["Cache-Control"] = "public, max-age=3600"  # a public photo
    assert _through_middleware(user, own)["Cache-Control"] == "public, max-age=3600"
    assert _through_middleware(user, HttpResponse())["Cache-Control"] == "no-store"


def test_public_open311_reads_may_be_kept_a_few_seconds_and_keyed_ones_never(client, case):
    """The proxy shipped in deploy/ keeps what says `public, max-age` (tests/test_deploy.py): only
    what anyone may read without a key, and only answers that succeeded."""
    for url in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml?status=open",
        "/open311/v2/services.xml",
        "/open311/v2/discovery.json",
    ):
        response = client.get(url)
        assert response.status_code == 200 and kept(response), url
    _key, raw = api_key_create(name="12345热线", place=Place.objects.get(code=HUAYUAN))
    keyed = client.get(f"/open311/v2/requests.json?api_key={raw}")
    assert keyed.status_code == 200 and keyed["Cache-Control"] == "no-store"
    by_header = client.get("/open311/v2/requests.json", HTTP_X_API_KEY=raw)
    assert by_header.status_code == 200 and by_header["Cache-Control"] == "no-store"
    refused = client.get("/open311/v2/requests.json?start_date=not-a-date")
    assert refused.status_code == 400 and "public" not in refused.get("Cache-Control", "")
    filed = client.post("/open311/v2/requests.json", {"api_key": raw, "service_code": "0101"})
    assert "public" not in filed.get("Cache-Control", "")
