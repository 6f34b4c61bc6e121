"""The client's IP address, the same way everywhere (sign-in limits, the access log)."""

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or behind HUIZHI_TRUSTED_PROXIES proxies the address the outermost trusted proxy
    saw (X-Forwarded-For is read from the right, so a client cannot forge its own entry)."""
    proxies = settings.HUIZHI_TRUSTED_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None
