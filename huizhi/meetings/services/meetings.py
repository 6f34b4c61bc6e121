"""Scheduling a meeting, inviting its parties, signing in, and its minutes."""

import secrets
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from huizhi.meetings.models import (
    SIGN_IN_EARLY,
    VOTING_ROLES,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingKind,
    Venue,
)
from huizhi.meetings.naming import organiser_label
from huizhi.meetings.notifications import notify
from huizhi.meetings.permissions import may_organise_for, organises
from huizhi.meetings.selectors import Invitee, invitees_for, invitees_of_organisations
from huizhi.meetings.services.common import MeetingError, clean_text, locked_meeting, record_event
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region


def _organiser_place(organiser) -> tuple[Place, int | None]:
    """Where an organiser belongs, and its group id if it is a group."""
    if isinstance(organiser, Group):
        return organiser.place, organiser.pk
    if isinstance(organiser, Region | Organisation):
        return organiser.place, None
    raise MeetingError(
        _("Say who holds the meeting: a region, a group or an organisation."), code="missing_organiser"
    )


@transaction.atomic
def meeting_schedule(
    *,
    actor,
    kind: str,
    title: str,
    organiser,
    starts_at: datetime,
    ends_at: datetime,
    venue: str = "",
    venue_place: Venue | None = None,
    invite_roles=(),
    invite_organisations=(),
) -> Meeting:
    """A meeting in the future, held by one region, group or organisation of a community, at one of
    its community's venues (or a place named in words), with its parties invited and told. Refused
    whole: nothing is saved unless every part is right."""
    if kind not in MeetingKind.values:
        raise MeetingError(_("Choose the kind of meeting."))
    place, group_id = _organiser_place(organiser)
    community = _organiser_community(organiser, place)
    if not may_organise_for(actor, place_code=place.code, group_id=group_id):
        raise MeetingError(
            _("You cannot hold meetings for %(name)s.") % {"name": organiser}, code="not_allowed"
        )
    title = clean_text(title, label=_("Title"), max_length=120)
    if venue_place is not None and venue_place.community_id != community.pk:
        raise MeetingError(
            _("%(venue)s is not one of %(community)s's venues.")
            % {"venue": venue_place.name, "community": community.name},
            field="venue_place",
        )
    venue = clean_text(venue or (venue_place.name if venue_place else ""), label=_("Venue"), max_length=120)
    _check_future_times(starts_at, ends_at)
    roles = _known_roles(invite_roles)
    meeting = Meeting.objects.create(
        kind=kind,
        title=title,
        community=community,
        place=place,
        place_code=place.code,
        venue=venue,
        venue_place=venue_place,
        organiser_region=organiser if isinstance(organiser, Region) else None,
        organiser_group=organiser if isinstance(organiser, Group) else None,
        organiser_organisation=organiser if isinstance(organiser, Organisation) else None,
        organiser_name=organiser_label(organiser),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor,
    )
    record_event(meeting=meeting, actor=actor, action="scheduled", note=meeting.get_kind_display())
    if roles or invite_organisations:
        _invite(meeting, actor, roles, list(invite_organisations))
    return meeting


def _organiser_community(organiser, place: Place) -> Place:
    """The community the organiser's place lies in; an organiser outside every community is refused."""
    community_code = place.ancestor_code(PlaceKind.COMMUNITY)
    community = (
        Place.objects.filter(code=community_code, kind=PlaceKind.COMMUNITY).first()
        if community_code
        else None
    )
    if community is None:
        raise MeetingError(
            _("%(name)s does not belong to a community; choose a community's body.") % {"name": organiser},
            code="missing_organiser",
        )
    return community


def _check_future_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    if starts_at is None or ends_at is None:
        raise MeetingError(_("Give the meeting's start and end."))
    if starts_at <= timezone.now():
        raise MeetingError(_("A meeting is scheduled in the future; this time has passed."), code="past")
    if ends_at <= starts_at:
        raise MeetingError(_("The meeting has to end after it starts."))


def _known_roles(invite_roles) -> list[str]:
    roles = [role for role in invite_roles if role in InviteeRole.values]
    if len(roles) != len(list(invite_roles)):
        raise MeetingError(_("Unknown party to invite."))
    return roles


@transaction.atomic
def meeting_invite(*, actor, meeting_id: int, roles=(), organisations=()) -> list[Invitation]:
    """Invite more parties before the meeting ends — by role, or a named organisation (a property
    company a compound without one is talking to); those already invited are not told twice."""
    meeting = locked_meeting(meeting_id)
    if not organises(actor, meeting):
        raise MeetingError(_("Only the meeting's organisers invite."), code="not_allowed")
    if meeting.ends_at < timezone.now():
        raise MeetingError(_("This meeting is over."), code="wrong_state")
    if any(role not in InviteeRole.values for role in roles):
        raise MeetingError(_("Unknown party to invite."))
    return _invite(meeting, actor, list(roles), list(organisations))


def _invite(meeting: Meeting, actor, roles: list[str], organisations=()) -> list[Invitation]:
    already = set(meeting.invitations.values_list("user_id", flat=True))
    found: dict[int, Invitee] = {}
    for invitee in invitees_for(meeting, roles) + _named_organisations(organisations):
        found.setdefault(invitee.user.pk, invitee)
    new = [i for i in found.values() if i.user.pk not in already]
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                meeting=meeting,
                user=i.user,
                role=i.role,
                organisation=i.organisation,
                may_vote=i.role in VOTING_ROLES,
            )
            for i in new
        ]
    )
    if invitations:
        labels = ", ".join([str(InviteeRole(role).label) for role in roles] + [o.name for o in organisations])
        record_event(meeting=meeting, actor=actor, action="invited", note=f"{len(invitations)} · {labels}")
        # The one who invites knows already (as the case loop never tells the actor).
        notify([i.user for i in new if i.user.pk != actor.pk], invitation_text(meeting))
    return invitations


def _named_organisations(organisations) -> list[Invitee]:
    try:
        return invitees_of_organisations(organisations)
    except ValueError as exc:
        raise MeetingError(str(exc), field="organisations") from exc


def invitation_text(meeting: Meeting) -> str:
    when = date_format(timezone.localtime(meeting.starts_at), "Y-m-d H:i")
    return _("You are invited: %(kind)s “%(title)s”, %(when)s at %(venue)s. Sign in there: %(path)s") % {
        "kind": meeting.get_kind_display(),
        "title": meeting.title[:40],
        "when": when,
        "venue": meeting.venue,
        "path": reverse("meetings:sign_in", args=[meeting.pk]),
    }


@transaction.atomic
def meeting_sign_in(*, actor, meeting_id: int, user_id: int | None = None, token: str = "") -> Invitation:
    """An invitee signs in on their phone with the token of the QR code shown at the meeting, while
    it runs; or an organiser marks one present (once the meeting has begun, also afterwards from the
    paper sheet). A second sign-in is refused as "already"."""
    meeting = locked_meeting(meeting_id)
    now = timezone.now()
    # The organiser's own row on the sheet is marked like anyone's; only the phone page signs in self.
    self_sign_in = user_id is None or (user_id == actor.pk and not organises(actor, meeting))
    invitation = (
        Invitation.objects.select_for_update()
        .filter(meeting=meeting, user_id=actor.pk if self_sign_in else user_id)
        .first()
    )
    if self_sign_in:
        if invitation is None:
            raise MeetingError(_("You are not invited to this meeting."), code="not_allowed")
        if not sign_in_token_matches(meeting, token):
            raise MeetingError(
                _("This sign-in link is not the one shown at the meeting: scan the QR code there."),
                code="bad_token",
            )
    else:
        if not organises(actor, meeting):
            raise MeetingError(_("Only the meeting's organisers mark attendance."), code="not_allowed")
        if invitation is None:
            raise MeetingError(_("That person is not invited to this meeting."), code="not_allowed")
    if invitation.attended_at is not None:
        raise MeetingError(_("Already signed in."), code="already")
    if self_sign_in and not meeting.sign_in_open(now):
        raise MeetingError(
            _("Signing in opens half an hour before the meeting and closes when it ends."), code="wrong_state"
        )
    if not self_sign_in and now < meeting.starts_at - SIGN_IN_EARLY:
        raise MeetingError(_("The meeting has not begun."), code="wrong_state")
    invitation.attended_at = now
    invitation.signed_in_by = Invitation.SignedInBy.SELF if self_sign_in else Invitation.SignedInBy.ORGANISER
    invitation.save(update_fields=["attended_at", "signed_in_by"])
    record_event(meeting=meeting, actor=actor, action="signed_in", note=str(invitation.user))
    return invitation


def sign_in_token_matches(meeting: Meeting, token: str) -> bool:
    """Compared in constant time: the token is the proof of having been at the meeting."""
    return bool(token) and secrets.compare_digest(str(token).encode(), meeting.sign_in_token.encode())


@transaction.atomic
def meeting_minutes_save(*, actor, meeting_id: int, minutes: str, publish: bool = False) -> Meeting:
    """The minutes as plain text, kept to the organisers (and oversight) until published; publishing
    also puts each decision on the echo wall of the item that raised it."""
    meeting = locked_meeting(meeting_id)
    if not organises(actor, meeting):
        raise MeetingError(_("Only the meeting's organisers keep its minutes."), code="not_allowed")
    if meeting.starts_at > timezone.now():
        raise MeetingError(_("Minutes are written once the meeting has begun."), code="wrong_state")
    if meeting.minutes_published:
        raise MeetingError(_("The minutes are published and can no longer change."), code="wrong_state")
    meeting.minutes = clean_text(minutes, label=_("Minutes"), max_length=20000)
    fields = ["minutes"]
    if publish:
        meeting.minutes_published_at = timezone.now()
        fields.append("minutes_published_at")
    meeting.save(update_fields=fields)
    record_event(meeting=meeting, actor=actor, action="minutes_published" if publish else "minutes_saved")
    if publish:
        from huizhi.meetings.services.decisions import publish_decisions

        publish_decisions(meeting, actor)
    return meeting
