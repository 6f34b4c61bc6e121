"""Choosing a compound or building by typing or by "near me", never from a dropdown of hundreds
(issue 18): the search rule, the endpoint's scope, and the forms that resolve typed words."""

import pytest
from django.urls import reverse
from django.utils import translation

from huizhi.cases.forms import ReportForm
from huizhi.places.forms import PlaceChoiceField
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.search import nearest_places, query_words, search_places
from huizhi.registry.forms import ClaimForm
from tests.factories import BuildingFactory, CompoundFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def yangtian():
    """扬天小区 with buildings 1, 11, 12 and 111, and 平安小区 with its own 11栋, in one grid."""
    world = small_street()
    yangtian = CompoundFactory(parent=world.grid, name="扬天小区F")
    buildings = {}
    for number in (1, 11, 12, 111):
        buildings[number] = BuildingFactory(parent=yangtian, name=f"{number}栋")
    pingan = CompoundFactory(parent=world.grid, name="平安小区F", lon=yangtian.lon + 0.02)
    other_eleven = BuildingFactory(parent=pingan, name="11栋")
    return world, yangtian, buildings, other_eleven


def _mine(world):
    return Place.objects.filter(code__startswith=world.community.code, kind__in=["compound", "building"])


def test_words_fold_full_width_digits_and_split_letters_from_numbers():
    assert query_words("扬天１１") == ["扬天", "11"]
    assert query_words("  扬天小区  11栋 ") == ["扬天小区", "11"]
    assert query_words("扬天11号楼") == ["扬天", "11"]
    assert query_words("") == []
    assert len(query_words("词 " * 50)) == 4  # a long paste is cut, not searched word by word


def test_a_number_names_the_building_with_that_number_not_its_longer_neighbours(yangtian):
    world, compound, buildings, other_eleven = yangtian
    found = search_places(_mine(world), "扬天 11")
    assert found == [buildings[11]]
    assert found[0].label == "扬天小区F 11栋"


def test_words_typed_together_or_said_another_way_find_the_same_place(yangtian):
    world, compound, buildings, _ = yangtian
    assert search_places(_mine(world), "扬天11") == [buildings[11]]
    assert search_places(_mine(world), "扬天小区 11号楼") == [buildings[11]]


def test_a_number_alone_finds_that_building_in_every_compound(yangtian):
    world, compound, buildings, other_eleven = yangtian
    assert set(search_places(_mine(world), "11")) == {buildings[11], other_eleven}


def test_a_compound_name_lists_the_compound_first(yangtian):
    world, compound, buildings, _ = yangtian
    found = search_places(_mine(world), "扬天")
    assert found[0] == compound and set(found[1:]) == set(buildings.values())


def test_nothing_typed_or_nothing_matching_finds_nothing(yangtian):
    world, *_ = yangtian
    assert search_places(_mine(world), "   ") == []
    assert search_places(_mine(world), "没有这个小区") == []
    assert search_places(_mine(world), "%_'\x00") == []


def test_near_me_lists_the_closest_within_the_radius_with_distances(yangtian):
    world, compound, buildings, other_eleven = yangtian
    found = nearest_places(_mine(world), compound.lon + 0.0005, compound.lat)
    assert found and found[0][1] < 100
    assert other_eleven not in [place for place, _ in found]  # 0.02° east is ~1.9 km away
    assert [m for _, m in found] == sorted(m for _, m in found)


def test_the_search_page_needs_a_sign_in(client):
    response = client.get(reverse("places:search"), {"q": "扬天"})
    assert response.status_code == 302


def test_staff_search_their_scope_and_the_wall_searches_every_place(client, yangtian):
    world, compound, buildings, _ = yangtian
    elsewhere = small_street()
    far = BuildingFactory(parent=elsewhere.compound, name="11栋")
    client.force_login(world.staff)
    mine = client.get(reverse("places:search"), {"q": "11"}).json()["results"]
    assert far.pk not in [row["id"] for row in mine]
    assert buildings[11].pk in [row["id"] for row in mine]
    everywhere = client.get(reverse("places:search"), {"q": "11", "scope": "all"}).json()["results"]
    assert far.pk in [row["id"] for row in everywhere]
    assert set(mine[0]) == {"id", "label"}  # names only: no people, no codes


def test_buildings_only_when_asked_and_near_me_answers_with_metres(client, yangtian):
    world, compound, buildings, _ = yangtian
    client.force_login(world.resident)
    rows = client.get(reverse("places:search"), {"q": "扬天", "kinds": "building", "scope": "all"}).json()
    assert compound.pk not in [row["id"] for row in rows["results"]]
    near = client.get(reverse("places:search"), {"lon": compound.lon, "lat": compound.lat}).json()
    assert near["results"][0]["metres"] == 0


@pytest.mark.parametrize(
    "params",
    [{"lon": "x", "lat": "1"}, {"lon": "999", "lat": "1"}, {"lon": "nan", "lat": "nan"}, {"q": "扬" * 5000}],
)
def test_bad_points_and_huge_words_are_answered_not_crashed(client, yangtian, params):
    world, *_ = yangtian
    client.force_login(world.resident)
    response = client.get(reverse("places:search"), params)
    assert response.status_code == 200 and isinstance(response.json()["results"], list)


def test_the_report_form_never_lists_the_places(yangtian, django_assert_max_num_queries):
    world, compound, buildings, _ = yangtian
    form = ReportForm(places=_mine(world))
    with django_assert_max_num_queries(2):
        html = str(form["place"])
    assert "<option" not in html and "place_text" in html


def test_a_picked_place_is_taken_by_its_id(yangtian):
    world, compound, buildings, _ = yangtian
    field = PlaceChoiceField(queryset=_mine(world))
    assert field.clean(str(buildings[12].pk)) == buildings[12]


def test_typed_words_that_name_one_place_are_taken_without_the_script(yangtian):
    world, compound, buildings, _ = yangtian
    form = ClaimForm({"building_text": "扬天 12", "room": "301", "name": "张三"})
    form.fields["building"].queryset = _mine(world).filter(kind=PlaceKind.BUILDING)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["building"] == buildings[12]


def test_typed_words_that_name_several_places_say_which(yangtian):
    world, compound, buildings, other_eleven = yangtian
    form = ClaimForm({"building_text": "11", "room": "301", "name": "张三"})
    form.fields["building"].queryset = _mine(world).filter(kind=PlaceKind.BUILDING)
    with translation.override("en"):
        assert not form.is_valid()
        message = str(form.errors["building"])
    assert (
        "could be several places" in message and "扬天小区F 11栋" in message and "平安小区F 11栋" in message
    )
    # The typed words come back in the box, so the person can add the compound's name.
    assert 'value="11"' in str(form["building"])


def test_typed_words_that_name_nothing_say_so(yangtian):
    world, *_ = yangtian
    form = ClaimForm({"building_text": "没有这栋", "room": "301", "name": "张三"})
    form.fields["building"].queryset = _mine(world).filter(kind=PlaceKind.BUILDING)
    with translation.override("en"):
        assert not form.is_valid()
        assert "No compound or building is called" in str(form.errors["building"])


def test_a_place_outside_the_forms_places_is_refused_even_by_id(yangtian):
    world, *_ = yangtian
    elsewhere = small_street()
    field = PlaceChoiceField(queryset=_mine(world))
    with pytest.raises(Exception) as refused:
        field.clean(str(elsewhere.building.pk))
    assert "invalid_choice" in str(refused.value.code)


def test_the_report_form_opens_at_a_given_building_and_ignores_a_bad_one(client, yangtian):
    """The liaison's "report for this household" link names the household's building."""
    world, compound, buildings, _ = yangtian
    client.force_login(world.gridworker)
    page = client.get(reverse("cases:report_phone"), {"place": buildings[12].pk}).content.decode()
    assert f'name="place" value="{buildings[12].pk}"' in page and 'value="扬天小区F 12栋"' in page
    for bad in ("x", "9" * 40, str(small_street().building.pk)):  # not a number, too long, out of scope
        page = client.get(reverse("cases:report_phone"), {"place": bad})
        assert page.status_code == 200 and 'name="place" value=""' in page.content.decode()
