"""Redis down or hung: the cache and the API's rate limit fail open, and nothing waits for long.

Real failures, not mocks: the cache points at a port on 127.0.0.1 that nothing listens on (the
connection is refused), or at a server that accepts the connection and never answers (the read
times out).
"""

import logging
import socket
import threading
import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from huizhi.api.keys import api_key_create
from huizhi.api.throttling import PerClientThrottle
from huizhi.cases.models import Case
from huizhi.core import resilientcache
from huizhi.core.kept import KeptCopy
from huizhi.core.resilientcache import ResilientRedisCache
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

TIMEOUT = 0.5
HUAYUAN = "341102001003"


def redis_cache_settings(url: str, retry_seconds: float = 5.0) -> dict:
    """CACHES as config/settings.py writes it for a Redis URL."""
    return {
        "default": {
            "BACKEND": "huizhi.core.resilientcache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT},
            "RETRY_SECONDS": retry_seconds,
        }
    }


@pytest.fixture
def closed_port() -> int:
    """A port that was free a moment ago and that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HungServer:
    """Accepts connections on 127.0.0.1 and never sends a byte (a Redis that hangs)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:  # closed at the end of the test
                return
            self.accepted.append(conn)

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hung_server():
    server = HungServer()
    yield server
    server.close()


@pytest.fixture
def redis_down(settings, closed_port):
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{closed_port}/0", retry_seconds=0)
    return closed_port


@pytest.fixture
def api_key() -> str:
    _key, raw = api_key_create(
        name="滁州12345热线", place=Place.objects.get(kind=PlaceKind.COMMUNITY, code=HUAYUAN)
    )
    return raw


@pytest.fixture
def one_a_minute(monkeypatch):
    # DRF copies the rates into this class attribute at import; each request reads it from there.
    monkeypatch.setattr(PerClientThrottle, "THROTTLE_RATES", {"client": "1/minute"})


def open311_filing(client, key: str):
    return client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "0101",
            "description": "小区门口垃圾堆积三天无人清运。",
            "address_string": "扬天小区",
        },
    )


def serve_everything(client, key: str) -> list[int]:
    """An API read, an Open311 read and filing, and pages: the statuses, in order."""
    api = APIClient()
    api.credentials(HTTP_X_API_KEY=key)
    return [
        api.get("/api/v1/cases/").status_code,
        client.get("/open311/v2/services.json").status_code,
        client.get("/open311/v2/requests.xml", {"api_key": key}).status_code,
        open311_filing(client, key).status_code,
        client.get("/").status_code,
        client.get(f"/wall/{HUAYUAN}/").status_code,
    ]


# --- Redis down ------------------------------------------------------------------------------------


def test_with_redis_down_the_api_open311_and_pages_still_answer(client, redis_down, api_key, caplog):
    before = Case.objects.count()
    with caplog.at_level(logging.WARNING, logger="huizhi.core.resilientcache"):
        statuses = serve_everything(client, api_key)

    assert statuses == [200, 200, 200, 201, 200, 200]
    assert Case.objects.count() == before + 1  # the report was filed, not refused
    warnings = [r for r in caplog.records if r.name == "huizhi.core.resilientcache"]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    assert "ConnectionError" in warnings[0].getMessage()


@pytest.mark.usefixtures("one_a_minute")
def test_a_rate_limit_that_cannot_be_checked_lets_the_request_through(client, redis_down, api_key):
    # Every call really tries Redis here (RETRY_SECONDS 0), and each finds it down.
    statuses = [client.get("/open311/v2/requests.json", {"api_key": api_key}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]


def test_the_cache_answers_as_if_empty_when_redis_is_down(redis_down):
    assert cache.get("anything", "default") == "default"
    assert cache.get_or_set("anything", lambda: 7) == 7
    cache.set("anything", 1)  # dropped, no error
    assert cache.add("anything", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.incr("counter") == 1 and cache.decr("counter") == -1
    assert cache.has_key("anything") is False
    assert cache.delete("anything") is False
    cache.delete_many(["a", "b"])


def test_a_kept_copy_is_not_reloaded_because_redis_stopped(settings, closed_port):
    """Each process's kept rows (the grids' index, intake's catalog) stay while Redis is down: a
    version the cache cannot read is no news (every process reloading at once shed requests)."""
    loads = []
    copy = KeptCopy("test:degrade-kept-version", lambda: loads.append(1) or len(loads), check_every=0.0)
    copy.announce()
    assert copy.get() == 1
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{closed_port}/0", retry_seconds=0)
    assert copy.get() == copy.get() == 1 and len(loads) == 1


def test_ping_does_not_fail_open(closed_port):
    backend = ResilientRedisCache(
        f"redis://127.0.0.1:{closed_port}/0", {"OPTIONS": {"socket_connect_timeout": TIMEOUT}}
    )
    with pytest.raises(resilientcache.REDIS_DOWN):
        backend.ping()


# --- Redis hung ------------------------------------------------------------------------------------


def test_with_redis_hung_requests_answer_within_the_timeout(client, settings, hung_server, api_key, caplog):
    settings.CACHES = redis_cache_settings(f"redis://127.0.0.1:{hung_server.port}/0")
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="huizhi.core.resilientcache"):
        statuses = serve_everything(client, api_key)
    elapsed = time.monotonic() - started

    assert statuses == [200, 200, 200, 201, 200, 200]
    # Without timeouts the first request would wait for ever; with them the first failure costs
    # one read timeout and the rest skip Redis. A generous bound: this is a shared machine.
    assert elapsed < 5, elapsed
    assert hung_server.accepted, "the cache never reached the hung server: the test proves nothing"
    warnings = [r for r in caplog.records if r.name == "huizhi.core.resilientcache"]
    assert len(warnings) == 1 and "TimeoutError" in warnings[0].getMessage()  # one warning a window


def test_after_a_timeout_redis_is_not_asked_again_until_the_window_ends(hung_server):
    url = f"redis://127.0.0.1:{hung_server.port}/0"
    options = {"OPTIONS": {"socket_connect_timeout": TIMEOUT, "socket_timeout": TIMEOUT}}
    backend = ResilientRedisCache(url, {**options, "RETRY_SECONDS": 60})

    started = time.monotonic()
    assert backend.get("a", "default") == "default"
    assert time.monotonic() - started < 5  # the read timeout, not for ever
    deadline = time.monotonic() + 2
    while not hung_server.accepted and time.monotonic() < deadline:
        time.sleep(0.01)
    connections = len(hung_server.accepted)
    assert connections == 1

    for _ in range(5):
        assert backend.get("a", "default") == "default"
        backend.set("a", 1)
    time.sleep(0.2)
    assert len(hung_server.accepted) == connections  # skipped: no new connection, no new wait

    # A backend without the window asks again (and times out again).
    retrying = ResilientRedisCache(url, {**options, "RETRY_SECONDS": 0})
    resilientcache._skip_until.clear()
    assert retrying.get("a", "default") == "default"
    time.sleep(0.2)
    assert len(hung_server.accepted) > connections


# --- the rate limit itself -------------------------------------------------------------------------


@pytest.mark.usefixtures("one_a_minute")
def test_an_anonymous_client_cannot_escape_its_limit_with_a_forged_forwarded_for(client, settings):
    settings.HUIZHI_TRUSTED_PROXIES = 0  # no proxy: X-Forwarded-For is whatever the client wrote
    assert client.get("/open311/v2/services.json", HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 200
    refused = client.get("/open311/v2/services.json", HTTP_X_FORWARDED_FOR="10.2.2.2")
    assert refused.status_code == 429


@pytest.mark.usefixtures("one_a_minute")
def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(client, settings):
    settings.HUIZHI_TRUSTED_PROXIES = 1

    def ask(address: str) -> int:
        # The client's own (forgeable) entry first, then the address the proxy appended.
        return client.get("/open311/v2/services.json", HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}").status_code

    assert [ask("10.1.1.1"), ask("10.2.2.2"), ask("10.1.1.1")] == [200, 200, 429]


@pytest.mark.usefixtures("one_a_minute")
def test_with_redis_up_the_limit_still_holds(client, settings, api_key, real_redis_url):
    url = real_redis_url  # one Redis database per xdist worker (conftest.py)
    try:
        ResilientRedisCache(url, {"OPTIONS": {"socket_connect_timeout": TIMEOUT}}).ping()
    except resilientcache.REDIS_DOWN:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = redis_cache_settings(url)
    cache.clear()
    try:
        statuses = [
            client.get("/open311/v2/requests.json", {"api_key": api_key}).status_code for _ in range(2)
        ]
        assert cache.get("anything", "default") == "default"
        cache.set("anything", 5)
        assert cache.get("anything") == 5
    finally:
        cache.clear()
    assert statuses == [200, 429]
