"""Prometheus metrics: what /metrics answers, and the middleware that counts requests.

- `huizhi_http_requests_total{method, route, status}` and
  `huizhi_http_request_duration_seconds{method, route}`: every request, labelled by its URL
  pattern's name (`cases:detail`), never by its path: paths carry ids and are unbounded, and a
  label per id would grow Prometheus without end. A request no pattern matched is `unmatched`.
- `huizhi_task_queue_ready`: task rows waiting for a worker (HUIZHI_TASKS_BACKEND=database).
- `huizhi_deadline_sweep_lag_seconds`: seconds since `huizhi sweep_deadlines` last finished (the
  heartbeat /readyz reads), absent until a sweep has run.
- `process_*` and `python_info`: the answering process.
- Gauges an app adds with `gauge_provider()` at its `ready()`; core imports no app.

Several gunicorn workers answer one server: with PROMETHEUS_MULTIPROC_DIR set (an empty directory,
emptied at each start) each worker writes its counts there and any worker's /metrics adds them up
(prometheus_client's multiprocess mode). The gauges here are computed when scraped, never stored
per process, so a dead worker needs no clean-up.

/metrics answers only addresses in HUIZHI_METRICS_ALLOWED_IPS (loopback by default) or a request
bearing HUIZHI_METRICS_TOKEN: route names and queue depths are no one else's business.
"""

import hmac
import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from huizhi.core.clientip import client_ip
from huizhi.core.readiness import DEADLINE_SWEEP, heartbeat_at

# The methods a label may carry; anything else is "other" (a client may send any token as a method).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Counted only up to this: a scrape must stay cheap however long the queue has grown.
QUEUE_COUNT_CAP = 100_000

REQUESTS = Counter("huizhi_http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
DURATION = Histogram(
    "huizhi_http_request_duration_seconds",
    "Time to answer an HTTP request, in seconds.",
    ["method", "route"],
    # Pages aim at 0.1 s and a request is cut at 30 s (gunicorn's timeout).
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12, 30),
)

# name -> (help, function returning the value or None when there is nothing to say)
_GAUGES: dict[str, tuple[str, Callable[[], float | None]]] = {}


def gauge_provider(name: str, documentation: str):
    """Register `fn() -> float | None` as the gauge `name`, read at every scrape (None: left out).
    Apps call it from their AppConfig.ready(); a provider that fails is left out of that scrape."""

    def register(fn: Callable[[], float | None]):
        _GAUGES[name] = (documentation, fn)
        return fn

    return register


@gauge_provider("huizhi_task_queue_ready", "Tasks waiting for a worker (database queue only).")
def task_queue_ready() -> float | None:
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None  # tasks run in the process that queues them: there is no queue
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready()[:QUEUE_COUNT_CAP].count()


@gauge_provider("huizhi_deadline_sweep_lag_seconds", "Seconds since the deadline sweep last finished.")
def deadline_sweep_lag() -> float | None:
    last = heartbeat_at(DEADLINE_SWEEP)
    return None if last is None else (timezone.now() - last).total_seconds()


class _ScrapeTimeGauges(Collector):
    def collect(self):
        for name, (documentation, fn) in _GAUGES.items():
            try:
                value = fn()
            except DatabaseError:
                continue  # /readyz says what is down; a scrape still answers the rest
            if value is not None:
                family = GaugeMetricFamily(name, documentation)
                family.add_metric([], float(value))
                yield family


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    # view_name is the pattern's name with its namespace, or the view's dotted path when unnamed:
    # both are fixed by the code, so the label's values are bounded.
    return match.view_name if match is not None else "unmatched"


class PrometheusMiddleware:
    """Counts and times every request. First in MIDDLEWARE, so refusals by the middleware after it
    (413, 400) are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        route = _route(request)
        DURATION.labels(method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response


def _allowed(request) -> bool:
    token = settings.HUIZHI_METRICS_TOKEN
    sent = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(
        ip in ipaddress.ip_network(allowed, strict=False) for allowed in settings.HUIZHI_METRICS_ALLOWED_IPS
    )


_SCRAPE_TIME = _ScrapeTimeGauges()
REGISTRY.register(_SCRAPE_TIME)


def exposition(request) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, or PermissionDenied for a caller not allowed."""
    if not _allowed(request):
        raise PermissionDenied
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        # This process's counts, with the process and platform collectors registered by default.
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # every worker's counts, added up
    ProcessCollector(registry=registry)  # the answering worker's own
    PlatformCollector(registry=registry)
    registry.register(_SCRAPE_TIME)
    return generate_latest(registry), CONTENT_TYPE_LATEST
