"""Pieces the care services share: the refusal error, text cleaning, catchment, notices."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.core.text import clean_plain_text
from huizhi.places.codes import is_within


class CareError(Refusal):
    """A refused care action, with a message for the person and a code for tests and the API:
    not_allowed, bad_input, wrong_age, full, ratio, outside, duplicate, not_watched, unauthorised,
    wrong_state, future."""


def require(condition: bool, message: str, code: str) -> None:
    if not condition:
        raise CareError(message, code=code)


def clean_text(value: str, *, label: str, max_length: int = 2000, required: bool = True) -> str:
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise CareError(" ".join(exc.messages), code="bad_input") from exc


def require_in_community(resident, community_code: str) -> None:
    require(
        resident.is_active and is_within(resident.place_code, community_code),
        _("%(name)s is not registered in this community.") % {"name": resident.name},
        "outside",
    )


def notify(user_ids, text: str) -> None:
    """An inbox line (no case attached) for each user."""
    from huizhi.cases import notifications

    notifications.notify(user_ids, text)


def holders(role: str, *, place_code: str | None = None, organisation_id: int | None = None) -> list[int]:
    from huizhi.accounts.models import RoleAssignment

    assignments = RoleAssignment.objects.filter(role=role)
    if place_code is not None:
        assignments = assignments.filter(place__code=place_code)
    if organisation_id is not None:
        assignments = assignments.filter(organisation_id=organisation_id)
    return list(assignments.values_list("user_id", flat=True))
