"""What the project services share: the refusal they raise, the checks of text, money and dates,
and the audit trail."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.core.text import clean_plain_text
from huizhi.projects.models import MAX_AMOUNT, Need, Project, ProjectEvent, Resource

# A project may be recorded after its work began, but not long after: older work is history, not a
# project to follow. Nothing is planned further ahead than a street's longest programme.
STARTED_AT_MOST = timedelta(days=365)
PLANNED_AT_MOST = timedelta(days=3653)


class ProjectError(Refusal):
    """A refused action on the lists or a project: not_allowed, not_found, wrong_state, already,
    not_available, bad_input."""


def clean_text(value, *, label: str, field: str, max_length: int = 4000, required: bool = True) -> str:
    text = value if isinstance(value, str) else ""
    # The request guard refuses NUL at the door; the services refuse it too, for every other caller
    # (PostgreSQL cannot store it, and a half-saved row would follow).
    if "\x00" in text:
        raise ProjectError(_("%(label)s contains a NUL character.") % {"label": label}, field=field)
    try:
        return clean_plain_text(text, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise ProjectError(" ".join(exc.messages), field=field) from exc


def check_amount(value, *, label: str, field: str) -> Decimal | None:
    """None stays None; otherwise a finite figure from 0 up to MAX_AMOUNT yuan, in fen."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ProjectError(_("%(label)s must be a number.") % {"label": label}, field=field) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ProjectError(
            _("%(label)s must be between 0 and %(max)s yuan.")
            % {"label": label, "max": f"{MAX_AMOUNT:,.0f}"},
            field=field,
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ProjectError(_("%(label)s is in yuan and fen (two decimals).") % {"label": label}, field=field)
    return amount


def check_project_dates(starts_on: date | None, ends_on: date | None) -> None:
    today = timezone.localdate()
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise ProjectError(_("Give the date the project starts and the date it ends."), field="starts_on")
    if starts_on < today - STARTED_AT_MOST:
        raise ProjectError(
            _("A project recorded now cannot have started over a year ago."), field="starts_on"
        )
    if ends_on < today:
        raise ProjectError(_("A project recorded now cannot end in the past."), field="ends_on")
    if ends_on > today + PLANNED_AT_MOST:
        raise ProjectError(_("A project ends within ten years."), field="ends_on")
    if ends_on < starts_on:
        raise ProjectError(_("The project cannot end before it starts."), field="ends_on")


def check_available_until(value: date | None) -> date | None:
    if value is None:
        return None
    today = timezone.localdate()
    if not isinstance(value, date) or value < today:
        raise ProjectError(_("“Available until” cannot be in the past."), field="available_until")
    if value > today + PLANNED_AT_MOST:
        raise ProjectError(_("“Available until” is at most ten years ahead."), field="available_until")
    return value


def record_event(
    *,
    actor,
    action: str,
    note: str = "",
    project: Project | None = None,
    need: Need | None = None,
    resource: Resource | None = None,
    published: bool = False,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project,
        need=need,
        resource=resource,
        actor=actor,
        action=action,
        note=note,
        published=published,
    )
