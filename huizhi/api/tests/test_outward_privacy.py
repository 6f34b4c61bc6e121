"""What a case says about its reporter once it leaves the staff console: the exact map point, the
reporter's name, and numbers typed into its text.

A resident's exact point, the reporter's real name on the timeline and a mobile typed into a
description must not reach Open311, REST or a webhook (the public pages name only the compound).
The rule is the case page's, in one place (`sees_case_particulars`): the reporter and the staff whose places
hold the case read everything; systems and handling units read the place's point, a masked name
and masked numbers.
"""

import pytest
from rest_framework.test import APIClient
from shapely.geometry import shape

from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.cases.tests import factories as f
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import moderation

pytestmark = pytest.mark.django_db

MOBILE = "13912345678"
ID_NUMBER = "341102199001011234"


@pytest.fixture
def resident_case() -> Case:
    """A resident's report from their own doorstep: an exact point inside 扬天小区's grid."""
    compound = f.place(f.YANGTIAN)
    grid = compound.parent
    inside = shape(grid.boundary).representative_point()
    return case_report(
        actor=f.resident(),
        category=f.category(f.GARBAGE),
        title="楼下垃圾没人清",
        description=f"联系电话 {MOBILE}，身份证{ID_NUMBER}，楼下垃圾三天没人清。",
        source=Source.WALL,
        place=compound,
        lon=inside.x + 0.00001,
        lat=inside.y + 0.00001,
    )


def test_a_key_reads_the_compounds_point_not_the_residents(resident_case):
    compound = resident_case.place
    assert (resident_case.lon, resident_case.lat) != (compound.lon, compound.lat)
    row = key_client(f.HUAYUAN).get(f"/api/v1/cases/{resident_case.pk}/").json()
    assert (row["lon"], row["lat"]) == (compound.lon, compound.lat)
    listed = key_client(f.HUAYUAN).get("/api/v1/cases/", {"limit": 500}).json()["results"]
    (item,) = [r for r in listed if r["id"] == resident_case.pk]
    assert (item["lon"], item["lat"]) == (compound.lon, compound.lat)


def test_staff_whose_community_holds_the_case_read_the_exact_point(resident_case):
    row = token_client(f.user("huayuan_staff")).get(f"/api/v1/cases/{resident_case.pk}/").json()
    assert (row["lon"], row["lat"]) == (resident_case.lon, resident_case.lat)
    assert MOBILE in row["description"]


def test_the_rest_timeline_masks_the_reporter_for_a_key_and_not_for_staff(resident_case):
    timeline = key_client(f.HUAYUAN).get(f"/api/v1/cases/{resident_case.pk}/").json()["timeline"]
    assert timeline[0]["actor"] == "孙**"
    assert MOBILE not in timeline[0]["note"] and "139****5678" in timeline[0]["note"]
    staff_timeline = token_client(f.user("huayuan_staff")).get(f"/api/v1/cases/{resident_case.pk}/").json()
    assert staff_timeline["timeline"][0]["actor"] == "孙红梅"


def test_the_reporter_reads_their_own_name_and_point(resident_case):
    row = token_client(resident_case.reporter).get(f"/api/v1/cases/{resident_case.pk}/").json()
    assert row["timeline"][0]["actor"] == "孙红梅"
    assert (row["lon"], row["lat"]) == (resident_case.lon, resident_case.lat)


def test_typed_numbers_are_masked_in_rest_for_a_key(resident_case):
    row = key_client(f.HUAYUAN).get(f"/api/v1/cases/{resident_case.pk}/").json()
    assert MOBILE not in row["description"] and ID_NUMBER not in row["description"]
    assert "139****5678" in row["description"] and "3411**********1234" in row["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_gives_the_compounds_point_and_masked_numbers(resident_case, fmt):
    client = key_client(f.HUAYUAN)
    response = APIClient().get(f"/open311/v2/requests/{resident_case.pk}.{fmt}", {"api_key": client.raw_key})
    assert response.status_code == 200
    text = response.content.decode()
    assert MOBILE not in text and ID_NUMBER not in text and "139****5678" in text
    assert repr(resident_case.lat) not in text and repr(resident_case.lon) not in text
    if fmt == "json":
        (item,) = response.json()
        compound = resident_case.place
        assert (item["long"], item["lat"]) == (compound.lon, compound.lat)


def test_a_handling_unit_reads_the_case_page_without_the_reporters_name(client, resident_case):
    f.advance(resident_case, "accept")
    case = f.advance(Case.objects.get(pk=resident_case.pk), "dispatch", unit=f.repair_crew())
    client.force_login(f.user("repair_crew"))
    page = client.get(f"/console/cases/{case.pk}/").content.decode()
    assert "孙红梅" not in page and "孙**" in page
    client.force_login(f.user("huayuan_staff"))
    assert "孙红梅" in client.get(f"/console/cases/{case.pk}/").content.decode()


def test_a_case_at_a_household_unit_leaves_with_its_buildings_point():
    unit = (
        Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN).select_related("parent").first()
    )
    case = case_report(
        actor=f.user("huayuan_staff"),
        category=f.category(f.GARBAGE),
        title="家中漏水",
        description="家中漏水。",
        source=Source.HOTLINE,
        place=unit,
    )
    row = key_client(f.HUAYUAN).get(f"/api/v1/cases/{case.pk}/").json()
    assert (row["lon"], row["lat"]) == (unit.parent.lon, unit.parent.lat)


def test_a_keys_list_of_cases_at_household_units_costs_no_query_per_case():
    units = list(Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN)[:6])
    client = key_client(f.HUAYUAN)

    def file_at(unit):
        case_report(
            actor=f.user("huayuan_staff"),
            category=f.category(f.GARBAGE),
            title="家门口垃圾",
            description="家门口垃圾。",
            source=Source.HOTLINE,
            place=unit,
        )

    def queries_for_list() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/cases/", {"limit": 500}).status_code == 200
        return len(queries)

    queries_for_list()  # the key's first use stamps it (one write); count from the second
    for unit in units[:2]:
        file_at(unit)
    few = queries_for_list()
    for unit in units[2:]:
        file_at(unit)
    assert queries_for_list() == few


# --- Numbers typed in any shape, a household's room, a private subclass -----------------------------


@pytest.mark.parametrize(
    "typed, masked",
    [
        ("有事找我 139 - 1234 - 5678", "有事找我 139****5678"),
        ("联系人１３９１２３４５６７８", "联系人139****5678"),
        ("139\u200b1234\u200b5678", "139****5678"),
        ("139_1234_5678", "139****5678"),
        ("139/1234/5678", "139****5678"),
        ("电话139，1234，5678", "电话139****5678"),
        ("身份证 340102-19900101-1234", "身份证 3401**********1234"),
    ],
)
def test_numbers_typed_in_every_shape_are_masked(typed, masked):
    assert mask_typed_personal_numbers(typed) == masked


@pytest.mark.parametrize(
    "ordinary", ["3栋2单元501室，2024-05-01 10:30", "物业费每平米1.2元，共13912元", "订单号2013912345678999"]
)
def test_other_numbers_are_left_alone(ordinary):
    assert mask_typed_personal_numbers(ordinary) == ordinary


def test_a_spaced_mobile_holds_a_wall_post():
    # The same shapes keep a post off the public wall until staff have read it.
    assert "contact" in moderation.hold_reasons(
        title="北门垃圾箱满了",
        description="没人清，有事找我 139 - 1234 - 5678",
        post_fingerprint="x",
        exclude_post_id=None,
    )


def test_a_key_is_never_told_a_households_room():
    unit = (
        Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN).select_related("parent").first()
    )
    case = case_report(
        actor=f.user("huayuan_staff"),
        category=f.category("1103"),
        title="邻里纠纷",
        description="楼上漏水。",
        source=Source.HOTLINE,
        place=unit,
    )
    staff = token_client("huayuan_staff")
    assert staff.get(f"/api/v1/cases/{case.pk}/").json()["place"] == unit.code  # staff in scope: the room
    row = key_client(f.HUAYUAN, name="热线").get(f"/api/v1/cases/{case.pk}/").json()
    assert (row["place"], row["place_name"]) == (unit.parent.code, unit.parent.name)


def test_a_wall_item_staff_recategorised_privately_keeps_the_walls_subclass_without_a_key(client):
    from huizhi.wall.models import Post

    post = Post.objects.filter(stage="open", case__isnull=True).select_related("category", "place").first()
    case = case_report(
        actor=post.author,
        category=Category.objects.get(code="1103"),  # 邻里纠纷: private
        title=post.title,
        description=post.description,
        source=Source.WALL,
        place=post.place,
    )
    Post.objects.filter(pk=post.pk).update(stage="case", case=case)
    [item] = client.get(f"/open311/v2/requests/{case.pk}.json").json()
    assert item["service_code"] == post.category.code != "1103"
    listed = client.get("/open311/v2/requests.json", {"service_code": "1103"}).json()
    assert str(case.pk) not in {i["service_request_id"] for i in listed}
