"""Reading grid boundaries from a GeoJSON file: every grid, or every reason the file is refused."""

import json

import pytest
from django.utils import translation

from huizhi.places.geojson import GeoJSONError, GridFeature, parse_grid_features

# The demo lattice: cells of 0.004° × 0.0035°, 13 per row, rows from 32.2995 N, columns from 118.304 E.
CELL_LON, CELL_LAT = 0.004, 0.0035
# Just east of 凤凰社区's 13th grid: where its 14th would go.
NEW_CODE, NEW_NAME, NEW_LON, NEW_LAT = "341102001001014", "凤凰第14网格", 118.356, 32.2995


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def square(lon: float, lat: float, size_lon: float = CELL_LON, size_lat: float = CELL_LAT) -> dict:
    ring = [[lon, lat], [lon + size_lon, lat], [lon + size_lon, lat + size_lat], [lon, lat + size_lat]]
    return polygon([[round(x, 6), round(y, 6)] for x, y in ring] + [[round(lon, 6), round(lat, 6)]])


def polygon(*rings) -> dict:
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


def feature(code=NEW_CODE, name=NEW_NAME, geometry=None, **properties) -> dict:
    geometry = square(NEW_LON, NEW_LAT) if geometry is None else geometry
    return {"type": "Feature", "properties": {"code": code, "name": name, **properties}, "geometry": geometry}


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False)


def problems_of(raw) -> list[str]:
    with pytest.raises(GeoJSONError) as caught:
        parse_grid_features(raw)
    return caught.value.problems


BOWTIE = polygon(
    [[118.356, 32.2995], [118.360, 32.303], [118.360, 32.2995], [118.356, 32.303], [118.356, 32.2995]]
)
OPEN_RING = polygon([[118.356, 32.2995], [118.360, 32.2995], [118.360, 32.303], [118.356, 32.303]])
TRIANGLE_OF_THREE = polygon([[118.356, 32.2995], [118.360, 32.2995], [118.356, 32.2995]])
SWAPPED = polygon(*[[[lat, lon] for lon, lat in ring] for ring in square(NEW_LON, NEW_LAT)["coordinates"]])
HOLE_OUTSIDE = polygon(
    square(NEW_LON, NEW_LAT)["coordinates"][0],
    [[118.40, 32.40], [118.41, 32.40], [118.41, 32.41], [118.40, 32.40]],
)
FLAT = polygon([[118.356, 32.2995], [118.358, 32.2995], [118.360, 32.2995], [118.356, 32.2995]])

# A feature that is wrong on its own, and the reason its message must give.
BAD_FEATURES = {
    "point": (feature(geometry={"type": "Point", "coordinates": [118.358, 32.301]}), "must be a Polygon"),
    "multipolygon": (
        feature(geometry={"type": "MultiPolygon", "coordinates": [square(NEW_LON, NEW_LAT)["coordinates"]]}),
        "must be a Polygon",
    ),
    "no geometry": (feature(geometry={}), "must be a Polygon"),
    "ring does not close": (feature(geometry=OPEN_RING), "does not close"),
    "fewer than 4 positions": (feature(geometry=TRIANGLE_OF_THREE), "at least 4 positions"),
    "no rings": (feature(geometry=polygon()), "has no coordinates"),
    "swapped lon/lat": (
        feature(geometry=SWAPPED),
        "latitude 118.356 is out of range (are longitude and latitude swapped?)",
    ),
    "longitude out of range": (
        feature(geometry=square(181.0, 32.0)),
        "longitude 181.0 is out of range",
    ),
    "coordinate not a number": (
        feature(
            geometry=polygon(
                [["118.356", 32.2995], [118.36, 32.2995], [118.36, 32.303], ["118.356", 32.2995]]
            )
        ),
        "a coordinate is not a number",
    ),
    "bowtie": (feature(geometry=BOWTIE), "the polygon is not valid: Self-intersection"),
    "hole outside its shell": (
        feature(geometry=HOLE_OUTSIDE),
        "the polygon is not valid: Hole lies outside shell",
    ),
    "collinear ring": (feature(geometry=FLAT), "the polygon is not valid"),
    "code too short": (feature(code="34110200100114"), "15-digit grid code, not “34110200100114”"),
    "code too long": (feature(code="3411020010010140"), "15-digit grid code"),
    "code with a letter": (feature(code="34110200100101A"), "15-digit grid code"),
    "code in full-width digits": (feature(code="３４１１０２００１００１０１４"), "15-digit grid code"),
    "code with a superscript digit": (feature(code="34110200100101²"), "15-digit grid code"),
    "code missing": (
        {"type": "Feature", "properties": {"name": NEW_NAME}, "geometry": square(NEW_LON, NEW_LAT)},
        "property “code” must be",
    ),
    "name missing": (
        {"type": "Feature", "properties": {"code": NEW_CODE}, "geometry": square(NEW_LON, NEW_LAT)},
        "property “name” is missing",
    ),
    "name blank": (feature(name="   "), "property “name” is missing"),
    "not a Feature": ({"type": "Polygon", "coordinates": []}, "not a GeoJSON Feature"),
}

BAD_FILES = {
    "not JSON": (b"code,name\n341102001001014,x\n", "The file is not JSON"),
    "truncated JSON": (collection(feature())[:-5], "The file is not JSON"),
    "not UTF-8": (b"\xff\xfe\x00", "The file is not JSON"),
    "a bare list": (json.dumps([feature()]), "must be a GeoJSON FeatureCollection"),
    "a single Feature": (json.dumps(feature()), "must be a GeoJSON FeatureCollection"),
    "a FeatureCollection without features": (
        json.dumps({"type": "FeatureCollection"}),
        "must be a GeoJSON FeatureCollection",
    ),
    "features not a list": (
        json.dumps({"type": "FeatureCollection", "features": {"0": feature()}}),
        "must be a GeoJSON FeatureCollection",
    ),
    "empty features": (collection(), "has no features"),
}


def test_a_valid_collection_gives_every_grid_in_file_order():
    second = square(NEW_LON + CELL_LON, NEW_LAT)
    features = parse_grid_features(
        collection(
            feature(),
            feature(code=" 341102001001015 ", name=" 凤凰第15网格 ", geometry=second),
        ).encode()
    )
    assert features == [
        GridFeature(1, NEW_CODE, NEW_NAME, square(NEW_LON, NEW_LAT)),
        GridFeature(2, "341102001001015", "凤凰第15网格", second),
    ]


def test_a_polygon_with_a_hole_and_altitudes_is_accepted():
    outer = [[118.356, 32.2995, 10], [118.36, 32.2995, 10], [118.36, 32.303, 10], [118.356, 32.303, 10]]
    hole = [[118.357, 32.300], [118.358, 32.300], [118.358, 32.301], [118.357, 32.300]]
    geometry = polygon([*outer, outer[0]], hole)
    [parsed] = parse_grid_features(collection(feature(geometry=geometry)))
    assert parsed.geometry == geometry


@pytest.mark.parametrize("case", BAD_FEATURES)
def test_a_bad_feature_is_refused_naming_its_number_and_reason(case):
    bad, reason = BAD_FEATURES[case]
    problems = problems_of(collection(bad))
    assert len(problems) == 1
    assert problems[0].startswith("Feature 1: ")
    assert reason in problems[0]


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_the_reason(case):
    raw, reason = BAD_FILES[case]
    problems = problems_of(raw)
    assert len(problems) == 1
    assert reason in problems[0]


def test_a_duplicate_code_names_both_features():
    problems = problems_of(
        collection(
            feature(),
            feature(code="341102001001015", geometry=square(NEW_LON + CELL_LON, NEW_LAT)),
            feature(name="重复", geometry=square(NEW_LON + 2 * CELL_LON, NEW_LAT)),
        )
    )
    assert problems == [f"Feature 3: code {NEW_CODE} already appears in feature 1"]


def test_one_good_and_one_bad_feature_refuses_the_file_and_names_only_the_bad_one():
    problems = problems_of(collection(feature(), feature(code="341102001001015", geometry=BOWTIE)))
    assert len(problems) == 1
    assert problems[0].startswith("Feature 2: the polygon is not valid: Self-intersection")


def test_every_bad_feature_is_reported_not_just_the_first():
    problems = problems_of(
        collection(
            feature(geometry=OPEN_RING),
            feature(code="341102001001015", geometry=square(NEW_LON + CELL_LON, NEW_LAT)),
            feature(code="341102001001016", name="", geometry=square(NEW_LON + 2 * CELL_LON, NEW_LAT)),
            feature(code="341102001001017", geometry=SWAPPED),
        )
    )
    assert [p.split(":")[0] for p in problems] == ["Feature 1", "Feature 3", "Feature 4"]
    assert "does not close" in problems[0]
    assert "“name” is missing" in problems[1]
    assert "swapped" in problems[2]


def test_the_error_message_lists_every_problem_one_per_line():
    with pytest.raises(GeoJSONError) as caught:
        parse_grid_features(collection(feature(geometry=OPEN_RING), feature(code="1", name="x")))
    assert str(caught.value).splitlines() == caught.value.problems
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize("properties", [["341102001001014", "凤凰第14网格"], "341102001001014"])
def test_properties_that_are_not_an_object_are_refused_with_a_message(properties):
    bad = {"type": "Feature", "properties": properties, "geometry": square(NEW_LON, NEW_LAT)}
    assert problems_of(collection(bad)) == [
        "Feature 1: “properties” must be an object with “code” and “name”"
    ]
