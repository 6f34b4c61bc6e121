"""Reads of the registry that pages, exports and the care services share."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from huizhi.accounts.scopes import scopes_of, subtree_q
from huizhi.places.models import Group, GroupHousehold
from huizhi.registry.models import Household, Resident
from huizhi.registry.permissions import households_visible_to, residents_visible_to
from huizhi.registry.tags import VULNERABLE_TAGS, Tag, tag_q, tags_of

RESIDENT_RELATED = ("household__unit__parent__parent",)


@dataclass(frozen=True)
class RegistryFilter:
    place: str = ""  # a grid, compound or building code
    tag: str = ""
    query: str = ""  # a name


def resident_list(user, registry_filter: RegistryFilter, today: date) -> QuerySet[Resident]:
    residents = residents_visible_to(user).filter(is_active=True).select_related(*RESIDENT_RELATED)
    if registry_filter.place.isdigit():
        residents = residents.filter(subtree_q(registry_filter.place, "place_code"))
    if registry_filter.tag in Tag.values:
        residents = residents.filter(tag_q(registry_filter.tag, today))
    if registry_filter.query:
        residents = residents.filter(name__contains=registry_filter.query)
    return residents.order_by("place_code", "id")


def household_list(user, registry_filter: RegistryFilter, today: date) -> QuerySet[Household]:
    households = households_visible_to(user).select_related("unit__parent__parent")
    if registry_filter.place.isdigit():
        households = households.filter(subtree_q(registry_filter.place, "place_code"))
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


def my_households(user, today: date) -> list[HouseholdCard]:
    """A grid worker's households, the ones with 80+, living-alone or disabled residents first."""
    vulnerable_q = Q()
    for tag in VULNERABLE_TAGS:
        vulnerable_q |= tag_q(tag, today)
    cards = []
    for household in household_list(user, RegistryFilter(), today):
        residents = list(household.residents.all())
        card = HouseholdCard(household, residents)
        for resident in residents:
            flagged = [t for t in tags_of(resident, today) if t in VULNERABLE_TAGS]
            if flagged:
                card.vulnerable.append((resident, flagged))
        cards.append(card)
    return sorted(cards, key=lambda c: (not c.vulnerable, c.household.place_code))


@dataclass
class RosterLine:
    room: str
    names: list[str]
    is_central: bool


def group_roster(user) -> list[tuple[Group, list[RosterLine]]]:
    """A building liaison's groups: rooms and names only — never ID numbers or mobiles."""
    group_ids = scopes_of(user).group_ids
    result = []
    for group in Group.objects.filter(pk__in=group_ids).select_related("place__parent", "central_household"):
        memberships = GroupHousehold.objects.filter(group=group).select_related("unit").order_by("unit__code")
        unit_ids = [m.unit_id for m in memberships]
        names: dict[int, list[str]] = {}
        for unit_id, name in Resident.objects.filter(
            household__unit_id__in=unit_ids, is_active=True
        ).values_list("household__unit_id", "name"):
            names.setdefault(unit_id, []).append(name)
        lines = [
            RosterLine(m.unit.name, names.get(m.unit_id, []), m.unit_id == group.central_household_id)
            for m in memberships
        ]
        result.append((group, lines))
    return result
