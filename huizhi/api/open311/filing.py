"""Filing a request: where it is (a point in one of the key's grids, an address id or an address
line matched to a compound or building of the key's place), its title, and the answers to the
service's questions."""

import math
import re

from django.db.models import CharField, F, Value
from django.db.models.lookups import Contains
from django.utils.translation import gettext as _

from huizhi.accounts.scopes import subtree_q
from huizhi.api.models import ApiKey
from huizhi.api.open311.render import Open311Error, bad
from huizhi.places.codes import is_within
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import grid_for_point

TITLE_MAX = 120
ADDRESS_MAX = 255
# Where an address may point: a household unit is never a request's address (privacy).
ADDRESSABLE = (PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND, PlaceKind.BUILDING)
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def attribute_answers(data) -> dict[str, list[str]]:
    """The spec's `attribute[code]=value` (and `attribute[code][]=v` for several) by code."""
    answers: dict[str, list[str]] = {}
    for name in data:
        if match := _ATTRIBUTE.match(name):
            answers.setdefault(match[1], []).extend(data.getlist(name))
    return answers


def title_from(description: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), description)
    return first if len(first) <= TITLE_MAX else first[: TITLE_MAX - 1] + "…"


def _coordinate(raw: str, name: str, limit: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise bad(_("%(name)s is not a valid WGS84 coordinate.") % {"name": name})
    return value


def locate_request(key: ApiKey, data) -> tuple[Place | None, float | None, float | None]:
    """(place, lon, lat) for case_report, from lat/long, address_id or address_string — always
    inside the key's place; a point must lie in one of its grids."""
    raw_lat, raw_lon = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if len(address) > ADDRESS_MAX:
        raise bad(_("address_string is longer than %(max)d characters.") % {"max": ADDRESS_MAX})
    if raw_lat or raw_lon:
        if not (raw_lat and raw_lon):
            raise bad(_("Send both lat and long."))
        lat, lon = _coordinate(raw_lat, "lat", 90), _coordinate(raw_lon, "long", 180)
        grid = grid_for_point(lon, lat)
        if grid is None or not is_within(grid.code, key.place.code):
            raise bad(_("The location is outside every grid of %(place)s.") % {"place": key.place.name})
        # An address given as well may name the building inside that grid: keep the finer place.
        place = None
        if address_id or address:
            try:
                named = _addressed_place(key, address_id, address)
            except Open311Error:
                named = None
            if named is not None and is_within(named.code, grid.code):
                place = named
        return place, lon, lat
    if address_id or address:
        return _addressed_place(key, address_id, address), None, None
    raise bad(_("A location is required: lat and long, address_string or address_id."))


def _addressed_place(key: ApiKey, address_id: str, address: str) -> Place:
    if address_id:
        place = (
            Place.objects.filter(subtree_q(key.place.code), code=address_id, kind__in=ADDRESSABLE)
            .select_related("parent")
            .first()
        )
        if place is None:
            raise bad(
                _("address_id “%(id)s” is not a place of %(place)s.")
                % {"id": address_id, "place": key.place.name}
            )
        return place
    place = match_address(key.place, address)
    if place is None:
        raise bad(
            _("No compound or building of %(place)s matches “%(address)s”; send lat and long instead.")
            % {"place": key.place.name, "address": address}
        )
    return place


_BUILDING_WORDS = re.compile(r"(\d+)\s*(?:号楼|幢|栋|号)")


def match_address(scope: Place, address: str) -> Place | None:
    """The compound named in `address` (the longest name that occurs in it, within `scope`), or its
    building when the rest names one ("扬天小区11栋", "扬天小区 11号楼"). None when nothing or
    more than one compound matches."""
    text = re.sub(r"\s+", "", address)
    if not text:
        return None
    candidates = list(
        Place.objects.filter(subtree_q(scope.code), kind=PlaceKind.COMPOUND)
        .filter(Contains(Value(text, output_field=CharField()), F("name")))
        .select_related("parent__parent")
    )
    if not candidates:
        return None
    longest = max(len(c.name) for c in candidates)
    candidates = [c for c in candidates if len(c.name) == longest]
    if len(candidates) > 1:
        # The same compound name in two communities: the address must name the community too.
        candidates = [c for c in candidates if c.parent.parent.name in text]
        if len(candidates) != 1:
            return None
    compound = candidates[0]
    rest = _BUILDING_WORDS.sub(r"\1栋", text[text.index(compound.name) + len(compound.name) :])
    buildings = compound.children.filter(kind=PlaceKind.BUILDING).filter(
        Contains(Value(rest, output_field=CharField()), F("name"))
    )
    named = [b for b in buildings if re.search(rf"(?<!\d){re.escape(b.name)}", rest)]
    if named:
        return max(named, key=lambda b: len(b.name))
    return compound
