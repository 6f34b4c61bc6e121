"""Category + place → default handling unit (DESIGN §4). Staff can override at dispatch."""

from huizhi.cases.models import Category, RoutingRule
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place


def _compound_of(place: Place) -> Place | None:
    code = place.ancestor_code(PlaceKind.COMPOUND)
    if code is None:
        return None
    return place if place.code == code else Place.objects.select_related("property_company").get(code=code)


def _specificity(rule: RoutingRule, category: Category) -> tuple[int, int]:
    by_category = 2 if rule.category_id == category.id else 1 if rule.category_id else 0
    by_place = 0 if rule.applies_to == RoutingRule.Applies.ANY else 1
    return by_category, by_place


def default_unit(category: Category, place: Place, community: Place | None) -> Organisation | None:
    """The handling unit the most specific matching rule names, or None when no rule applies."""
    compound = _compound_of(place)
    has_property = bool(compound and compound.has_property_company)
    applies = [RoutingRule.Applies.ANY]
    if compound is not None:
        applies.append(
            RoutingRule.Applies.WITH_PROPERTY if has_property else RoutingRule.Applies.WITHOUT_PROPERTY
        )
    candidates = [
        rule
        for rule in RoutingRule.objects.select_related("organisation").filter(applies_to__in=applies)
        if rule.category_id in (None, category.id, category.parent_id)
    ]
    for rule in sorted(candidates, key=lambda r: _specificity(r, category), reverse=True):
        unit = _resolve(rule, compound, community)
        if unit is not None:
            return unit
    return None


def _resolve(rule: RoutingRule, compound: Place | None, community: Place | None) -> Organisation | None:
    if rule.target == RoutingRule.Target.ORGANISATION:
        return rule.organisation
    if rule.target == RoutingRule.Target.PROPERTY_COMPANY:
        return compound.property_company if compound else None
    if community is None:
        return None
    return Organisation.objects.filter(
        kind=OrganisationKind.REPAIR_CREW, place=community, is_active=True
    ).first()
