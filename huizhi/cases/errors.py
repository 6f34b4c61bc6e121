from huizhi.core.errors import Refusal


class CaseActionError(Refusal):
    """A refused action, with a message for the person and a code for the API:
    wrong_state, moved_on, not_allowed, missing_reason, missing_unit, missing_photo, bad_input.

    Outside the services package so that the transition table's effects (huizhi.cases.effects),
    which the permissions read through the table, can raise it without importing the services."""
