"""A request that waited too long for a worker (nginx's X-Request-Start stamp) is answered 503 busy
at once, in the interface's shape, with nothing read or written; without a plausible stamp, or
for the health checks, nothing is refused."""

import time

import pytest

from huizhi.cases.models import Case
from huizhi.core.overload import queue_wait_s

pytestmark = pytest.mark.django_db


def stamped(seconds_ago: float) -> dict:
    return {"HTTP_X_REQUEST_START": f"t={time.time() - seconds_ago:.3f}"}


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/v1/cases/", "application/json"),
        ("/open311/v2/services.json", "application/json"),
        ("/open311/v2/services.xml", "text/xml"),
        ("/wall/", "text/html"),
    ],
)
def test_a_request_that_waited_too_long_is_told_busy_in_its_shape(client, settings, path, shape):
    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 250
    response = client.get(path, **stamped(0.6))
    assert response.status_code == 503
    assert response["Content-Type"].startswith(shape)
    assert response["Retry-After"] == "2"
    assert "busy" in response.content.decode()


def test_a_request_that_waited_briefly_is_served(client, settings):
    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 250
    assert client.get("/open311/v2/services.json", **stamped(0.05)).status_code == 200


def test_a_filing_refused_as_busy_files_nothing(settings):
    from rest_framework.test import APIClient

    from huizhi.api.keys import api_key_create
    from huizhi.cases.tests import factories as f

    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 250
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=api_key_create(name="热线", place=f.place(f.HUAYUAN))[1])
    body = {"category": f.GARBAGE, "title": "东门垃圾", "description": "东门垃圾堆积。", "place": f.YANGTIAN}
    before = Case.objects.count()
    assert api.post("/api/v1/cases/", body, format="json", **stamped(1.0)).status_code == 503
    assert Case.objects.count() == before
    assert api.post("/api/v1/cases/", body, format="json", **stamped(0.01)).status_code == 201


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_never_refused(client, settings, path):
    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 250
    assert client.get(path, **stamped(5)).status_code == client.get(path).status_code


def test_off_when_the_limit_is_zero(client, settings):
    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 0
    assert client.get("/open311/v2/services.json", **stamped(5)).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "t=", "t=abc", "t=nan", "t=inf", "t=-inf", "t=1e400", "t=\x00", "t=" + "9" * 5000, "garbage"],
)
def test_a_stamp_that_is_no_time_is_ignored(client, settings, header):
    settings.HUIZHI_QUEUE_WAIT_MAX_MS = 250
    assert client.get("/open311/v2/services.json", HTTP_X_REQUEST_START=header).status_code == 200


def test_clocks_that_disagree_are_not_a_wait():
    now = 1_800_000_000.0
    assert queue_wait_s(f"t={now + 5}", now) is None  # from the future
    assert queue_wait_s(f"t={now - 3600}", now) is None  # an hour: another clock, not a queue
    assert queue_wait_s(f"t={now - 0.3}", now) == pytest.approx(0.3)
    assert queue_wait_s(f"{now - 0.3}", now) == pytest.approx(0.3)  # the bare form
