"""What the meeting services share: the refusal they raise, clean text, and the timeline."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from huizhi.core.errors import Refusal
from huizhi.core.text import clean_plain_text
from huizhi.meetings.models import Decision, Meeting, MeetingEvent


class MeetingError(Refusal):
    """A refused meeting action: not_allowed, wrong_state, already, past, missing_organiser,
    missing_owner, missing_due_date, not_entitled, not_carried, no_quorum, bad_token, bad_input."""


def clean_text(value: str, *, label: str, max_length: int = 4000, required: bool = True) -> str:
    # The pages refuse NUL at the door (core/guards.py); the demo, commands and tests call here directly.
    if "\x00" in (value or ""):
        raise MeetingError(
            _("%(label)s contains a NUL character; please retype it.") % {"label": label}, code="bad_input"
        )
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise MeetingError(" ".join(exc.messages), code="bad_input") from exc


def record_event(
    *, meeting: Meeting, actor, action: str, note: str = "", decision: Decision | None = None
) -> MeetingEvent:
    return MeetingEvent.objects.create(
        meeting=meeting, decision=decision, actor=actor, action=action, note=note
    )


def locked_meeting(meeting_id: int) -> Meeting:
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community", "place")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        raise MeetingError(_("No such meeting."), code="not_found")
    return meeting
