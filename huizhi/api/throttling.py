from rest_framework.throttling import SimpleRateThrottle

from huizhi.api.clients import SystemClient
from huizhi.core.clientip import client_ip


class PerClientThrottle(SimpleRateThrottle):
    """One budget per API key, per user token, or per address for anonymous calls.

    Counts live in the default cache, which fails open (huizhi.core.resilientcache): when Redis
    cannot be asked, a request is let through rather than refused, because a limit that cannot
    be checked is no reason to turn away a resident's report."""

    scope = "client"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, SystemClient):
            ident = f"key:{user.key.prefix}"
        elif getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            # The proxy-aware address, as the sign-in limits count it: behind a proxy DRF's own
            # get_ident would see the proxy (one budget for everyone) or trust a forged header.
            ident = f"ip:{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
