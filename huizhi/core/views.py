from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from huizhi.core import metrics, readiness


@never_cache
@require_GET
def healthz(request):
    """Liveness, for a supervisor: 200 whenever the process answers. The database's state is
    reported but does not fail it (a database outage is no reason to restart the app servers);
    /readyz is what takes a server out of rotation."""
    database = "ok" if readiness.check_database()["ok"] else "unavailable"
    return JsonResponse({"status": "ok", "database": database, "vendor": connection.vendor})


@never_cache
@require_GET
def readyz(request):
    """Readiness, for the load balancer: 200 when every check passes, else 503; the body names
    each check and what failed (huizhi.core.readiness)."""
    checks = readiness.readiness()
    failed = [name for name, answer in checks.items() if not answer["ok"]]
    return JsonResponse(
        {"status": "error" if failed else "ok", "failed": failed, "checks": checks},
        status=503 if failed else 200,
    )


@never_cache
@require_GET
def prometheus_metrics(request):
    """Prometheus' scrape: only from HUIZHI_METRICS_ALLOWED_IPS or with HUIZHI_METRICS_TOKEN (403)."""
    body, content_type = metrics.exposition(request)
    return HttpResponse(body, content_type=content_type)
