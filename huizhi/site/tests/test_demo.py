"""The article's counts come out of the database (DESIGN §12)."""

import pytest

from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region

pytestmark = pytest.mark.django_db


def test_street_has_78_red_grids():
    street = Place.objects.get(kind=PlaceKind.STREET, name="琅琊街道")
    assert Place.objects.within(street).filter(kind=PlaceKind.GRID).count() == 78


def test_street_has_45_grid_party_branches_each_on_its_own_grid():
    branches = Organisation.objects.filter(kind=OrganisationKind.GRID_PARTY_BRANCH)
    assert branches.count() == 45
    assert set(branches.values_list("place__kind", flat=True)) == {PlaceKind.GRID}
    assert branches.values("place").distinct().count() == 45


def test_street_has_119_compounds_without_a_property_company():
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND)
    assert compounds.filter(has_property_company=False).count() == 119
    assert compounds.filter(has_property_company=True, property_company__isnull=False).exists()


def test_the_article_communities_exist():
    names = set(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("name", flat=True))
    assert {"凤凰社区", "三里亭社区", "花园街社区"} <= names


def test_yangtian_building_11_is_in_huayuanjie_community():
    building = Place.objects.select_related("parent__parent__parent").get(
        kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区"
    )
    assert building.parent.parent.parent.name == "花园街社区"


def test_sanliting_renjia_building_4_self_governance():
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="4栋", parent__name="三里亭人家")
    assert building.parent.parent.parent.name == "三里亭社区"
    assert Region.objects.filter(place=building).count() == 2
    groups = Group.objects.filter(place=building)
    assert groups.count() == 12
    central = groups.exclude(central_household=None).values("central_household").distinct()
    assert central.count() == 12
    for group in groups:
        assert group.central_household in group.households.all()


def test_zhujiahe_studio_is_in_fenghuang():
    studio = Organisation.objects.get(kind=OrganisationKind.REPRESENTATIVE_STUDIO)
    assert studio.name == "朱家和工作室"
    assert studio.place.name == "凤凰社区"


def test_every_compound_lies_inside_its_grid():
    from huizhi.places.selectors import grid_for_point

    for compound in Place.objects.filter(kind=PlaceKind.COMPOUND).select_related("parent")[:40]:
        assert grid_for_point(compound.lon, compound.lat) == compound.parent


def test_demo_command_does_not_load_twice(capsys):
    from django.core.management import call_command

    before = Place.objects.count()
    call_command("demo")
    assert Place.objects.count() == before
    out = capsys.readouterr().out
    assert "huayuan_staff" in out and "commissioner" in out
