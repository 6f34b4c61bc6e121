from django.core.exceptions import ValidationError


class Refusal(ValidationError):
    """A refused action: `message` for the person, `code` for pages, the API and tests.

    Every service's error is one of these, so a form takes it with `add_error(None, error)` and a
    view reads `error.message` and `error.code` the same way everywhere."""

    def __init__(self, message, code: str = "bad_input", params=None, field: str | None = None):
        super().__init__(message, code=code, params=params)
        # The input the refusal is about (e.g. "place", "lat"), so an API can name the field.
        self.field = field


# The HTTP status each refusal code answers with, on pages and in the API alike; any other code is
# the request's own fault (400). One table, so a page and the API never disagree on a refusal.
HTTP_STATUS_FOR_CODE: dict[str, int] = {
    "not_allowed": 403,
    "not_found": 404,
    # The thing has moved on since the person looked: look again (409 Conflict).
    "wrong_state": 409,
    "moved_on": 409,
    "already": 409,
    # Too many in a window (the wall's posts per resident): come back later.
    "rate_limited": 429,
}


def http_status(refusal: ValidationError) -> int:
    """The HTTP status that answers `refusal` (403, 404, 409, 429, or 400 for anything else)."""
    return HTTP_STATUS_FOR_CODE.get(getattr(refusal, "code", None) or "", 400)
