"""Reads of meetings shared by the pages, the demo and the supervision list."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of, subtree_q
from huizhi.meetings.models import (
    AgendaItem,
    Decision,
    Invitation,
    InviteeRole,
    Meeting,
    MeetingEvent,
    MeetingItem,
)
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
