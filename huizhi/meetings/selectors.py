"""Reads of meetings shared by the pages, the demo and the supervision list."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of, subtree_q
from huizhi.care.models import Volunteer
from huizhi.care.selectors import points_for
from huizhi.meetings.models import (
    AgendaItem,
    Commendation,
    Decision,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingEvent,
    MeetingItem,
    Venue,
)
from huizhi.meetings.naming import address_of, organiser_label
from huizhi.meetings.permissions import decisions_supervised_by
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region

# Which kind of organisation each party is, for the parties that are organisations.
ORGANISATION_ROLES = {
    InviteeRole.PARTY_COMMITTEE: OrganisationKind.PARTY_COMMITTEE,
    InviteeRole.GRID_BRANCH: OrganisationKind.GRID_PARTY_BRANCH,
    InviteeRole.PROPERTY_COMPANY: OrganisationKind.PROPERTY_COMPANY,
    InviteeRole.OWNERS_COMMITTEE: OrganisationKind.OWNERS_COMMITTEE,
    InviteeRole.MEMBER_UNIT: OrganisationKind.MEMBER_UNIT,
}


@dataclass(frozen=True)
class Invitee:
    user: User
    role: str
    organisation: Organisation | None = None


def groups_of_meeting(meeting: Meeting) -> QuerySet[Group]:
    """The self-governance groups a meeting speaks for: its group, its region's, or those within its place."""
    if meeting.organiser_group_id:
        return Group.objects.filter(pk=meeting.organiser_group_id)
    if meeting.organiser_region_id:
        return Group.objects.filter(region_id=meeting.organiser_region_id)
    return Group.objects.filter(subtree_q(meeting.place_code, "place__code"))


def _organisations_for(meeting: Meeting, kind: str) -> QuerySet[Organisation]:
    place = meeting.place
    if kind == OrganisationKind.PROPERTY_COMPANY:
        compound_code = place.ancestor_code(PlaceKind.COMPOUND)
        compound = Place.objects.filter(code=compound_code).first() if compound_code else None
        ids = [compound.property_company_id] if compound and compound.property_company_id else []
        return Organisation.objects.filter(pk__in=ids, is_active=True)
    if kind == OrganisationKind.GRID_PARTY_BRANCH:
        root = place.ancestor_code(PlaceKind.GRID) or meeting.community.code
        return Organisation.objects.filter(kind=kind, is_active=True).filter(subtree_q(root, "place__code"))
    if kind == OrganisationKind.MEMBER_UNIT:
        # Member units of the 大党委 belong to the street (or to the community itself).
        codes = [meeting.community.code, meeting.community.code[:9]]
        return Organisation.objects.filter(kind=kind, is_active=True, place__code__in=codes)
    root = place.ancestor_code(PlaceKind.COMPOUND) if kind == OrganisationKind.OWNERS_COMMITTEE else None
    return Organisation.objects.filter(kind=kind, is_active=True).filter(
        subtree_q(root or meeting.community.code, "place__code")
    )


def invitees_for(meeting: Meeting, roles) -> list[Invitee]:
    """The accounts that hold each invited party for this meeting, each once (first role wins)."""
    found: dict[int, Invitee] = {}

    def add(users, role, organisation=None):
        for user in users:
            if user.pk not in found and user.is_active:
                found[user.pk] = Invitee(user=user, role=role, organisation=organisation)

    community_code = meeting.community.code
    groups = list(groups_of_meeting(meeting).values_list("pk", flat=True))
    for role in roles:
        if role == InviteeRole.STAFF:
            add(_holders(Q(role=Role.COMMUNITY_STAFF, place__code=community_code)), role)
        elif role == InviteeRole.REPRESENTATIVE:
            codes = [community_code[:n] for n in (6, 9, 12)]
            add(_holders(Q(role=Role.REPRESENTATIVE, place__code__in=codes)), role)
        elif role == InviteeRole.RESIDENT_REPRESENTATIVE:
            add(_holders(Q(role=Role.BUILDING_LIAISON, group_id__in=groups)), role)
        elif role == InviteeRole.RESIDENT:
            add(
                User.objects.filter(
                    resident__is_active=True,
                    resident__household__unit__group_membership__group_id__in=groups,
                ).order_by("pk"),
                role,
            )
        elif role in ORGANISATION_ROLES:
            for organisation in _organisations_for(meeting, ORGANISATION_ROLES[role]):
                users = _holders(Q(role=Role.HANDLING_UNIT, organisation=organisation))
                add(users, role, organisation)
    return list(found.values())


def invitees_of_organisations(organisations) -> list[Invitee]:
    """The accounts of named organisations, each attending as the party its kind is; ValueError
    names an organisation that is no party to a meeting (a department, a crew)."""
    role_of_kind = {kind: role for role, kind in ORGANISATION_ROLES.items()}
    found = []
    for organisation in organisations:
        role = role_of_kind.get(organisation.kind)
        if role is None or not organisation.is_active:
            raise ValueError(_("%(name)s cannot be invited as a party.") % {"name": organisation.name})
        for user in _holders(Q(role=Role.HANDLING_UNIT, organisation=organisation)):
            if user.is_active:
                found.append(Invitee(user=user, role=role, organisation=organisation))
    return found


def _holders(q: Q) -> QuerySet[User]:
    ids = RoleAssignment.objects.filter(q).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("pk")


def organiser_choices(user) -> list[tuple[str, str]]:
    """("kind:id", name) of the bodies the user may hold meetings for: the regions and groups in
    their communities (or their own group), and the organisations of their communities."""
    scopes = scopes_of(user)
    is_staff = scopes.holds(Role.COMMUNITY_STAFF)
    staff_q = scopes.q("place__code", Role.COMMUNITY_STAFF)
    choices = []
    if is_staff:
        for region in Region.objects.filter(staff_q).select_related("place__parent"):
            choices.append(
                (f"region:{region.pk}", f"{region.place.parent.name}{region.place.name} {region.name}")
            )
    group_q = Q(pk__in=scopes.group_ids)
    if is_staff:
        group_q |= staff_q
    for group in Group.objects.filter(group_q).select_related("place__parent"):
        choices.append((f"group:{group.pk}", f"{group.place.parent.name}{group.place.name} {group.name}"))
    if is_staff:
        kinds = [
            OrganisationKind.PARTY_COMMITTEE,
            OrganisationKind.REPRESENTATIVE_STUDIO,
            OrganisationKind.OWNERS_COMMITTEE,
            OrganisationKind.GRID_PARTY_BRANCH,
        ]
        for organisation in Organisation.objects.filter(staff_q, kind__in=kinds, is_active=True):
            choices.append((f"organisation:{organisation.pk}", organisation.name))
    return choices


def resolve_organiser(value: str):
    """The Region, Group or Organisation a "kind:id" choice names, or None."""
    kind, _, pk = (value or "").partition(":")
    model = {"region": Region, "group": Group, "organisation": Organisation}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(pk=int(pk)).first()


def meeting_list(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.select_related("community").annotate(
        invited=Count("invitations", distinct=True),
        attended=Count("invitations", filter=Q(invitations__attended_at__isnull=False), distinct=True),
        decided=Count("decisions", distinct=True),
    )


def upcoming_and_past(meetings: QuerySet[Meeting], now=None) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    now = now or timezone.now()
    upcoming = meeting_list(meetings.filter(ends_at__gte=now)).order_by("starts_at", "id")
    past = meeting_list(meetings.filter(ends_at__lt=now)).order_by("-starts_at", "-id")
    return upcoming, past


def meeting_page(meeting: Meeting) -> dict:
    """What the meeting page shows: agenda, sign-in sheet, decisions with their votes and cases."""
    items = list(
        MeetingItem.objects.filter(meeting=meeting).select_related(
            "agenda_item__source_post", "agenda_item__source_case"
        )
    )
    invitations = list(meeting.invitations.select_related("user", "organisation"))
    decisions = list(
        meeting.decisions.select_related("agenda_item", "owner_organisation", "owner_user").prefetch_related(
            "cases", Prefetch("events", queryset=MeetingEvent.objects.select_related("actor"))
        )
    )
    return {
        "items": items,
        "invitations": invitations,
        "attended": sum(1 for i in invitations if i.attended_at),
        "quorum": quorum_of(invitations),
        "commendations": list(meeting.commendations.order_by("kind", "id"))
        if meeting.kind == "commendation"
        else [],
        "voters": [i for i in invitations if i.may_vote and i.attended_at],
        "decisions": decisions,
        "events": list(meeting.events.filter(decision__isnull=True).select_related("actor")),
    }


def pending_agenda_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    """Items of the meeting's community not yet on this meeting's agenda and not yet decided."""
    return (
        AgendaItem.objects.filter(community_id=meeting.community_id)
        .exclude(status=AgendaItem.Status.DECIDED)
        .exclude(meeting_items__meeting=meeting)
        .order_by("-created_at", "-id")
    )


def overdue_decisions(user, today=None) -> QuerySet[Decision]:
    """The commissioner's list: open decisions in their scope past their due date, oldest due first."""
    return (
        decisions_supervised_by(user)
        .overdue(today)
        .select_related("meeting", "owner_organisation", "owner_user")
        .order_by("due_date", "id")
    )


def my_invitations(user) -> QuerySet[Invitation]:
    return Invitation.objects.filter(user=user).select_related("meeting").order_by("-meeting__starts_at")


def owner_choices(meeting: Meeting, invitations: list[Invitation]) -> list[tuple[str, str]]:
    """Who can own a decision: the community's organisations and the street's (units, crews,
    member units, departments), and the people invited to the meeting."""
    codes = [meeting.community.code, meeting.community.code[:9]]
    organisations = Organisation.objects.filter(is_active=True).filter(
        Q(place__code__in=codes) | subtree_q(meeting.community.code, "place__code")
    )
    choices = [(f"organisation:{o.pk}", o.name) for o in organisations.order_by("kind", "name")]
    choices += [(f"user:{i.user_id}", f"{i.user} · {i.get_role_display()}") for i in invitations]
    return choices


# --- quorum --------------------------------------------------------------------------------------

DEFAULT_QUORUM_SHARE = 0.5


def quorum_share() -> float:
    """HUIZHI_MEETING_QUORUM: the share of the invitees entitled to vote who must have signed in
    before a vote counts (0.5: at least half; 2/3 for matters such as spending repair funds)."""
    share = getattr(settings, "HUIZHI_MEETING_QUORUM", DEFAULT_QUORUM_SHARE)
    return min(max(float(share), 0.0), 1.0)


@dataclass(frozen=True)
class Quorum:
    voters: int  # invitees entitled to vote
    present: int  # of them, signed in
    needed: int

    @property
    def reached(self) -> bool:
        return self.voters > 0 and self.present >= self.needed


def quorum_of(invitations) -> Quorum:
    """Whether enough of the invitees with a vote signed in: at least one, and the share of them."""
    voters = [i for i in invitations if i.may_vote]
    needed = max(1, math.ceil(quorum_share() * len(voters) - 1e-9))
    return Quorum(voters=len(voters), present=sum(1 for i in voters if i.attended_at), needed=needed)


# --- venues, the calendar, commendations ---------------------------------------------------------


def venue_choices(user) -> list[tuple[str, str]]:
    """(id, "community · name") of the venues of the communities the user holds meetings for."""
    venues = Venue.objects.filter(scopes_of(user).q("community_code", Role.COMMUNITY_STAFF))
    if not scopes_of(user).holds(Role.COMMUNITY_STAFF):
        # A group's liaison meets at its own community's venues.
        codes = {
            g.place.ancestor_code(PlaceKind.COMMUNITY)
            for g in Group.objects.filter(pk__in=scopes_of(user).group_ids).select_related("place")
        }
        venues = Venue.objects.filter(community_code__in=codes)
    return [
        (str(v.pk), f"{v.community.name} · {v.name}")
        for v in venues.select_related("community").order_by("community_code", "kind", "name")
    ]


def venue_map_config(venues) -> dict:
    """What static/meetings/venues-map.js draws: a point per venue over the grid polygons of their
    communities (so the map reads without a tile server), the tile server if any."""
    codes = {v.community_code for v in venues}
    grids = Place.objects.filter(kind=PlaceKind.GRID, parent__code__in=codes).only("boundary")
    return {
        "tileUrl": settings.HUIZHI_TILE_URL,
        "tileAttribution": settings.HUIZHI_TILE_ATTRIBUTION,
        "features": [
            {"type": "Feature", "geometry": g.boundary, "properties": {}} for g in grids if g.boundary
        ],
        "points": [
            {"id": v.pk, "name": v.name, "kind": str(v.get_kind_display()), "lon": v.lon, "lat": v.lat}
            for v in venues
        ],
    }


@dataclass(frozen=True)
class CalendarDay:
    day: object  # datetime.date
    in_month: bool
    meetings: list


def month_calendar(meetings: QuerySet[Meeting], year: int, month: int) -> list[list[CalendarDay]]:
    """The weeks (Monday first) covering the month, each day with the meetings starting on it, in
    one query."""
    import calendar
    from datetime import date, datetime, time, timedelta

    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    zone = timezone.get_current_timezone()
    since = datetime.combine(first, time.min, tzinfo=zone)
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
    by_day: dict[date, list[Meeting]] = {}
    rows = meetings.filter(starts_at__gte=since, starts_at__lt=until).select_related("venue_place")
    for meeting in rows.order_by("starts_at", "id"):
        by_day.setdefault(timezone.localtime(meeting.starts_at).date(), []).append(meeting)
    return [[CalendarDay(d, d.month == month, by_day.get(d, [])) for d in week] for week in weeks]


def commendation_parties(meeting: Meeting) -> list[tuple[str, str]]:
    """("kind:id", label) of whom a commendation meeting may commend: the community's volunteers
    with their confirmed hours and points, its central party-member households by address, its
    groups."""
    code = meeting.community.code
    choices = []
    volunteers = (
        Volunteer.objects.filter(subtree_q(code, "place_code"), is_active=True)
        .select_related("resident")
        .annotate(confirmed=Sum("hours__hours", filter=Q(hours__confirmed_at__isnull=False)))
        .order_by(F("confirmed").desc(nulls_last=True), "id")[:200]
    )
    for v in volunteers:
        label = _("Volunteer %(name)s · %(hours)s h · %(points)d points") % {
            "name": v.resident.name,
            "hours": v.confirmed or 0,
            "points": points_for(v.confirmed),
        }
        choices.append((f"volunteer:{v.pk}", label))
    groups = list(
        Group.objects.filter(subtree_q(code, "place__code"))
        .select_related("place__parent", "central_household__parent__parent")
        .order_by("place__code", "id")
    )
    for g in groups:
        if g.central_household_id:
            label = _("Central party-member household %(address)s") % {
                "address": address_of(g.central_household)
            }
            choices.append((f"household:{g.central_household_id}", label))
    for g in groups:
        choices.append((f"group:{g.pk}", _("Group %(name)s") % {"name": organiser_label(g)}))
    return choices


def public_commendations(community: Place) -> QuerySet[Commendation]:
    """The community's commendations (recorded only once their meeting began), newest meeting first."""
    return (
        Commendation.objects.filter(community=community)
        .select_related("meeting")
        .order_by("-meeting__starts_at", "meeting_id", "kind", "id")
    )


def staff_communities_q(user) -> Q:
    """The communities (as a filter on Place) where the user is community staff."""
    return scopes_of(user).q("code", Role.COMMUNITY_STAFF, roles_only=False)


def invitable_organisations(meeting: Meeting) -> QuerySet[Organisation]:
    """Organisations a meeting may invite by name: the parties' kinds, in its community or street
    (a compound without a property company may talk to one serving elsewhere in the street)."""
    codes = [meeting.community.code, meeting.community.code[:9]]
    return (
        Organisation.objects.filter(is_active=True, kind__in=list(ORGANISATION_ROLES.values()))
        .filter(Q(place__code__in=codes) | subtree_q(meeting.community.code, "place__code"))
        .order_by("kind", "name")
    )
