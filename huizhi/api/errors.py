from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework.exceptions import APIException, NotFound, ParseError
from rest_framework.views import exception_handler

from huizhi.core.limits import JSON_PREFIXES, OPEN311_PREFIXES, refusal


class TooLarge(APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = gettext_lazy("The request is too large.")


def json_error_handler(exc, context):
    """Errors as {"code": machine-readable, "message": for people, "fields": per field when a form}."""
    if isinstance(exc, RequestDataTooBig):
        exc = TooLarge()
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        response.data = {"code": getattr(detail, "code", code), "message": str(detail)}
    else:
        message = "; ".join(
            f"{field}: {' '.join(map(str, errors)) if isinstance(errors, list) else errors}"
            for field, errors in (data.items() if isinstance(data, dict) else [("errors", data)])
        )
        response.data = {"code": "invalid", "message": message, "fields": data}
    return response


# The site's 400 and 404 handlers (config.urls; the 500 one is huizhi.core.errorpages). A request
# under /api/ that fails before DRF sees it (no route takes the path; a body Django cannot parse,
# read first by a middleware) would get the site's HTML page; an API client gets the API's error
# shape instead. Every other path gets the site's page, as before.


def _under_api(request) -> bool:
    """The API's and Open311's clients read their own error shapes (core.limits.refusal writes both)."""
    return request.path_info.startswith((*JSON_PREFIXES, *OPEN311_PREFIXES))


def not_found(request, exception=None):
    if _under_api(request):
        return refusal(request, 404, NotFound.default_code, str(NotFound.default_detail))
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    if _under_api(request):
        return refusal(request, 400, ParseError.default_code, str(ParseError.default_detail))
    return defaults.bad_request(request, exception)
