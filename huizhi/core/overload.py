"""Saying "busy" instead of serving a request that has already waited too long for a worker.

nginx bounds how many requests each app server holds (deploy/nginx/huizhi.conf, `max_conns`), but
a request it admits may still wait in the server's listen backlog behind slow ones; under overload
that wait was most of the admitted requests' time (a p95 of 535 ms at twice the knee). nginx stamps
when it passed the request on (`X-Request-Start: t=<seconds>`); a request that reaches a worker
after waiting longer than HUIZHI_QUEUE_WAIT_MAX_MS is answered at once with 503 and Retry-After,
before anything is read or written, so its client retries (a filing with its Idempotency-Key is
filed once) and the worker goes on to a request that can still be answered in time.

Without the header (no proxy, `make run`) nothing is refused. A stamp from the future or from over
a minute ago says the clocks disagree, not that the request waited: it is ignored. Health checks
are never refused: a load balancer must not take every server out because all are busy.
"""

import time

from django.conf import settings
from django.utils.translation import gettext as _

from huizhi.core.limits import clients_language, refusal

NEVER_REFUSED = ("/healthz", "/readyz", "/metrics")
RETRY_AFTER_S = 2
PLAUSIBLE_WAIT_S = 60.0


def queue_wait_s(header: str, now: float) -> float | None:
    """Seconds between the proxy's stamp (`t=1733480000.123`, nginx's $msec) and `now`, or None
    when there is no plausible stamp."""
    value = header.strip()
    if value.startswith("t="):
        value = value[2:]
    try:
        stamped = float(value)
    except ValueError:
        return None
    waited = now - stamped
    return waited if 0 <= waited <= PLAUSIBLE_WAIT_S else None


class QueueWaitLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit_ms = settings.HUIZHI_QUEUE_WAIT_MAX_MS
        stamp = request.META.get("HTTP_X_REQUEST_START")
        if limit_ms > 0 and stamp and request.path_info not in NEVER_REFUSED:
            waited = queue_wait_s(stamp, time.time())
            if waited is not None and waited * 1000 > limit_ms:
                with clients_language(request):
                    message = _("The server is busy: try again in a few seconds.")
                response = refusal(request, 503, "busy", message)
                response["Retry-After"] = str(RETRY_AFTER_S)
                response["Cache-Control"] = "no-store"
                return response
        return self.get_response(request)
