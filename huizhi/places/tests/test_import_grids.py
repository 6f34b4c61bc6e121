"""`manage.py import_grids FILE`: a good file creates or updates grids; a bad one changes nothing."""

import copy
import io
import json
from dataclasses import dataclass

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
    square,
)
from huizhi.places.tests.test_geojson import feature as geojson_feature
from tests.factories import CommunityFactory, CompoundFactory, GridFactory

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@dataclass
class Street:
    """Two communities with a grid each, 13 cells west of where test_geojson's new grid goes, and
    the codes a file names: an existing grid, new grids of each community, and a community that
    does not exist. (No test here looks a point up, so sharing squares with the demo is harmless.)"""

    first: Place  # 第一社区's first grid, with a compound in it
    new_code: str  # a grid 第一社区 does not have yet
    second_new_code: str  # one 第二社区 does not have yet
    spare_code: str  # another new grid of 第一社区
    missing_community: str  # a community code the street does not have

    @property
    def existing_code(self) -> str:
        return self.first.code


@pytest.fixture
def street() -> Street:
    first = GridFactory(boundary=square(NEW_LON - 13 * CELL_LON, NEW_LAT))
    CompoundFactory(parent=first)
    one = first.parent
    two = CommunityFactory(parent=one.parent)
    GridFactory(parent=two, boundary=square(NEW_LON - 13 * CELL_LON, NEW_LAT + 0.0035))
    return Street(
        first=first,
        new_code=one.code + "014",
        second_new_code=two.code + "014",
        spare_code=one.code + "015",
        missing_community=one.parent.code + "099",
    )


# A boundary for the existing grid that differs from its square.
MOVED = square(NEW_LON - 13 * CELL_LON, NEW_LAT, size_lon=0.003)


def feature(street: Street, **fields) -> dict:
    """test_geojson's feature, named by default with the street's new grid code."""
    return geojson_feature(**{"code": street.new_code, **fields})


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


# Two good features that would change the database if the file were accepted: an update to an
# existing grid and a brand-new grid. A bad feature after them must keep both out.
def good_pair(street: Street) -> list[dict]:
    return [
        feature(street, code=street.existing_code, name="第一社区第1网格（新界）", geometry=MOVED),
        feature(street),
    ]


def test_the_street_has_two_grids_to_start_with(street):
    assert {street.existing_code} < set(grids())
    assert grids()[street.existing_code][2] != MOVED


def test_a_valid_file_creates_the_new_grids_under_their_community(tmp_path, street):
    before = len(grids())
    second = square(NEW_LON + CELL_LON, NEW_LAT)
    output = run_import(
        tmp_path,
        collection(
            feature(street),
            feature(street, code=street.second_new_code, name="第二社区第14网格", geometry=second),
        ),
    )
    assert "2 grids created, 0 updated." in output
    assert len(grids()) == before + 2
    first = Place.objects.get(code=street.new_code)
    assert (first.kind, first.name, first.boundary) == (PlaceKind.GRID, NEW_NAME, square(NEW_LON, NEW_LAT))
    assert first.parent == street.first.parent
    assert Place.objects.get(code=street.second_new_code).parent.code == street.second_new_code[:12]


def test_reimporting_updates_the_grids_instead_of_duplicating_them(tmp_path, street):
    before = len(grids())
    run_import(tmp_path, collection(*good_pair(street)))
    assert len(grids()) == before + 1

    renamed = feature(
        street, name="第一社区第14网格（改）", geometry=square(NEW_LON, NEW_LAT, size_lon=0.005)
    )
    output = run_import(
        tmp_path,
        collection(
            feature(street, code=street.existing_code, name="第一社区第1网格", geometry=MOVED), renamed
        ),
    )

    assert "0 grids created, 2 updated." in output
    assert len(grids()) == before + 1
    assert Place.objects.filter(code=street.new_code).count() == 1
    new = Place.objects.get(code=street.new_code)
    assert (new.name, new.boundary) == ("第一社区第14网格（改）", square(NEW_LON, NEW_LAT, size_lon=0.005))
    assert Place.objects.get(code=street.existing_code).boundary == MOVED


def test_an_update_keeps_the_grids_id_and_what_hangs_off_it(tmp_path, street):
    grid = street.first
    children = set(grid.children.values_list("id", flat=True))
    assert children, "the street puts a compound in the grid"
    run_import(tmp_path, collection(feature(street, code=grid.code, name=grid.name, geometry=MOVED)))
    grid.refresh_from_db()
    assert grid.boundary == MOVED
    assert set(grid.children.values_list("id", flat=True)) == children


def elsewhere(bad: dict, street: Street) -> dict:
    """The bad feature with a code of its own, so that only its own fault is reported."""
    bad = copy.deepcopy(bad)
    if isinstance(bad.get("properties"), dict) and bad["properties"].get("code") == NEW_CODE:
        bad["properties"]["code"] = street.spare_code
    return bad


@pytest.mark.parametrize("case", BAD_FEATURES)
def test_a_bad_feature_after_good_ones_changes_nothing_and_is_named(tmp_path, street, case):
    bad, reason = BAD_FEATURES[case]
    bad = elsewhere(bad, street)
    message = refused(tmp_path, collection(*good_pair(street), bad))
    assert "Feature 3: " in message
    assert reason in message
    assert "Feature 1" not in message and "Feature 2" not in message


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_changes_nothing_and_says_why(tmp_path, street, case):
    raw, reason = BAD_FILES[case]
    assert reason in refused(tmp_path, raw)


def test_one_good_and_one_bad_feature_imports_neither(tmp_path, street):
    message = refused(
        tmp_path, collection(feature(street), feature(street, code=street.spare_code, geometry=BOWTIE))
    )
    assert "Feature 2: the polygon is not valid: Self-intersection" in message
    assert not Place.objects.filter(code__in=[street.new_code, street.spare_code]).exists()


def test_a_duplicate_code_in_the_file_changes_nothing(tmp_path, street):
    duplicate = feature(street, name="重复", geometry=square(NEW_LON + CELL_LON, NEW_LAT))
    message = refused(tmp_path, collection(*good_pair(street), duplicate))
    assert f"Feature 3: code {street.new_code} already appears in feature 2" in message


def test_a_code_whose_community_does_not_exist_changes_nothing(tmp_path, street):
    orphan = feature(
        street,
        code=street.missing_community + "001",
        name="无社区网格",
        geometry=square(NEW_LON, NEW_LAT + 0.01),
    )
    message = refused(tmp_path, collection(*good_pair(street), orphan))
    assert f"Feature 3: no community has code {street.missing_community}" in message
    assert not Place.objects.filter(code__startswith=street.missing_community).exists()


def test_an_all_zero_grid_sequence_changes_nothing(tmp_path, street):
    # The new grid (feature 2) is created before feature 3 fails: the import must roll it back.
    zero_code = street.first.parent.code + "000"
    zero = feature(street, code=zero_code, name="零号网格", geometry=square(NEW_LON, NEW_LAT + 0.01))
    message = refused(tmp_path, collection(*good_pair(street), zero))
    assert "Feature 3: " in message
    assert "sequence number" in message
    assert not Place.objects.filter(code__in=[street.new_code, zero_code]).exists()


@pytest.mark.parametrize("which", ["new grid", "existing grid"])
def test_a_name_longer_than_100_characters_is_refused_naming_the_feature(tmp_path, street, which):
    # Place.name holds 100 characters; an update is saved without full_clean, so the parser must
    # refuse it (PostgreSQL would raise DataError, SQLite would store it).
    code = street.new_code if which == "new grid" else street.existing_code
    message = refused(tmp_path, collection(feature(street, code=code, name="网" * 101)))
    assert "Feature 1: property “name” is longer than 100 characters" in message


def test_a_name_of_100_characters_is_accepted(tmp_path, street):
    run_import(tmp_path, collection(feature(street, name="网" * 100)))
    assert Place.objects.get(code=street.new_code).name == "网" * 100


def test_a_missing_file_is_a_command_error(tmp_path, street):
    before = grids()
    with pytest.raises(CommandError, match="Cannot read .*nowhere.geojson"):
        call_command("import_grids", str(tmp_path / "nowhere.geojson"))
    assert grids() == before


def test_the_file_may_be_a_utf8_file_with_a_byte_order_mark(tmp_path, street):
    output = run_import(tmp_path, b"\xef\xbb\xbf" + collection(feature(street)).encode())
    assert "1 grids created" in output
    assert Place.objects.filter(code=street.new_code).exists()


def test_a_feature_collection_written_by_a_gis_tool_is_accepted(tmp_path, street):
    # QGIS and ogr2ogr add a name, a crs member and extra properties; none of them matter.
    data = json.loads(collection(feature(street, fid=7, area_m2=123456.7)))
    data |= {
        "name": "grids",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    }
    run_import(tmp_path, json.dumps(data))
    assert Place.objects.get(code=street.new_code).name == NEW_NAME
