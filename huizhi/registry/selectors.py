"""Reads of the registry that pages, exports and the care services share."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from huizhi.accounts.scopes import scopes_of, subtree_q
from huizhi.places.models import Group, GroupHousehold
from huizhi.registry.models import Household, ResidencyClaim, Resident
from huizhi.registry.permissions import (
    households_visible_to,
    residency_claims_visible_to,
    residents_visible_to,
)
from huizhi.registry.tags import VULNERABLE_TAGS, Tag, tag_q, tags_of

RESIDENT_RELATED = ("household__unit__parent__parent",)


@dataclass(frozen=True)
class RegistryFilter:
    place: str = ""  # a grid, compound or building code
    tag: str = ""
    query: str = ""  # a name

    @property
    def place_code(self) -> str:
        """The place as a code, or "" (no place filter) when it is not one: ASCII digits only, as
        str.isdigit() also passes "²", which subtree_q's int() refuses."""
        return self.place if self.place.isascii() and self.place.isdigit() else ""


def resident_list(user, registry_filter: RegistryFilter, today: date) -> QuerySet[Resident]:
    residents = residents_visible_to(user).filter(is_active=True).select_related(*RESIDENT_RELATED)
    if registry_filter.place_code:
        residents = residents.filter(subtree_q(registry_filter.place_code, "place_code"))
    if registry_filter.tag in Tag.values:
        residents = residents.filter(tag_q(registry_filter.tag, today))
    if registry_filter.query:
        residents = residents.filter(name__contains=registry_filter.query)
    return residents.order_by("place_code", "id")


def household_list(user, registry_filter: RegistryFilter, today: date) -> QuerySet[Household]:
    households = households_visible_to(user).select_related("unit__parent__parent")
    if registry_filter.place_code:
        households = households.filter(subtree_q(registry_filter.place_code, "place_code"))
    if registry_filter.tag in Tag.values:
        households = households.filter(
            pk__in=Resident.objects.filter(tag_q(registry_filter.tag, today), is_active=True).values(
                "household"
            )
        )
    return households.prefetch_related(
        Prefetch("residents", queryset=Resident.objects.filter(is_active=True).order_by("id"))
    ).order_by("place_code")


@dataclass
class HouseholdCard:
    household: Household
    residents: list
    vulnerable: list = field(default_factory=list)  # (resident, [tags])


def vulnerable_q(today: date) -> Q:
    """Residents carrying any of the tags that put their household first (VULNERABLE_TAGS)."""
    q = Q()
    for tag in VULNERABLE_TAGS:
        q |= tag_q(tag, today)
    return q


def my_households(user, today: date) -> QuerySet[Household]:
    """A grid worker's households, those with an active 80+, living-alone or disabled resident
    first, then by room code (building by building) and id: a total order, so pages cut from it
    neither skip nor repeat a household.

    The order is the database's (an EXISTS per household over the residents' birth dates and
    flags), so a page costs the same in a grid of any size; the cards' tags are read for one
    page only (household_cards)."""
    vulnerable = Resident.objects.filter(vulnerable_q(today), household=OuterRef("pk"), is_active=True)
    return (
        households_visible_to(user)
        .annotate(vulnerable=Exists(vulnerable))
        .select_related("unit__parent__parent")
        .prefetch_related(
            Prefetch("residents", queryset=Resident.objects.filter(is_active=True).order_by("id"))
        )
        .order_by("-vulnerable", "place_code", "id")
    )


def household_cards(households, today: date) -> list[HouseholdCard]:
    """A card per household (its active residents prefetched, as my_households does), naming
    each resident's vulnerable tags."""
    cards = []
    for household in households:
        residents = list(household.residents.all())
        card = HouseholdCard(household, residents)
        for resident in residents:
            flagged = [t for t in tags_of(resident, today) if t in VULNERABLE_TAGS]
            if flagged:
                card.vulnerable.append((resident, flagged))
        cards.append(card)
    return cards


@dataclass
class RosterLine:
    room: str
    names: list[str]
    is_central: bool


def group_roster(user) -> list[tuple[Group, list[RosterLine]]]:
    """A building liaison's groups: rooms and names only — never ID numbers or mobiles.

    Three queries, however many groups the liaison leads."""
    groups = list(
        Group.objects.filter(pk__in=scopes_of(user).group_ids).select_related(
            "place__parent", "central_household"
        )
    )
    memberships: dict[int, list[GroupHousehold]] = {}
    for membership in (
        GroupHousehold.objects.filter(group__in=groups).select_related("unit").order_by("unit__code")
    ):
        memberships.setdefault(membership.group_id, []).append(membership)
    unit_ids = {m.unit_id for group_memberships in memberships.values() for m in group_memberships}
    names: dict[int, list[str]] = {}
    for unit_id, name in Resident.objects.filter(household__unit_id__in=unit_ids, is_active=True).values_list(
        "household__unit_id", "name"
    ):
        names.setdefault(unit_id, []).append(name)
    return [
        (
            group,
            [
                RosterLine(m.unit.name, names.get(m.unit_id, []), m.unit_id == group.central_household_id)
                for m in memberships.get(group.pk, [])
            ],
        )
        for group in groups
    ]


CLAIM_RELATED = ("unit__parent__parent",)


def claims_of(user) -> QuerySet[ResidencyClaim]:
    """The claims a resident has sent, newest first (the model's ordering)."""
    return ResidencyClaim.objects.filter(user=user).select_related(*CLAIM_RELATED)


def pending_claims(user, limit: int = 200) -> list[tuple[ResidencyClaim, list[Resident]]]:
    """The claims waiting in the user's communities, each with the active residents registered in
    its room (the people staff choose from). Three queries, whatever the number of claims."""
    pending = list(
        residency_claims_visible_to(user)
        .filter(status=ResidencyClaim.Status.PENDING)
        .select_related(*CLAIM_RELATED, "user")[:limit]
    )
    by_unit: dict[int, list[Resident]] = {}
    for resident in Resident.objects.filter(
        household__unit__in=[c.unit_id for c in pending], is_active=True
    ).select_related("household"):
        by_unit.setdefault(resident.household.unit_id, []).append(resident)
    return [(claim, by_unit.get(claim.unit_id, [])) for claim in pending]
