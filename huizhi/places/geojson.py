"""Reading grid boundaries from GeoJSON (RFC 7946: lon/lat, rings closed, outer ring first)."""

import json
from dataclasses import dataclass

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.validation import explain_validity

from huizhi.places.codes import CODE_RULES, validate_code
from huizhi.places.kinds import PlaceKind

NAME_MAX_LENGTH = 100  # Place.name


@dataclass(frozen=True)
class GridFeature:
    number: int  # 1-based position in the file, as a person counts
    code: str
    name: str
    geometry: dict


class GeoJSONError(ValueError):
    """A file that cannot be imported; `problems` lists every reason, each naming its feature."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _position_problem(position) -> str | None:
    if not isinstance(position, list | tuple) or len(position) < 2:
        return _("a position is not a [longitude, latitude] pair")
    lon, lat = position[0], position[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        return _("a coordinate is not a number")
    if not -180 <= lon <= 180:
        return _("longitude %(lon)s is out of range") % {"lon": lon}
    if not -90 <= lat <= 90:
        return _("latitude %(lat)s is out of range (are longitude and latitude swapped?)") % {"lat": lat}
    return None


def _geometry_problem(geometry) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        return _("the geometry must be a Polygon")
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings:
        return _("the polygon has no coordinates")
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            return _("a ring needs at least 4 positions")
        for position in ring:
            if problem := _position_problem(position):
                return problem
        if list(ring[0][:2]) != list(ring[-1][:2]):
            return _("the polygon does not close (its first and last positions differ)")
    polygon = shape(geometry)
    if not polygon.is_valid:
        return _("the polygon is not valid: %(why)s") % {"why": explain_validity(polygon)}
    if shapely.area(polygon) == 0:
        return _("the polygon has no area")
    return None


def parse_grid_features(raw: bytes | str) -> list[GridFeature]:
    """Every grid in a FeatureCollection, or GeoJSONError listing each bad feature and why."""
    features, problems, seen = [], [], {}
    for number, feature in enumerate(_feature_list(raw), start=1):
        try:
            features.append(_read_feature(number, feature, seen))
        except _Refused as refused:
            problems.append(
                _("Feature %(number)d: %(reason)s") % {"number": number, "reason": refused.reason}
            )
    if problems:
        raise GeoJSONError(problems)
    return features


class _Refused(Exception):
    """One feature's reason for refusal; the others are still read."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _feature_list(raw: bytes | str) -> list:
    """The features of a non-empty FeatureCollection; GeoJSONError for any other file."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeoJSONError([_("The file is not JSON: %(error)s") % {"error": exc}]) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise GeoJSONError([_("The file must be a GeoJSON FeatureCollection.")])
    if not data["features"]:
        raise GeoJSONError([_("The FeatureCollection has no features.")])
    return data["features"]


def _read_feature(number: int, feature, seen: dict[str, int]) -> GridFeature:
    """One grid, or _Refused; `seen` (code → feature number) catches a code given twice."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Refused(_("not a GeoJSON Feature"))
    code, name = _code_and_name(feature.get("properties") or {})
    if code in seen:
        raise _Refused(
            _("code %(code)s already appears in feature %(first)d") % {"code": code, "first": seen[code]}
        )
    seen[code] = number
    if problem := _geometry_problem(feature.get("geometry")):
        raise _Refused(problem)
    return GridFeature(number, code, name, feature["geometry"])


def _code_and_name(properties) -> tuple[str, str]:
    """A feature's grid code (valid in its community) and name, or _Refused."""
    if not isinstance(properties, dict):
        raise _Refused(_("“properties” must be an object with “code” and “name”"))
    code = str(properties.get("code", "")).strip()
    name = str(properties.get("name", "")).strip()
    grid_length = CODE_RULES[PlaceKind.GRID][1]
    if not (code.isascii() and code.isdigit() and len(code) == grid_length):
        raise _Refused(
            _("property “code” must be a %(length)d-digit grid code, not “%(code)s”")
            % {"length": grid_length, "code": code}
        )
    if not name:
        raise _Refused(_("property “name” is missing"))
    if len(name) > NAME_MAX_LENGTH:
        raise _Refused(_("property “name” is longer than %(max)d characters") % {"max": NAME_MAX_LENGTH})
    try:
        validate_code(PlaceKind.GRID, code, code[: CODE_RULES[PlaceKind.COMMUNITY][1]])
    except ValidationError as exc:
        raise _Refused(exc.messages[0]) from exc
    return code, name
