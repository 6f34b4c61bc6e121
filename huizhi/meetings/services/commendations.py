"""Commendations at a 表彰会: the organisers name a volunteer (with the hours and points the care app
confirmed), a central party-member household or a self-governance group of the community, and why.

What the public list shows is fixed here, once: a volunteer by a masked name, a household by its
address (a central party-member household is a home, and the list never names who lives there)."""

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.care.models import Volunteer
from huizhi.care.selectors import points_for
from huizhi.core.text import mask_person_name
from huizhi.meetings.models import Commendation, CommendationKind, Meeting, MeetingKind
from huizhi.meetings.naming import organiser_label, public_household_name
from huizhi.meetings.permissions import organises
from huizhi.meetings.services.common import MeetingError, clean_text, locked_meeting, record_event
from huizhi.places.codes import is_within
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Place


@transaction.atomic
def commendation_record(
    *,
    actor,
    meeting_id: int,
    reason: str,
    volunteer: Volunteer | None = None,
    household: Place | None = None,
    group: Group | None = None,
) -> Commendation:
    """One party of the meeting's community commended at a commendation meeting that has begun,
    by its organisers, once per meeting. Refused whole, nothing saved."""
    meeting = locked_meeting(meeting_id)
    if not organises(actor, meeting):
        raise MeetingError(_("Only the meeting's organisers record its commendations."), code="not_allowed")
    if meeting.kind != MeetingKind.COMMENDATION:
        raise MeetingError(
            _("Commendations are made at a commendation meeting (表彰会)."), code="wrong_state"
        )
    if meeting.starts_at > timezone.now():
        raise MeetingError(_("Commendations are recorded once the meeting has begun."), code="wrong_state")
    if sum(party is not None for party in (volunteer, household, group)) != 1:
        raise MeetingError(
            _("Name one party to commend: a volunteer, a central party-member household or a group."),
            code="missing_party",
            field="whom",
        )
    reason = clean_text(reason, label=_("Reason"), max_length=1000)
    fields = _party_fields(meeting, volunteer=volunteer, household=household, group=group)
    try:
        with transaction.atomic():
            commendation = Commendation.objects.create(
                meeting=meeting, community_id=meeting.community_id, reason=reason, created_by=actor, **fields
            )
    except IntegrityError as exc:
        raise MeetingError(
            _("%(name)s is already commended at this meeting.") % {"name": fields["public_name"]},
            code="already",
        ) from exc
    record_event(meeting=meeting, actor=actor, action="commended", note=commendation.public_name)
    return commendation


def _party_fields(meeting: Meeting, *, volunteer, household, group) -> dict:
    community_code = meeting.community.code
    if volunteer is not None:
        if not volunteer.is_active or not is_within(volunteer.place_code, community_code):
            raise MeetingError(_("That volunteer is not one of this community's."), field="whom")
        hours = volunteer.hours.filter(confirmed_at__isnull=False).aggregate(total=Sum("hours"))["total"]
        return {
            "kind": CommendationKind.VOLUNTEER,
            "volunteer": volunteer,
            "public_name": mask_person_name(volunteer.resident.name),
            "hours": hours or 0,
            "points": points_for(hours),
        }
    if household is not None:
        led = Group.objects.filter(central_household=household).exists()
        if household.kind != PlaceKind.UNIT or not led or not is_within(household.code, community_code):
            raise MeetingError(
                _("That home is not a central party-member household of this community."), field="whom"
            )
        return {
            "kind": CommendationKind.HOUSEHOLD,
            "household": household,
            "public_name": public_household_name(household),
        }
    if not is_within(group.place.code, community_code):
        raise MeetingError(_("That group is not one of this community's."), field="whom")
    return {"kind": CommendationKind.GROUP, "group": group, "public_name": organiser_label(group)}
