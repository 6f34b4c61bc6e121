"""Reads of the self-governance network and of the helpers' pages, each in a fixed number of
queries whatever the size of the community.

What "of a group" means: a group lives in one building (or compound) and links some of its
household units (包户). Its cases are those filed at one of its units or at its building; its wall
items are those at its building, because the wall keeps no place finer than the building (who
posted, and from which door, is never public), so every group of a building shares them.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import codes_q, scopes_of
from huizhi.cases.models import Case
from huizhi.core.text import mask_person_name, mask_typed_personal_numbers
from huizhi.meetings.models import Invitation, Meeting
from huizhi.meetings.selectors import upcoming_and_past
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, GroupHousehold, Organisation, Place, Region
from huizhi.registry.models import Household, Resident
from huizhi.wall.models import Claim, Post, Response

# How many rows a list on these pages shows; the wall and the case queue page through the rest.
LIST_LIMIT = 50


# --- the network tree -----------------------------------------------------------------------------


@dataclass
class GroupRow:
    group: Group
    liaisons: list[User] = field(default_factory=list)
    households: int = 0
    open_wall_items: int = 0
    open_cases: int = 0


@dataclass
class RegionBranch:
    region: Region | None  # None: the groups that belong to no region
    groups: list[GroupRow] = field(default_factory=list)


@dataclass
class CommunityTree:
    community: Place
    committee: Organisation | None
    regions: list[RegionBranch] = field(default_factory=list)

    @property
    def group_count(self) -> int:
        return sum(len(branch.groups) for branch in self.regions)


def _counts_by_place(rows: QuerySet, place_codes: list[str]) -> dict[str, int]:
    """How many of `rows` lie at each place code under `place_codes` (one grouped query)."""
    if not place_codes:
        return {}
    counted = rows.filter(codes_q(place_codes, "place_code")).values("place_code").annotate(n=Count("pk"))
    return {row["place_code"]: row["n"] for row in counted.order_by()}


def _spread(counts: dict[str, int], rows: list[GroupRow], unit_codes: dict[int, set[str]]) -> dict[int, int]:
    """Per group: what lies at one of its units or at its own building/compound."""
    spread = {}
    for row in rows:
        codes = unit_codes.get(row.group.pk, set()) | {row.group.place.code}
        spread[row.group.pk] = sum(counts.get(code, 0) for code in codes)
    return spread


def network_trees(communities: list[Place]) -> list[CommunityTree]:
    """Each community: its party committee → regions → groups (liaisons, households, open wall
    items and open cases). Seven queries for any number of communities and groups."""
    if not communities:
        return []
    within = codes_q([c.code for c in communities], "place__code")
    in_communities = Group.objects.filter(within)
    groups = list(
        in_communities.select_related("place__parent", "region", "central_household")
        .annotate(household_count=Count("households"))
        .order_by("place__code", "region__name", "pk")
    )
    regions = list(
        Region.objects.filter(within).select_related("place__parent").order_by("place__code", "name")
    )
    committees = {
        o.place_id: o
        for o in Organisation.objects.filter(
            kind=OrganisationKind.PARTY_COMMITTEE, place__in=communities, is_active=True
        ).order_by("pk")
    }
    rows = [GroupRow(group=g, households=g.household_count) for g in groups]
    by_id = {row.group.pk: row for row in rows}
    liaisons = RoleAssignment.objects.filter(role=Role.BUILDING_LIAISON, group__in=in_communities)
    for assignment in liaisons.select_related("user").order_by("user__pk"):
        by_id[assignment.group_id].liaisons.append(assignment.user)
    unit_codes: dict[int, set[str]] = defaultdict(set)
    for group_id, code in GroupHousehold.objects.filter(group__in=in_communities).values_list(
        "group_id", "unit__code"
    ):
        unit_codes[group_id].add(code)
    group_places = sorted({g.place.code for g in groups})
    cases = _spread(_counts_by_place(Case.objects.open(), group_places), rows, unit_codes)
    posts = _spread(_counts_by_place(Post.objects.on_wall(), group_places), rows, unit_codes)
    for row in rows:
        row.open_cases, row.open_wall_items = cases[row.group.pk], posts[row.group.pk]

    trees = []
    for community in communities:
        tree = CommunityTree(community=community, committee=committees.get(community.pk))
        branches = {}
        for region in regions:
            if community.contains(region.place):
                branches[region.pk] = RegionBranch(region=region)
        loose = RegionBranch(region=None)
        for row in rows:
            if community.contains(row.group.place):
                branches.get(row.group.region_id, loose).groups.append(row)
        tree.regions = list(branches.values()) + ([loose] if loose.groups else [])
        trees.append(tree)
    return trees


# --- one group ------------------------------------------------------------------------------------


@dataclass
class HouseholdRow:
    """A linked household as the network shows it: the unit's address and its people, masked."""

    unit: Place
    is_central: bool
    masked_names: list[str]
    registered: bool

    @property
    def address(self) -> str:
        building = self.unit.parent
        return f"{building.parent.name} {building.name} {self.unit.name}"


def group_households(group: Group) -> list[HouseholdRow]:
    """The group's 包户, central household first, each with its residents' names masked (张**).

    Only the name column of a resident is read: the encrypted numbers are never decrypted here."""
    residents = Resident.objects.filter(is_active=True).only("pk", "name", "household_id").order_by("pk")
    households = {
        h.unit_id: h
        for h in Household.objects.filter(unit__group_membership__group=group).prefetch_related(
            Prefetch("residents", queryset=residents)
        )
    }
    memberships = GroupHousehold.objects.filter(group=group).select_related("unit__parent__parent")
    rows = []
    for membership in memberships.order_by("unit__code"):
        unit = membership.unit
        household = households.get(unit.pk)
        rows.append(
            HouseholdRow(
                unit=unit,
                is_central=unit.pk == group.central_household_id,
                masked_names=[mask_person_name(r.name) for r in household.residents.all()]
                if household
                else [],
                registered=household is not None,
            )
        )
    return sorted(rows, key=lambda row: not row.is_central)


def _group_place_q(group: Group) -> Q:
    unit_codes = list(GroupHousehold.objects.filter(group=group).values_list("unit__code", flat=True))
    return Q(place_code=group.place.code) | Q(place_code__in=unit_codes)


def group_open_wall_items(group: Group) -> list[Post]:
    """Open public items at the group's building, most supported first."""
    posts = Post.objects.on_wall().filter(_group_place_q(group)).select_related("place", "category")
    return list(posts.order_by("-supports_count", "-published_at", "-id")[:LIST_LIMIT])


@dataclass
class CaseLine:
    """A case as the network shows it: reference, status and title, typed numbers masked (a liaison
    reads it, and does not see the case's particulars)."""

    case: Case
    title: str


def group_open_cases(group: Group) -> list[CaseLine]:
    cases = Case.objects.open().filter(_group_place_q(group)).select_related("place", "category")
    return [
        CaseLine(case=case, title=mask_typed_personal_numbers(case.title))
        for case in cases.order_by("-created_at", "-id")[:LIST_LIMIT]
    ]


def group_meetings(group: Group) -> QuerySet[Meeting]:
    """Meetings the group holds, and those of its region (which speak for all its groups)."""
    q = Q(organiser_group=group)
    if group.region_id:
        q |= Q(organiser_region_id=group.region_id)
    return Meeting.objects.filter(q)


def group_page(group: Group, now=None) -> dict:
    upcoming, past = upcoming_and_past(group_meetings(group), now=now)
    return {
        "group": group,
        "community_code": group.place.ancestor_code(PlaceKind.COMMUNITY),
        "households": group_households(group),
        "wall_items": group_open_wall_items(group),
        "cases": group_open_cases(group),
        "upcoming": list(upcoming[:10]),
        "past": list(past[:10]),
    }


def liaison_next_meeting(user, group: Group, now=None) -> tuple[Meeting | None, Invitation | None]:
    """The next meeting (not yet ended) of the group or its region, or one the liaison is invited
    to, with the liaison's invitation to it if any."""
    now = now or timezone.now()
    invited = Invitation.objects.filter(user=user).values("meeting_id")
    meeting = (
        Meeting.objects.filter(Q(pk__in=group_meetings(group).values("pk")) | Q(pk__in=invited))
        .filter(ends_at__gte=now)
        .order_by("starts_at", "id")
        .first()
    )
    if meeting is None:
        return None, None
    return meeting, Invitation.objects.filter(meeting=meeting, user=user).first()


# --- the partner page -----------------------------------------------------------------------------


def partner_scope_q(user, units: list[Organisation]) -> Q:
    """Where a partner takes items on: a representative over the places their role covers, a member
    unit over the place it belongs to (the street, or its community)."""
    q = scopes_of(user).q("place_code", Role.REPRESENTATIVE, roles_only=True)
    if units:
        q |= codes_q([unit.place.code for unit in units], "place_code")
    return q


def takeable_posts(user, units: list[Organisation]) -> list[Post]:
    """Open public items in the partner's scope that they have not yet taken on, most supported
    first. Only the wall's open items: the wall's own claim rule accepts every public stage."""
    posts = (
        Post.objects.on_wall()
        .filter(partner_scope_q(user, units))
        .exclude(pk__in=Claim.objects.filter(user=user).values("post_id"))
        .select_related("place", "category", "community")
    )
    return list(posts.order_by("-supports_count", "-published_at", "-id")[:LIST_LIMIT])


def my_claims(user) -> list[Claim]:
    """The items the user took on, newest first, each with the answers the user gave."""
    answers = Prefetch(
        "post__responses",
        queryset=Response.objects.filter(author=user).order_by("created_at", "id"),
        to_attr="mine",
    )
    claims = Claim.objects.filter(user=user).select_related(
        "post__place", "post__category", "post__community"
    )
    return list(claims.prefetch_related(answers).order_by("-created_at", "-id")[:LIST_LIMIT])


def my_meetings(user, now=None) -> tuple[list[Invitation], list[Invitation]]:
    """The user's invitations: those still to come (soonest first) and those past (latest first)."""
    now = now or timezone.now()
    invitations = Invitation.objects.filter(user=user).select_related("meeting", "organisation")
    upcoming = invitations.filter(meeting__ends_at__gte=now).order_by("meeting__starts_at", "id")
    past = invitations.filter(meeting__ends_at__lt=now).order_by("-meeting__starts_at", "-id")
    return list(upcoming[:20]), list(past[:20])
