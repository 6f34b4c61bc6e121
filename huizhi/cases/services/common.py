"""Pieces the case services share: events, photos, text and notification scheduling (clocks: huizhi.cases.clocks)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from huizhi.cases import outbound
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case, CaseEvent, CasePhoto
from huizhi.cases.notifications import deliver_event_notifications
from huizhi.cases.states import CLOCK_ACTIONS
from huizhi.core.photos import clean_photo
from huizhi.core.tasks import enqueue_with_transaction, runs_in_a_worker
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
    at=None,
) -> CaseEvent:
    """Append a timeline line (with its cleaned photos) and tell the people involved after commit.
    Every line but the clock's own warnings moves the case's `last_event_at` (the stalled tab).
    `at`: the line's time when the caller has already written it as the case's last step (a new
    case, saved with its report's time)."""
    event = CaseEvent.objects.create(
        created_at=at or timezone.now(),
        case=case,
        actor=actor,
        actor_label=str(actor) if actor else "",
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    if action not in CLOCK_ACTIONS and case.last_event_at != event.created_at:
        # Its own UPDATE, not the caller's save: every service records events, and some save the
        # case before (transitions) or not at all (a rating's timeline line, a call-back).
        Case.objects.filter(pk=case.pk).update(last_event_at=event.created_at)
        case.last_event_at = event.created_at
    saved = []
    for content in photos:
        photo = CasePhoto(event=event)
        photo.image.save(content.name, content, save=False)
        photo.width, photo.height = photo.image.width, photo.image.height
        photo.save()
        saved.append(photo)
    event._prefetched_objects_cache = {"photos": saved}  # its photos are known: none to read back
    # Robust: a failure to queue the notices never keeps the other systems from hearing of the event.
    # Queued with the event itself: a case saved is always announced, even if this process dies
    # right after the commit (with the database queue).
    enqueue_with_transaction(deliver_event_notifications, event.id)
    outbound.keep_copies(event)
    # A worker that takes the queued notices tells the batch subscribers too, many events at once.
    outbound.announce(event, batches_later=runs_in_a_worker(deliver_event_notifications))
    return event
