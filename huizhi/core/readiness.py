"""Readiness (/readyz): may this process take traffic now? Each dependency checked, each answer named.

Liveness (/healthz) only says the process answers; a load balancer asks this instead, and takes
the server out of rotation while a check fails. Checks:

- database: a SELECT 1.
- redis: a PING, when the cache is Redis (HUIZHI_REDIS_URL set); skipped on the per-process cache.
- task_queue: ready task rows waiting in the database queue, when tasks go through the database
  (HUIZHI_TASKS_BACKEND=database), at most HUIZHI_READY_MAX_QUEUE; a longer queue means the
  workers are down or cannot keep up, and notices go out late.
- deadline_sweep: minutes since the deadline sweep last finished, at most
  HUIZHI_READY_MAX_SWEEP_LAG_MINUTES. Checked only once a sweep has ever been recorded, so a
  laptop without cron stays ready. The time is kept in the shared cache (a heartbeat): with Redis
  every process sees it; on the per-process cache no other process can, so the check is skipped.

Answers carry an error's class name, never its message: the endpoint is unauthenticated, and
messages name hosts and users.
"""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from huizhi.core.resilientcache import REDIS_DOWN

_HEARTBEAT_KEY = "huizhi:heartbeat:%s"
DEADLINE_SWEEP = "deadline_sweep"


def heartbeat_record(name: str) -> None:
    """Note that the periodic job `name` has just finished (kept until the next one)."""
    cache.set(_HEARTBEAT_KEY % name, timezone.now(), timeout=None)


def heartbeat_at(name: str) -> datetime | None:
    """When `name` last finished, or None when never (or when the cache cannot say)."""
    value = cache.get(_HEARTBEAT_KEY % name)
    return value if isinstance(value, datetime) else None


def _failed(exc: BaseException) -> dict:
    return {"ok": False, "error": type(exc).__name__}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _failed(exc)
    return {"ok": True}


def check_redis() -> dict:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return {"ok": True, "skipped": "no Redis configured"}
    try:
        if hasattr(backend, "ping"):
            backend.ping()  # ResilientRedisCache: asks Redis even while the cache is failing open
        else:
            backend._cache.get_client(None, write=True).ping()  # noqa: SLF001 — Django keeps the client there
    except REDIS_DOWN as exc:
        return _failed(exc)
    return {"ok": True}


def check_task_queue() -> dict:
    if not isinstance(task_backends["default"], DatabaseBackend):
        return {"ok": True, "skipped": "tasks run in-process"}
    from django_tasks_db.models import DBTaskResult

    limit = settings.HUIZHI_READY_MAX_QUEUE
    try:
        # Counted only up to one past the bound: a long queue must not make the check itself slow.
        ready = DBTaskResult.objects.ready()[: limit + 1].count()
    except DatabaseError as exc:
        return _failed(exc)
    return {"ok": ready <= limit, "ready": ready, "max": limit}


def check_deadline_sweep() -> dict:
    limit = settings.HUIZHI_READY_MAX_SWEEP_LAG_MINUTES
    last = heartbeat_at(DEADLINE_SWEEP)
    if last is None:
        return {"ok": True, "skipped": "no sweep recorded yet", "max_minutes": limit}
    lag = (timezone.now() - last).total_seconds() / 60
    return {
        "ok": lag <= limit,
        "last_run": last.isoformat(),
        "lag_minutes": round(lag, 1),
        "max_minutes": limit,
    }


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "task_queue": check_task_queue,
    "deadline_sweep": check_deadline_sweep,
}


def readiness() -> dict[str, dict]:
    """Every check's answer by name; each has "ok" (a skipped check is ok)."""
    return {name: check() for name, check in CHECKS.items()}
