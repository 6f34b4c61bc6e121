"""No copy of a signed-in page is kept by a browser or a proxy (DESIGN §6).

Pages for a signed-in person (session, API token or API key) show personal data: residents,
reveals, cases with reporters, care registers. A shared computer's back button or disk cache, or a
caching proxy, must not keep them, so every such response says `Cache-Control: no-store`. One rule
here instead of one decorator per view, so a new page cannot forget it. A view that decides its own
caching (photos: public ones may be cached) keeps its header.

The other way round, a view may say that its answer to someone not signed in is the same for
everyone (the public wall, Open311's public reads): `public_when_anonymous`. Such an answer says
`Cache-Control: public, max-age=…`, so the shipped nginx keeps it for those seconds and a crowd
reading the same wall costs the app one request (deploy/nginx/huizhi.conf). Only when nothing made
it personal: a GET or HEAD answered 200 for no one, that sets no cookie — a page that rendered a
CSRF token sets one, so a form's page is never shared. The middleware sits outside the session,
CSRF and messages middleware, so it sees every cookie they add.
"""

from functools import wraps

from django.utils.cache import patch_cache_control

# How long a shared cache may keep an answer that is the same for everyone: short, so a new wall
# item or case shows within seconds, long enough to answer a crowd from one copy.
PUBLIC_MAX_AGE_S = 5


def is_private(request) -> bool:
    """Whether the request was answered for someone signed in: a session user, or a user or key
    that Django REST framework authenticated in the view (it sets both on the Django request)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated) or getattr(request, "auth", None) is not None


def no_store(response):
    """Mark `response` as never to be stored, whatever it said before (a reveal, a download)."""
    patch_cache_control(response, no_store=True)
    return response


def may_be_shared(response, seconds: int = PUBLIC_MAX_AGE_S):
    """Say that `response`, if it was answered for someone not signed in, is everyone's: the
    middleware marks it public for `seconds` when nothing made it personal."""
    response.public_max_age = seconds
    return response


def public_when_anonymous(view):
    """A view whose answer to a visitor not signed in is the same for every such visitor."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return may_be_shared(view(request, *args, **kwargs))

    return wrapped


def _shared(request, response) -> bool:
    return (
        getattr(response, "public_max_age", 0) > 0
        and request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.cookies  # a CSRF token, a session, a message: someone's own
    )


class PrivateCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        if is_private(request):
            no_store(response)
        elif _shared(request, response):
            patch_cache_control(response, public=True, max_age=response.public_max_age)
        return response
