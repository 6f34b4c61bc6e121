from huizhi.core.errors import Refusal


class CaseActionError(Refusal):
    """A refused action, with a message for the person and a code for the API:
    wrong_state, moved_on, not_allowed, missing_reason, missing_unit, missing_photo, bad_input."""
