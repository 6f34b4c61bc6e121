from rest_framework.throttling import SimpleRateThrottle

from huizhi.api.clients import SystemClient


class PerClientThrottle(SimpleRateThrottle):
    """One budget per API key, per user token, or per address for anonymous calls."""

    scope = "client"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, SystemClient):
            ident = f"key:{user.key.prefix}"
        elif getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
