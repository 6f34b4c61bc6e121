"""/readyz: 200 when every dependency is within bounds, 503 naming each that is not; /healthz stays
a liveness check that answers whatever the dependencies do."""

import io
import socket
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError
from django.utils import timezone

from huizhi.cases.notifications import deliver_event_notifications
from huizhi.core.readiness import DEADLINE_SWEEP, heartbeat_at

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "huizhi.core.resilientcache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            "RETRY_SECONDS": 5,
        }
    }


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    return response.status_code, response.json()


def assert_not_ready_because(client, name: str) -> dict:
    status, body = ready(client)
    assert status == 503, body
    assert body["status"] == "error"
    assert body["failed"] == [name]
    assert body["checks"][name]["ok"] is False
    return body["checks"][name]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def real_redis(settings, real_redis_url):
    settings.CACHES = redis_caches(real_redis_url)  # one Redis database per xdist worker (conftest.py)
    from django.core.cache import cache

    try:
        cache._cache.get_client(None, write=True).ping()  # noqa: SLF001
    except Exception:  # noqa: BLE001 — any failure: no Redis here
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache.clear()
    yield
    cache.clear()


# --- all well --------------------------------------------------------------------------------------


def test_a_laptop_is_ready_and_says_what_it_did_not_check(client, settings):
    # The laptop's defaults, whatever this test run was given (CI runs with Redis).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    status, body = ready(client)
    assert status == 200 and body["status"] == "ok" and body["failed"] == []
    checks = body["checks"]
    assert set(checks) == {"database", "redis", "task_queue", "deadline_sweep"}
    assert all(answer["ok"] for answer in checks.values())
    assert checks["database"] == {"ok": True}
    assert "skipped" in checks["redis"]  # no HUIZHI_REDIS_URL
    assert "skipped" in checks["task_queue"]  # tasks run in-process
    assert "skipped" in checks["deadline_sweep"]  # no sweep has run: no cron on a laptop


@pytest.mark.usefixtures("real_redis")
def test_a_server_with_every_dependency_configured_and_well_is_ready(client, settings):
    settings.TASKS = DATABASE_TASKS
    deliver_event_notifications.enqueue(event_id=1)
    call_command("sweep_deadlines", stdout=io.StringIO())

    status, body = ready(client)

    assert status == 200, body
    checks = body["checks"]
    assert not any("skipped" in answer for answer in checks.values()), checks
    assert checks["task_queue"]["ready"] == 1
    assert checks["deadline_sweep"]["lag_minutes"] < 1


# --- each dependency failing -----------------------------------------------------------------------


def test_not_ready_when_the_database_does_not_answer(client):
    with mock.patch("django.db.connection.cursor", side_effect=DatabaseError("connection refused")):
        answer = assert_not_ready_because(client, "database")
    assert answer["error"] == "DatabaseError"


def test_not_ready_when_redis_does_not_answer_though_the_cache_fails_open(client, settings, closed_port):
    settings.CACHES = redis_caches(f"redis://127.0.0.1:{closed_port}/0")
    answer = assert_not_ready_because(client, "redis")
    assert answer["error"] == "ConnectionError"
    assert str(closed_port) not in str(answer)  # no addresses to an unauthenticated caller
    # Asked again (no failing-open window for the check): still not ready.
    assert_not_ready_because(client, "redis")
    # Alive all the same: the process answers (liveness is not readiness).
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_not_ready_when_the_task_queue_is_longer_than_its_bound(client, settings):
    settings.TASKS = DATABASE_TASKS
    settings.HUIZHI_READY_MAX_QUEUE = 2
    for event_id in (1, 2):
        deliver_event_notifications.enqueue(event_id=event_id)
    status, body = ready(client)
    assert status == 200 and body["checks"]["task_queue"] == {"ok": True, "ready": 2, "max": 2}

    deliver_event_notifications.enqueue(event_id=3)

    answer = assert_not_ready_because(client, "task_queue")
    assert answer["ready"] == 3 and answer["max"] == 2


def test_tasks_deferred_to_later_are_not_a_backlog(client, settings):
    settings.TASKS = DATABASE_TASKS
    settings.HUIZHI_READY_MAX_QUEUE = 0
    later = deliver_event_notifications.using(run_after=timezone.now() + timedelta(hours=1))
    later.enqueue(event_id=1)
    status, body = ready(client)
    assert status == 200 and body["checks"]["task_queue"]["ready"] == 0


def test_not_ready_when_the_deadline_sweep_stopped_running(client, settings):
    settings.HUIZHI_READY_MAX_SWEEP_LAG_MINUTES = 10
    with time_machine.travel(timezone.now() - timedelta(minutes=11)):
        call_command("sweep_deadlines", stdout=io.StringIO())

    answer = assert_not_ready_because(client, "deadline_sweep")
    assert answer["lag_minutes"] >= 10.9 and answer["max_minutes"] == 10

    call_command("sweep_deadlines", stdout=io.StringIO())  # cron runs again
    status, body = ready(client)
    assert status == 200 and body["checks"]["deadline_sweep"]["lag_minutes"] < 1


def test_a_dry_run_of_the_sweep_is_not_a_sweep(client):
    call_command("sweep_deadlines", "--dry-run", stdout=io.StringIO())
    assert heartbeat_at(DEADLINE_SWEEP) is None
