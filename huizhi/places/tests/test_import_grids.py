"""`manage.py import_grids FILE`: a good file creates or updates grids; a bad one changes nothing."""

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.tests.test_geojson import (
    BAD_FEATURES,
    BAD_FILES,
    BOWTIE,
    CELL_LON,
    NEW_CODE,
    NEW_LAT,
    NEW_LON,
    NEW_NAME,
    collection,
    feature,
    square,
)

pytestmark = pytest.mark.django_db

# 凤凰社区's first demo grid, and a boundary for it that differs from the demo's square.
EXISTING_CODE = "341102001001001"
MOVED = square(118.304, 32.2995, size_lon=0.003)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def grids() -> dict[str, tuple[str, int, dict]]:
    """code -> (name, parent id, boundary) of every grid: what an import could change."""
    return {
        code: (name, parent_id, boundary)
        for code, name, parent_id, boundary in Place.objects.filter(kind=PlaceKind.GRID).values_list(
            "code", "name", "parent_id", "boundary"
        )
    }


def run_import(tmp_path, content: str | bytes) -> str:
    path = tmp_path / "grids.geojson"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    out = io.StringIO()
    call_command("import_grids", str(path), stdout=out)
    return out.getvalue()


def refused(tmp_path, content) -> str:
    before = grids()
    with pytest.raises(CommandError) as caught:
        run_import(tmp_path, content)
    assert grids() == before, "a refused file must change nothing"
    message = str(caught.value)
    assert message.startswith("Nothing was imported:")
    return message


# Two good features that would change the database if the file were accepted: an update to a
# demo grid and a brand-new grid. A bad feature after them must keep both out.
def good_pair() -> list[dict]:
    return [
        feature(code=EXISTING_CODE, name="凤凰第1网格（新界）", geometry=MOVED),
        feature(),
    ]


def test_the_demo_has_78_grids_to_start_with():
    assert len(grids()) == 78
    assert grids()[EXISTING_CODE][2] != MOVED


def test_a_valid_file_creates_the_new_grids_under_their_community(tmp_path):
    second = square(NEW_LON + CELL_LON, NEW_LAT)
    output = run_import(
        tmp_path,
        collection(feature(), feature(code="341102001002014", name="三里亭第14网格", geometry=second)),
    )
    assert "2 grids created, 0 updated." in output
    assert len(grids()) == 80
    first = Place.objects.get(code=NEW_CODE)
    assert (first.kind, first.name, first.boundary) == (PlaceKind.GRID, NEW_NAME, square(NEW_LON, NEW_LAT))
    assert first.parent.code == "341102001001"
    assert Place.objects.get(code="341102001002014").parent.name == "三里亭社区"


def test_reimporting_updates_the_grids_instead_of_duplicating_them(tmp_path):
    run_import(tmp_path, collection(*good_pair()))
    assert len(grids()) == 79

    renamed = feature(name="凤凰第14网格（改）", geometry=square(NEW_LON, NEW_LAT, size_lon=0.005))
    output = run_import(
        tmp_path, collection(feature(code=EXISTING_CODE, name="凤凰第1网格", geometry=MOVED), renamed)
    )

    assert "0 grids created, 2 updated." in output
    assert len(grids()) == 79
    assert Place.objects.filter(code=NEW_CODE).count() == 1
    new = Place.objects.get(code=NEW_CODE)
    assert (new.name, new.boundary) == ("凤凰第14网格（改）", square(NEW_LON, NEW_LAT, size_lon=0.005))
    assert Place.objects.get(code=EXISTING_CODE).boundary == MOVED


def test_an_update_keeps_the_grids_id_and_what_hangs_off_it(tmp_path):
    grid = Place.objects.get(code=EXISTING_CODE)
    children = set(grid.children.values_list("id", flat=True))
    assert children, "the demo puts compounds in every grid"
    run_import(tmp_path, collection(feature(code=EXISTING_CODE, name=grid.name, geometry=MOVED)))
    grid.refresh_from_db()
    assert grid.boundary == MOVED
    assert set(grid.children.values_list("id", flat=True)) == children


def elsewhere(bad: dict) -> dict:
    """The bad feature with a code of its own, so that only its own fault is reported."""
    bad = copy.deepcopy(bad)
    if isinstance(bad.get("properties"), dict) and bad["properties"].get("code") == NEW_CODE:
        bad["properties"]["code"] = "341102001001015"
    return bad


@pytest.mark.parametrize("case", BAD_FEATURES)
def test_a_bad_feature_after_good_ones_changes_nothing_and_is_named(tmp_path, case):
    bad, reason = BAD_FEATURES[case]
    bad = elsewhere(bad)
    message = refused(tmp_path, collection(*good_pair(), bad))
    assert "Feature 3: " in message
    assert reason in message
    assert "Feature 1" not in message and "Feature 2" not in message


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_changes_nothing_and_says_why(tmp_path, case):
    raw, reason = BAD_FILES[case]
    assert reason in refused(tmp_path, raw)


def test_one_good_and_one_bad_feature_imports_neither(tmp_path):
    message = refused(tmp_path, collection(feature(), feature(code="341102001001015", geometry=BOWTIE)))
    assert "Feature 2: the polygon is not valid: Self-intersection" in message
    assert not Place.objects.filter(code__in=[NEW_CODE, "341102001001015"]).exists()


def test_a_duplicate_code_in_the_file_changes_nothing(tmp_path):
    duplicate = feature(name="重复", geometry=square(NEW_LON + CELL_LON, NEW_LAT))
    message = refused(tmp_path, collection(*good_pair(), duplicate))
    assert f"Feature 3: code {NEW_CODE} already appears in feature 2" in message


def test_a_code_whose_community_does_not_exist_changes_nothing(tmp_path):
    orphan = feature(code="341102001007001", name="无社区网格", geometry=square(NEW_LON, NEW_LAT + 0.01))
    message = refused(tmp_path, collection(*good_pair(), orphan))
    assert "Feature 3: no community has code 341102001007" in message
    assert not Place.objects.filter(code__startswith="341102001007").exists()


def test_an_all_zero_grid_sequence_changes_nothing(tmp_path):
    # The new grid (feature 2) is created before feature 3 fails: the import must roll it back.
    zero = feature(code="341102001001000", name="零号网格", geometry=square(NEW_LON, NEW_LAT + 0.01))
    message = refused(tmp_path, collection(*good_pair(), zero))
    assert "sequence number" in message
    assert not Place.objects.filter(code__in=[NEW_CODE, "341102001001000"]).exists()


def test_an_all_zero_grid_sequence_is_named_by_feature(tmp_path):
    zero = feature(code="341102001001000", name="零号网格", geometry=square(NEW_LON, NEW_LAT + 0.01))
    message = refused(tmp_path, collection(*good_pair(), zero))
    assert "Feature 3: " in message


@pytest.mark.parametrize("code", [NEW_CODE, EXISTING_CODE], ids=["new grid", "existing grid"])
def test_a_name_longer_than_100_characters_is_refused_naming_the_feature(tmp_path, code):
    # Place.name holds 100 characters; an update is saved without full_clean, so the parser must
    # refuse it (PostgreSQL would raise DataError, SQLite would store it).
    message = refused(tmp_path, collection(feature(code=code, name="网" * 101)))
    assert "Feature 1: property “name” is longer than 100 characters" in message


def test_a_name_of_100_characters_is_accepted(tmp_path):
    run_import(tmp_path, collection(feature(name="网" * 100)))
    assert Place.objects.get(code=NEW_CODE).name == "网" * 100


def test_a_missing_file_is_a_command_error(tmp_path):
    before = grids()
    with pytest.raises(CommandError, match="Cannot read .*nowhere.geojson"):
        call_command("import_grids", str(tmp_path / "nowhere.geojson"))
    assert grids() == before


def test_the_file_may_be_a_utf8_file_with_a_byte_order_mark(tmp_path):
    output = run_import(tmp_path, b"\xef\xbb\xbf" + collection(feature()).encode())
    assert "1 grids created" in output
    assert Place.objects.filter(code=NEW_CODE).exists()


def test_a_feature_collection_written_by_a_gis_tool_is_accepted(tmp_path):
    # QGIS and ogr2ogr add a name, a crs member and extra properties; none of them matter.
    data = json.loads(collection(feature(fid=7, area_m2=123456.7)))
    data |= {
        "name": "grids",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    }
    run_import(tmp_path, json.dumps(data))
    assert Place.objects.get(code=NEW_CODE).name == NEW_NAME
