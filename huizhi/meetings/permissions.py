"""Who may see and run meetings (DESIGN §2, §8).

Organisers: community staff over the meeting's place, and the central party-member household
(building liaison) of the group that holds it. The discipline commissioner and street leadership
read everything in their scope, unpublished minutes too, and change nothing. Invitees see the
meetings they are invited to, and their minutes once published.
"""

import rules
from django.db.models import Q, QuerySet
from django.http import Http404

from huizhi.accounts.permissions import can_view_places
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.meetings.models import Decision, Invitation, Meeting, MeetingKind, Venue

# Roles that read every meeting in their place scope, minutes and all, before they are published.
OVERSIGHT_ROLES = (Role.COMMUNITY_STAFF, Role.DISCIPLINE_COMMISSIONER, Role.STREET_ADMIN)
# Roles that follow up the decisions taken in their place scope.
SUPERVISING_ROLES = (Role.DISCIPLINE_COMMISSIONER, Role.STREET_ADMIN)


def _authenticated(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def meetings_visible_to(user) -> QuerySet[Meeting]:
    """Meetings in the user's place scope, those they are invited to, their group's, and those
    whose decisions they (or their organisation) carry out."""
    if not _authenticated(user):
        return Meeting.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Meeting.objects.all()
    invited = Invitation.objects.filter(user=user).values("meeting_id")
    owning = Decision.objects.filter(_owner_q(user, scopes)).values("meeting_id")
    q = Q(pk__in=invited) | Q(pk__in=owning) | scopes.q("place_code")
    if scopes.group_ids:
        q |= Q(organiser_group_id__in=scopes.group_ids)
    return Meeting.objects.filter(q)


def _owner_q(user, scopes) -> Q:
    """Decisions the user carries out: their own, or their organisation's."""
    return Q(owner_user_id=user.pk) | Q(owner_organisation_id__in=scopes.organisation_ids)


def get_meeting_for_user(user, pk: int) -> Meeting:
    """The meeting, or 404 both when there is none and when the user may not see it."""
    meeting = (
        meetings_visible_to(user)
        .select_related("community", "place", "organiser_region", "organiser_group", "organiser_organisation")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return meeting


def organises(user, meeting: Meeting) -> bool:
    """Community staff over the meeting's place, or the liaison of the group holding it."""
    if not _authenticated(user):
        return False
    scopes = scopes_of(user)
    if scopes.covers(meeting.place_code, Role.COMMUNITY_STAFF):
        return True
    return meeting.organiser_group_id is not None and meeting.organiser_group_id in scopes.group_ids


def may_propose_topic(user, place_code: str) -> bool:
    """Whether `user` may put a matter found at `place_code` on its community's list of topics:
    the community's staff, or the grid worker of that place (a need met on a household visit)."""
    if not _authenticated(user):
        return False
    return scopes_of(user).covers(place_code, Role.COMMUNITY_STAFF, Role.GRID_WORKER, roles_only=True)


def may_organise_for(user, *, place_code: str, group_id: int | None) -> bool:
    """Whether `user` may hold a meeting at `place_code` (for the group `group_id`, if any)."""
    if not _authenticated(user):
        return False
    scopes = scopes_of(user)
    if scopes.covers(place_code, Role.COMMUNITY_STAFF):
        return True
    return group_id is not None and group_id in scopes.group_ids


def oversees(user, place_code: str) -> bool:
    return scopes_of(user).covers(place_code, *OVERSIGHT_ROLES)


@rules.predicate
def can_read_minutes(user, meeting: Meeting) -> bool:
    """Published minutes: whoever sees the meeting. Unpublished: its organisers and oversight."""
    if meeting.minutes_published:
        return meetings_visible_to(user).filter(pk=meeting.pk).exists()
    return organises(user, meeting) or oversees(user, meeting.place_code)


@rules.predicate
def can_organise_meeting(user, meeting: Meeting) -> bool:
    return organises(user, meeting)


@rules.predicate
def can_view_meetings(user) -> bool:
    """Whom the navigation offers "Meetings": organisers, oversight, representatives, liaisons and
    the units that may own decisions. Read off the roles alone (no query on every page); a resident
    invited reaches the meeting from the notice's link."""
    if not _authenticated(user):
        return False
    scopes = scopes_of(user)
    return scopes.holds(*OVERSIGHT_ROLES, Role.REPRESENTATIVE) or bool(
        scopes.group_ids or scopes.organisations_for(Role.HANDLING_UNIT, Role.SERVICE_OPERATOR)
    )


@rules.predicate
def can_schedule_meetings(user) -> bool:
    scopes = scopes_of(user)
    return scopes.holds(Role.COMMUNITY_STAFF) or bool(scopes.group_ids)


@rules.predicate
def can_supervise_decisions(user) -> bool:
    return scopes_of(user).holds(*SUPERVISING_ROLES)


def decisions_supervised_by(user) -> QuerySet[Decision]:
    """Decisions in the places the user supervises (discipline commissioner, street leadership)."""
    return Decision.objects.filter(scopes_of(user).q("place_code", *SUPERVISING_ROLES))


def acts_for_owner(user, decision: Decision) -> bool:
    """The decision's owner: the person, or an account of the owning organisation."""
    if not _authenticated(user):
        return False
    if decision.owner_user_id is not None:
        return decision.owner_user_id == user.pk
    return decision.owner_organisation_id in scopes_of(user).organisation_ids


@rules.predicate
def can_report_progress(user, decision: Decision) -> bool:
    return decision.status == Decision.Status.OPEN and (
        acts_for_owner(user, decision) or organises(user, decision.meeting)
    )


def venues_visible_to(user) -> QuerySet[Venue]:
    """The meeting places of the communities where the user holds a place role (none otherwise)."""
    return Venue.objects.filter(scopes_of(user).q("community_code"))


@rules.predicate
def can_add_venues(user) -> bool:
    return scopes_of(user).holds(Role.COMMUNITY_STAFF)


@rules.predicate
def can_commend(user, meeting: Meeting) -> bool:
    return meeting.kind == MeetingKind.COMMENDATION and organises(user, meeting)


rules.add_perm("meetings.view_meetings", can_view_meetings)
# The community's meeting places: for those who hold a place among those who see meetings (a
# handling unit owning a decision has no use for them).
rules.add_perm("meetings.view_venues", can_view_meetings & can_view_places)
rules.add_perm("meetings.add_venue", can_add_venues)
rules.add_perm("meetings.commend", can_commend)
rules.add_perm("meetings.schedule", can_schedule_meetings)
rules.add_perm("meetings.organise", can_organise_meeting)
rules.add_perm("meetings.read_minutes", can_read_minutes)
rules.add_perm("meetings.supervise_decisions", can_supervise_decisions)
rules.add_perm("meetings.report_progress", can_report_progress)
