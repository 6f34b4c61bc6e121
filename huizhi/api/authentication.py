from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from huizhi.api.clients import SystemClient
from huizhi.api.keys import api_key_check


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`X-Api-Key: <key>` (or the `api_key` parameter Open311 clients send)."""

    def authenticate(self, request):
        raw = request.headers.get("X-Api-Key") or request.query_params.get("api_key")
        if (
            not raw
            and request.method == "POST"
            and request.content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        ):
            raw = request._request.POST.get("api_key")
        if not raw:
            return None
        key = api_key_check(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("The API key is wrong or has been revoked."))
        return SystemClient(key), key

    def authenticate_header(self, request):
        return "Api-Key"
