"""Input no request of ours can mean, refused once at the door instead of in every view.

A NUL character: PostgreSQL text cannot hold one, so a search, a filter or a form field carrying
it made the database raise (500) wherever the value reached a query — seven endpoints were found
from outside. No person types it and no place code, name or text contains it, so it is refused
with 400 wherever it appears: the path, the query string, or a form body. (JSON bodies are
parsed by the API's serializers, whose text fields refuse it themselves.)
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext as _

from huizhi.core.limits import clients_language, refusal

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _carries_nul(querydict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in querydict.lists())


class NulCharacterGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = "\x00" in request.path or _carries_nul(request.GET)
        if not found and request.method == "POST" and request.content_type in FORM_TYPES:
            # Reading the form here is what CSRF protection does next anyway; the body's size
            # was checked before (RequestBodyLimitMiddleware).
            try:
                found = _carries_nul(request.POST)
            except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
                with clients_language(request):
                    return refusal(request, 413, "too_large", _("The request is too large."))
        if found:
            with clients_language(request):
                return refusal(
                    request,
                    400,
                    "nul_character",
                    _("The request contains a NUL character, which no field accepts."),
                )
        return self.get_response(request)
