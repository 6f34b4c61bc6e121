"""No copy of a signed-in page is kept by a browser or a proxy (DESIGN §6).

Pages for a signed-in person (session, API token or API key) show personal data: residents,
reveals, cases with reporters, care registers. A shared computer's back button or disk cache, or a
caching proxy, must not keep them, so every such response says `Cache-Control: no-store`. One rule
here instead of one decorator per view, so a new page cannot forget it. A view that decides its own
caching (photos: public ones may be cached) keeps its header; anonymous pages (the public wall)
are left to the usual caching.
"""

from django.utils.cache import patch_cache_control


def is_private(request) -> bool:
    """Whether the request was answered for someone signed in: a session user, or a user or key
    that Django REST framework authenticated in the view (it sets both on the Django request)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or getattr(request, "auth", None) is not None


def no_store(response):
    """Mark `response` as never to be stored, whatever it said before (a reveal, a download)."""
    patch_cache_control(response, no_store=True)
    return response


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and is_private(request):
            no_store(response)
        return response
