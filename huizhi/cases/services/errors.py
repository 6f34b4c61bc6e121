from django.core.exceptions import ValidationError


class CaseActionError(ValidationError):
    """A refused action, with a message for the person and a code for the API:
    wrong_state, moved_on, not_allowed, missing_reason, missing_unit, missing_photo, bad_input."""
