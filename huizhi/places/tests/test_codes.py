"""Place codes follow the national format at every level (DESIGN §3, §13: 统计用区划代码)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from huizhi.places.codes import CODE_RULES, validate_code
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.services import place_create
from tests.factories import BuildingFactory

pytestmark = pytest.mark.no_demo

# A valid code for every kind, each under the one before it (the demo street's own line).
VALID = {
    PlaceKind.DISTRICT: ("341102", None),
    PlaceKind.STREET: ("341102001", "341102"),
    PlaceKind.COMMUNITY: ("341102001001", "341102001"),
    PlaceKind.GRID: ("341102001001001", "341102001001"),
    PlaceKind.COMPOUND: ("341102001001001001", "341102001001001"),
    PlaceKind.BUILDING: ("341102001001001001011", "341102001001001001"),
    PlaceKind.UNIT: ("3411020010010010010110101", "341102001001001001011"),
}
KINDS = list(VALID)
KINDS_WITH_PARENT = [kind for kind in KINDS if VALID[kind][1] is not None]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refusal(kind, code, parent_code) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_code(kind, code, parent_code)
    return caught.value


def test_every_kind_has_an_example():
    assert set(VALID) == set(PlaceKind.values) == set(CODE_RULES)


@pytest.mark.parametrize("kind", KINDS)
def test_a_code_of_the_right_length_under_its_parent_is_accepted(kind):
    code, parent_code = VALID[kind]
    assert len(code) == CODE_RULES[kind][1]
    validate_code(kind, code, parent_code)  # raises on refusal


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("change", ["one digit too many", "one digit too few", "empty"])
def test_a_code_of_the_wrong_length_is_refused(kind, change):
    code, parent_code = VALID[kind]
    wrong = {"one digit too many": code + "1", "one digit too few": code[:-1], "empty": ""}[change]
    error = refusal(kind, wrong, parent_code)
    assert error.code == "code_format"
    length = CODE_RULES[kind][1]
    assert f"has {length} digits" in error.messages[0]
    assert f"“{wrong}”" in error.messages[0]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad_character", ["a", " ", "-", ".", "\n"])
def test_a_code_with_a_non_digit_is_refused(kind, bad_character):
    code, parent_code = VALID[kind]
    wrong = code[:-1] + bad_character  # right length, last character not a digit
    assert len(wrong) == len(code)
    assert refusal(kind, wrong, parent_code).code == "code_format"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("digits", ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩"], ids=["full-width", "Arabic-Indic"])
def test_a_code_in_non_ascii_digits_is_refused(kind, digits):
    # Python's \d and str.isdigit() accept these; the national codes are ASCII 0-9 only.
    code, _parent_code = VALID[kind]
    lookalike = code.translate(str.maketrans("0123456789", digits))
    assert refusal(kind, lookalike, None).code == "code_format"


@pytest.mark.parametrize("kind", KINDS_WITH_PARENT)
def test_a_code_not_starting_with_its_parents_code_is_refused(kind):
    code, parent_code = VALID[kind]
    # Change the first digit: the length and the sequence stay right, only the prefix is wrong.
    wrong = ("4" if code[0] != "4" else "5") + code[1:]
    error = refusal(kind, wrong, parent_code)
    assert error.code == "code_parent"
    assert parent_code in error.messages[0]
    assert wrong in error.messages[0]


@pytest.mark.parametrize("kind", KINDS_WITH_PARENT)
def test_a_code_under_a_sibling_parent_is_refused(kind):
    code, parent_code = VALID[kind]
    sibling_parent = parent_code[:-1] + str((int(parent_code[-1]) + 1) % 10)  # the next sibling
    assert sibling_parent != parent_code
    assert refusal(kind, code, sibling_parent).code == "code_parent"


@pytest.mark.parametrize("kind", KINDS)
def test_an_all_zero_sequence_number_is_refused(kind):
    code, parent_code = VALID[kind]
    added = CODE_RULES[kind][0]
    zero = (parent_code or "") + "0" * added
    assert len(zero) == len(code)
    error = refusal(kind, zero, parent_code)
    assert error.code == "code_sequence"
    assert f"last {added} digits" in error.messages[0]


@pytest.mark.parametrize("kind", KINDS_WITH_PARENT)
def test_a_sequence_number_with_leading_zeros_is_accepted(kind):
    _code, parent_code = VALID[kind]
    added = CODE_RULES[kind][0]
    validate_code(kind, parent_code + "0" * (added - 1) + "9", parent_code)


# --- Place.full_clean: a place sits directly under its parent's kind -----------------------------


@pytest.fixture
def line(db) -> dict[str, Place]:
    """One place of each kind from the district to a building, each under the one before."""
    building = BuildingFactory()
    places = {}
    place = building
    while place is not None:
        places[place.kind] = place
        place = place.parent
    return places


@pytest.mark.parametrize(
    "kind, parent_kind",
    [
        (PlaceKind.GRID, PlaceKind.STREET),  # a grid straight under the street
        (PlaceKind.COMMUNITY, PlaceKind.COMMUNITY),  # a community under a community
        (PlaceKind.COMPOUND, PlaceKind.COMMUNITY),  # a compound under a community, skipping the grid
        (PlaceKind.STREET, PlaceKind.GRID),  # a street under a grid
    ],
)
def test_full_clean_refuses_a_place_under_the_wrong_parent_kind(line, kind, parent_kind):
    # The code is an existing place's of that kind: in format, so only the parent's kind is wrong.
    place = Place(kind=kind, code=line[kind].code, name="错位", parent=line[parent_kind])
    with pytest.raises(ValidationError) as caught:
        place.full_clean(validate_unique=False, validate_constraints=False)
    assert "parent" in caught.value.message_dict
    expected = CODE_RULES[kind][2]
    assert f"belongs under a {PlaceKind(expected).label}" in caught.value.message_dict["parent"][0]


@pytest.mark.django_db
def test_full_clean_refuses_a_community_without_a_parent():
    place = Place(kind=PlaceKind.COMMUNITY, code="341102001099", name="无主社区")
    with pytest.raises(ValidationError) as caught:
        place.full_clean(validate_constraints=False)
    assert "parent" in caught.value.message_dict


def test_full_clean_refuses_a_district_with_a_parent(line):
    place = Place(kind=PlaceKind.DISTRICT, code="341103", name="南谯区", parent=line[PlaceKind.DISTRICT])
    with pytest.raises(ValidationError) as caught:
        place.full_clean(validate_constraints=False)
    assert "parent" in caught.value.message_dict


def test_full_clean_accepts_a_place_under_the_right_parent_kind(line):
    community = line[PlaceKind.COMMUNITY]
    place = Place(kind=PlaceKind.GRID, code=community.code + "099", name="新网格", parent=community)
    place.full_clean(validate_constraints=False)  # raises on refusal


# --- place_create refuses a bad code and leaves nothing behind ---------------------------------


@pytest.mark.parametrize(
    "suffix, reason",
    [
        ("99", "code_format"),  # 14 digits
        ("0990", "code_format"),  # 16 digits
        ("09x", "code_format"),
        ("099", "code_parent"),  # a grid of the next community placed under this one
        ("000", "code_sequence"),
    ],
)
def test_place_create_refuses_a_grid_code_in_the_wrong_format_and_leaves_nothing(line, suffix, reason):
    community = line[PlaceKind.COMMUNITY]
    prefix = community.code
    if reason == "code_parent":
        prefix = prefix[:-1] + str((int(prefix[-1]) + 1) % 10)
    code = prefix + suffix
    places_before = Place.objects.count()
    grids_before = community.children.count()
    with pytest.raises(ValidationError) as caught:
        place_create(kind=PlaceKind.GRID, code=code, name="坏码网格", parent=community, boundary=None)
    assert reason in {error.code for errors in caught.value.error_dict.values() for error in errors}
    assert not Place.objects.filter(code=code).exists()
    assert not Place.objects.filter(name="坏码网格").exists()
    assert Place.objects.count() == places_before
    assert community.children.count() == grids_before


def test_place_create_refuses_a_compound_under_a_community_and_leaves_nothing(line):
    community = line[PlaceKind.COMMUNITY]
    places_before = Place.objects.count()
    with pytest.raises(ValidationError) as caught:
        place_create(
            kind=PlaceKind.COMPOUND, code=community.code + "001099", name="越级小区", parent=community
        )
    assert "parent" in caught.value.message_dict
    assert Place.objects.count() == places_before
    assert not Place.objects.filter(name="越级小区").exists()


def test_place_create_accepts_a_grid_code_in_format(line):
    community = line[PlaceKind.COMMUNITY]
    grid = place_create(kind=PlaceKind.GRID, code=community.code + "099", name="新网格", parent=community)
    assert Place.objects.get(code=community.code + "099") == grid
    assert grid.parent == community
