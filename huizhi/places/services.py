"""Writes to the place tree. Every function validates fully and changes nothing on failure."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.places import codes, gridindex
from huizhi.places.geojson import GridFeature, parse_grid_features
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, GroupHousehold, Organisation, Place, Region


def place_create(*, kind: str, code: str, name: str, parent: Place | None = None, **attributes) -> Place:
    """A new place whose kind sits directly under its parent's kind and whose code is in format."""
    place = Place(kind=kind, code=code, name=name, parent=parent, **attributes)
    # The database enforces the check constraints itself; asking it again per row doubles the cost.
    place.full_clean(validate_constraints=False)
    place.save()
    if kind == PlaceKind.GRID:
        transaction.on_commit(gridindex.invalidate)
    return place


def organisation_create(*, kind: str, name: str, place: Place) -> Organisation:
    if kind == OrganisationKind.GRID_PARTY_BRANCH and place.kind != PlaceKind.GRID:
        raise ValidationError(_("A grid party branch belongs to a grid."))
    organisation = Organisation(kind=kind, name=name, place=place)
    organisation.full_clean()
    organisation.save()
    return organisation


def region_create(*, name: str, place: Place) -> Region:
    return Region.objects.create(name=name, place=place)


def group_create(
    *,
    name: str,
    place: Place,
    region: Region | None,
    central_household: Place | None,
    households: list[Place],
) -> Group:
    """A self-governance group; its central party-member household is one of its own households."""
    if central_household is not None and central_household not in households:
        raise ValidationError(_("The central party-member household must be one of the group's households."))
    if any(not place.contains(unit) or unit.kind != PlaceKind.UNIT for unit in households):
        raise ValidationError(_("A group's households are units of its own building or compound."))
    with transaction.atomic():
        group = Group.objects.create(
            name=name, place=place, region=region, central_household=central_household
        )
        GroupHousehold.objects.bulk_create([GroupHousehold(group=group, unit=unit) for unit in households])
    return group


@transaction.atomic
def grids_import(features: list[GridFeature]) -> tuple[int, int]:
    """Create or update grids by code from parsed features; (created, updated). All or nothing."""
    community_codes = {f.code[: codes.CODE_RULES[PlaceKind.COMMUNITY][1]] for f in features}
    communities = {
        c.code: c for c in Place.objects.filter(kind=PlaceKind.COMMUNITY, code__in=community_codes)
    }
    existing = {
        g.code: g for g in Place.objects.filter(kind=PlaceKind.GRID, code__in=[f.code for f in features])
    }
    problems = [
        _("Feature %(number)d: no community has code %(code)s")
        % {"number": f.number, "code": f.code[: codes.CODE_RULES[PlaceKind.COMMUNITY][1]]}
        for f in features
        if f.code[: codes.CODE_RULES[PlaceKind.COMMUNITY][1]] not in communities
    ]
    if problems:
        raise ValidationError(problems)
    created = updated = 0
    for feature in features:
        grid = existing.get(feature.code)
        if grid is None:
            community = communities[feature.code[: codes.CODE_RULES[PlaceKind.COMMUNITY][1]]]
            place_create(
                kind=PlaceKind.GRID,
                code=feature.code,
                name=feature.name,
                parent=community,
                boundary=feature.geometry,
            )
            created += 1
        else:
            grid.name, grid.boundary = feature.name, feature.geometry
            grid.save(update_fields=["name", "boundary", "updated_at"])
            updated += 1
    transaction.on_commit(gridindex.invalidate)
    return created, updated


def grids_import_file(raw: bytes | str) -> tuple[int, int]:
    """Parse and import a GeoJSON file; raises GeoJSONError or ValidationError, changing nothing."""
    return grids_import(parse_grid_features(raw))
