"""Finding a compound or building the way a person on a phone names it: "扬天 11", "扬天小区11栋",
or "near me" (DESIGN §15). One module, so the search box, the no-script fallback and every form
that takes a place read the same rule.

The street has hundreds of compounds and buildings (891 in the demo) and a city far more: a
dropdown of all of them is unusable on a phone, so forms take a typed name or a point instead.
"""

import re
import unicodedata

from django.db.models import Q, QuerySet

from huizhi.places.distance import box_around, distance_m
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

RESULT_LIMIT = 10
NEAR_RADIUS_M = 600
QUERY_MAX_LENGTH = 40
# A letter run and a digit run typed together ("扬天11") are two words: the compound and the building.
_WORD = re.compile(r"\d+|[^\W\d_]+", re.UNICODE)
# What follows a building's number is said many ways ("11栋", "11号楼", "11幢"): after the number
# it says nothing, so it is not searched for.
_BUILDING_WORDS = frozenset({"栋", "号楼", "号", "幢", "楼", "座", "号院"})


def query_words(text: str) -> list[str]:
    """The words of a typed place name: full-width digits folded, letters and digits split apart,
    and the word for "building" after a number dropped ("11号楼" is 11)."""
    folded = unicodedata.normalize("NFKC", text or "")[:QUERY_MAX_LENGTH]
    words = _WORD.findall(folded.lower())
    kept = [w for i, w in enumerate(words) if not (w in _BUILDING_WORDS and i and words[i - 1].isdigit())]
    return kept[:4]


def search_places(places: QuerySet, text: str, limit: int = RESULT_LIMIT) -> list[Place]:
    """Compounds and buildings of `places` whose own name or compound's name holds every typed word.

    The closest matches come first: a building whose number is the typed number, then compounds,
    then the tree's order.
    """
    words = query_words(text)
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word) | Q(parent__name__icontains=word)
    candidates = places.filter(condition).select_related("parent").order_by("code")[: limit * 20]
    numbers = [word for word in words if word.isdigit()]
    found = [place for place in candidates if all(_number_fits(n, place) for n in numbers)]

    def closeness(place: Place) -> tuple:
        exact_number = any(_leading_number(place.name) == n for n in numbers)
        return (not exact_number, place.kind != PlaceKind.COMPOUND, place.code)

    return sorted(found, key=closeness)[:limit]


def _leading_number(name: str) -> str:
    match = re.match(r"\d+", unicodedata.normalize("NFKC", name))
    return match.group() if match else ""


def _number_fits(number: str, place: Place) -> bool:
    """A typed number names a building by its own number ("11" is 11栋, not 111栋 nor 211栋), or is
    part of a compound's or road's name (a compound "二十一号院" aside, numbers in names are rare)."""
    if _leading_number(place.name) == number:
        return True
    parent_name = place.parent.name if place.parent_id else ""
    return number in parent_name or (number in place.name and not _leading_number(place.name))


def nearest_places(
    places: QuerySet, lon: float, lat: float, limit: int = RESULT_LIMIT, radius_m: float = NEAR_RADIUS_M
) -> list[tuple[Place, int]]:
    """(place, metres away) for the compounds and buildings of `places` within `radius_m` of the
    point, nearest first. The box is read from the index; the exact distance only for what is in it."""
    (west, east), (south, north) = box_around(lon, lat, radius_m)
    near = places.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    measured = [
        (place, round(distance_m(lon, lat, place.lon, place.lat)))
        for place in near.select_related("parent")[:2000]
    ]
    return sorted((pair for pair in measured if pair[1] <= radius_m), key=lambda pair: pair[1])[:limit]
