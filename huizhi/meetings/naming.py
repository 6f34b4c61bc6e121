"""How the meetings app names self-governance bodies and homes in what it shows and stores."""

from django.utils.translation import gettext as _

from huizhi.core.text import in_site_language
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Place, Region


def organiser_label(organiser) -> str:
    """A region's or group's name with its compound and building (every building has a 第1自治小组)."""
    if isinstance(organiser, Group | Region):
        place = organiser.place
        prefix = f"{place.parent.name}{place.name}" if place.kind == PlaceKind.BUILDING else place.name
        return f"{prefix}{organiser.name}"[:120]
    return str(organiser)[:120]


def address_of(unit: Place) -> str:
    """三里亭人家4栋1单元101: the compound, building and door — how a household is named in public,
    never by who lives there."""
    building = unit.parent
    compound = building.parent if building is not None else None
    parts = [p.name for p in (compound, building, unit) if p is not None and p.kind != PlaceKind.GRID]
    return "".join(parts)[:160]


def public_household_name(unit: Place) -> str:
    """A central party-member household as the public pages name it: by its building and the group
    it leads (三里亭人家4栋第3自治小组中心党员户), never by its door — an exact home tied to party
    membership is more than a public page may say (DESIGN §5: public places stop at the building)."""
    led = Group.objects.filter(central_household=unit).select_related("place").first()
    label = organiser_label(led) if led is not None else address_of(unit.parent) if unit.parent else ""
    with in_site_language():
        return (_("%(place)s central party-member household") % {"place": label})[:160]
