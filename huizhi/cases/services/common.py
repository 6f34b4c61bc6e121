"""Pieces the case services share: events, photos, clocks and notification scheduling."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError

from huizhi.cases import outbound, workcalendar
from huizhi.cases.models import Case, CaseEvent, CasePhoto
from huizhi.cases.notifications import deliver_event_notifications
from huizhi.cases.services.errors import CaseActionError
from huizhi.core.photos import clean_photo
from huizhi.core.tasks import enqueue_with_transaction
from huizhi.core.text import MAX_TEXT, clean_plain_text


def clean_photos(photos) -> list:
    """Every upload checked before anything is written, so a bad photo saves nothing."""
    try:
        return [clean_photo(photo) for photo in photos or ()]
    except ValidationError as exc:
        raise CaseActionError(" ".join(exc.messages), code="bad_photo", field="photos") from exc


def clean_text(value: str, *, label: str, max_length: int = MAX_TEXT, required: bool = True) -> str:
    """Plain text for a case field, or CaseActionError(bad_input) saying what is wrong."""
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise CaseActionError(" ".join(exc.messages), code="bad_input") from exc


def record_event(
    *,
    case: Case,
    actor,
    action: str,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
    photos=(),
) -> CaseEvent:
    """Append a timeline line (with its cleaned photos) and tell the people involved after commit."""
    event = CaseEvent.objects.create(
        case=case,
        actor=actor,
        actor_label=str(actor) if actor else "",
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    for content in photos:
        photo = CasePhoto(event=event)
        photo.image.save(content.name, content, save=False)
        photo.width, photo.height = photo.image.width, photo.image.height
        photo.save()
    # Robust: a failure to queue the notices never keeps the other systems from hearing of the event.
    # Queued with the event itself: a case saved is always announced, even if this process dies
    # right after the commit (with the database queue).
    enqueue_with_transaction(deliver_event_notifications, event.id)
    outbound.announce(event)
    return event


def accept_deadline(case: Case, now: datetime) -> None:
    category = case.category
    working = workcalendar.is_working_clock(category.accept_unit)
    total = workcalendar.limit_seconds(float(category.accept_limit), category.accept_unit)
    case.accept_due_at = workcalendar.add(now, total, working)
    case.accept_warn_at = workcalendar.add(now, total * (1 - settings.HUIZHI_NEAR_DUE_FRACTION), working)


def start_handle_clock(case: Case, now: datetime, due_at: datetime | None = None) -> None:
    """Start the handling clock at `now` with the category's limit, or until `due_at` if given."""
    category = case.category
    working = workcalendar.is_working_clock(category.handle_unit)
    total = (
        workcalendar.between(now, due_at, working)
        if due_at is not None
        else workcalendar.limit_seconds(float(category.handle_limit), category.handle_unit)
    )
    set_handle_clock(case, now, total, total, working)
    if due_at is not None:
        # Keep the deadline as chosen: adding its working seconds back would snap it to the end of
        # the last office period before it (a deadline in a holiday would fall on its eve).
        case.handle_due_at = due_at
        case.handle_warn_at = min(case.handle_warn_at, due_at)


def set_handle_clock(case: Case, now: datetime, remaining: float, total: float, working: bool) -> None:
    case.handle_clock_working = working
    case.handle_limit_seconds = total
    case.handle_due_at = workcalendar.add(now, remaining, working)
    warn_left = total * settings.HUIZHI_NEAR_DUE_FRACTION
    case.handle_warn_at = workcalendar.add(now, max(0.0, remaining - warn_left), working)
    case.warned_for = case.overdue_for = None
