from django.db import transaction
from django.db.models import Max

from huizhi.core import crypto
from huizhi.core.mobile import normalize_mainland_mobile
from huizhi.places.codes import CODE_RULES, child_code
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.idnumber import parse_id_number
from huizhi.registry.models import Household, Resident

ID_HASH_PURPOSE = "resident-id"
MOBILE_HASH_PURPOSE = "resident-mobile"


def id_lookup_hash(id_number: str) -> str:
    return crypto.lookup_hash(ID_HASH_PURPOSE, id_number.strip().upper())


def resident_mobile_hash(mobile: str) -> str:
    """The keyed hash a resident's mobile is found by, from a mobile already normalised; "" for none.
    Not an account's (accounts.services.account_mobile_hash): another purpose, another hash."""
    return crypto.lookup_hash(MOBILE_HASH_PURPOSE, mobile) if mobile else ""


def next_unit_codes(building: Place, count: int) -> list[str]:
    """`count` unused household-unit codes under `building`."""
    return next_unit_codes_by_building({building: count})[building.pk]


def next_unit_codes_by_building(counts: dict[Place, int]) -> dict[int, list[str]]:
    """For each building (by id), as many unused household-unit codes as `counts` asks, from one
    query (an import adds units to a hundred buildings at once)."""
    length = CODE_RULES[PlaceKind.UNIT][1]
    last = dict(
        Place.objects.filter(parent__in=list(counts), kind=PlaceKind.UNIT)
        .order_by()
        .values_list("parent_id")
        .annotate(last=Max("code"))
    )
    codes = {}
    for building, count in counts.items():
        top = last.get(building.pk)
        start = int(top[-(length - len(building.code)) :]) + 1 if top else 1
        codes[building.pk] = [child_code(building.code, PlaceKind.UNIT, start + i) for i in range(count)]
    return codes


@transaction.atomic
def household_for_unit(
    *, building: Place, room: str, residence: str = Household.Residence.REGISTERED_LIVING
) -> Household:
    """The household in `room` of `building`, creating its unit and household record when new."""
    unit = Place.objects.filter(parent=building, kind=PlaceKind.UNIT, name=room).first()
    if unit is None:
        unit = Place.objects.create(
            kind=PlaceKind.UNIT, code=next_unit_codes(building, 1)[0], name=room, parent=building
        )
    household, _created = Household.objects.get_or_create(
        unit=unit, defaults={"place_code": unit.code, "residence": residence}
    )
    return household


def resident_create(
    *,
    household: Household,
    name: str,
    id_number: str,
    mobile: str = "",
    relationship: str = Resident.Relationship.OTHER,
    **tags,
) -> Resident:
    """A resident whose gender and birth date come from a valid ID number (GB 11643)."""
    parsed = parse_id_number(id_number)
    mobile = normalize_mainland_mobile(mobile) if mobile else ""
    resident = Resident(
        household=household,
        place_code=household.place_code,
        name=name,
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        id_number=parsed.value,
        id_hash=id_lookup_hash(parsed.value),
        mobile=mobile,
        mobile_hash=resident_mobile_hash(mobile),
        relationship=relationship,
        **tags,
    )
    resident.full_clean(validate_constraints=False)
    resident.save()
    return resident
