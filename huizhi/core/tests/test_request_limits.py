"""Request bodies over HUIZHI_MAX_REQUEST_MB are refused with 413 before a byte is read.

Otherwise Django writes a 300 MB upload to disk before the form can say it is too large. Here the body is a stream that fails the test if anything reads it, so a 413 that
came after reading (or a middleware placed after one that reads request.POST) fails.
"""

import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from huizhi.accounts.models import User
from huizhi.cases.models import Case, CasePhoto
from huizhi.registry.forms import ImportForm
from huizhi.wall.models import Post

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
TOO_LARGE = "The request is too large: at most %(mb)d MB can be sent at once."


class UnreadableBody:
    """A request body that must never be read."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def claimed(client: Client, path: str, length: int, **extra):
    """A POST that declares `length` bytes of multipart body without sending them."""
    return client.post(
        path,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
        **extra,
    )


@pytest.fixture
def staff_client() -> Client:
    # CSRF checks on, as for a browser: CsrfViewMiddleware reads request.POST, so a body limit
    # placed after it would read (and spool) the whole upload first.
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="gridworker"))
    return client


@pytest.mark.parametrize("url", ["cases:report", "wall:new_post", "registry:import", "accounts:login"])
def test_a_page_post_declaring_more_than_the_cap_is_413_with_a_message_unread(staff_client, url):
    limit = settings.HUIZHI_MAX_REQUEST_MB * MB
    response = claimed(staff_client, reverse(url), limit + 1)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert (zh(TOO_LARGE) % {"mb": settings.HUIZHI_MAX_REQUEST_MB}) in page


def test_the_api_answers_413_in_its_own_json_shape_unread(client):
    response = claimed(client, "/api/v1/cases/", 300 * MB)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert str(settings.HUIZHI_MAX_REQUEST_MB) in response.json()["message"]


def test_open311_answers_413_as_a_list_of_errors_unread(client):
    response = claimed(client, "/open311/v2/requests.json", 300 * MB)
    assert response.status_code == 413
    (error,) = json.loads(response.content)
    assert error["code"] == 413 and str(settings.HUIZHI_MAX_REQUEST_MB) in error["description"]


def test_a_chunked_body_without_a_length_is_refused_unread(staff_client):
    response = staff_client.post(
        reverse("cases:report"),
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 411


def test_a_real_upload_over_a_lowered_cap_is_refused_and_nothing_is_stored(settings, tmp_path, client):
    settings.HUIZHI_MAX_REQUEST_MB = 1
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(User.objects.get(username="gridworker"))
    before = (Case.objects.count(), CasePhoto.objects.count(), Post.objects.count())
    photo = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\0" * (2 * MB), content_type="image/jpeg")
    response = client.post(reverse("cases:report"), {"title": "楼道堆物", "photos": photo})
    assert response.status_code == 413
    assert (Case.objects.count(), CasePhoto.objects.count(), Post.objects.count()) == before
    assert not (tmp_path / "media").exists()


def test_a_request_under_the_cap_reaches_the_page(client):
    client.force_login(User.objects.get(username="gridworker"))
    response = client.post(reverse("cases:report"), {"title": "x"})
    assert response.status_code == 400  # the form's own answer: the limit let it through


def test_the_limit_is_first_and_leaves_room_for_the_largest_legitimate_upload():
    """Nothing may read the body before the limit; the cap must not refuse what the forms accept:
    a residents sheet at its own limit, or five photos at theirs, with room for the form around them."""
    # Only the request counter, which never reads the body, stands before it (so it counts the 413s).
    assert settings.MIDDLEWARE[:2] == [
        "huizhi.core.metrics.PrometheusMiddleware",
        "huizhi.core.limits.RequestBodyLimitMiddleware",
    ]
    cap = settings.HUIZHI_MAX_REQUEST_MB * MB
    assert cap >= ImportForm.MAX_MB * MB + MB
    assert cap >= 5 * settings.HUIZHI_MAX_PHOTO_MB * MB + MB
