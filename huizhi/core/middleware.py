from urllib.parse import urlsplit

from django.conf import settings


def _tile_source(tile_url: str) -> str:
    """The CSP source for the configured tile server ('{s}.' subdomains become a wildcard)."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}.", "*."))
    return f" {parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy that forbids inline and foreign scripts on every page.

    Every asset is served by the app itself (government intranets have no internet), so 'self'
    is all a page needs; map tiles may come from the configured tile server.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' data: blob:{_tile_source(settings.HUIZHI_TILE_URL)}; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
