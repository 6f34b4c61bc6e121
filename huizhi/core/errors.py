from django.core.exceptions import ValidationError


class Refusal(ValidationError):
    """A refused action: `message` for the person, `code` for pages, the API and tests.

    Every service's error is one of these, so a form takes it with `add_error(None, error)` and a
    view reads `error.message` and `error.code` the same way everywhere."""

    def __init__(self, message, code: str = "bad_input", params=None, field: str | None = None):
        super().__init__(message, code=code, params=params)
        # The input the refusal is about (e.g. "place", "lat"), so an API can name the field.
        self.field = field
