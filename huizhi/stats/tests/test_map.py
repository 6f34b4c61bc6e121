"""The leader's map (/console/stats/map/): who may read it, what its pins say and never say, the
cap on pins, refusals, and a query count that does not grow with the cases."""

import json
import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.cases.states import Source
from huizhi.cases.tests.factories import (
    FENGHUANG,
    GRIDWORKER_GRID,
    HUAYUAN,
    STREET,
    building_11,
    reported_case,
    resident,
    shanghai,
    user,
)
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.stats import map as stats_map
from huizhi.stats.tests.helpers import at, report_at

pytestmark = pytest.mark.django_db

MAP = reverse("stats:map")
MARCH = {"period": "month", "month": "2025-03"}


def signed_in(client, username: str):
    client.force_login(user(username))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def map_data(response) -> dict:
    match = re.search(
        r'<script id="stats-map-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the page carries its map data in a json_script element"
    return json.loads(match.group(1))


def grid_row(html: str, code: str) -> list[str]:
    """The cells of a grid's row in the table beneath the map, as text."""
    start = html.index(f'<tr data-grid="{code}">')
    row = html[start : html.index("</tr>", start)]
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


# --- who may read it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "scope", "status", "grids_under"),
    [
        ("street", "", 200, STREET),  # the leader: the whole street by default
        ("street", HUAYUAN, 200, HUAYUAN),  # … narrowed to a community
        ("street", GRIDWORKER_GRID, 200, GRIDWORKER_GRID),  # … or to one grid
        ("huayuan_staff", "", 200, HUAYUAN),  # community staff: their community by default
        ("fenghuang_staff", "", 200, FENGHUANG),  # another community's staff: their own, not 花园街
        ("fenghuang_staff", HUAYUAN, 403, None),  # … and refused 花园街
        ("huayuan_staff", STREET, 403, None),  # community staff are refused the street
        ("street", "341102", 403, None),  # the district above the leader's street
        ("street", "341102002", 403, None),  # a street that is not theirs (nor anyone's)
        ("resident", "", 403, None),
        ("gridworker", "", 403, None),  # a grid worker does not read the statistics
    ],
)
def test_who_may_read_the_map_and_over_which_grids(client, username, scope, status, grids_under):
    if username == "resident":
        client.force_login(resident())
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    else:
        signed_in(client, username)
    response = client.get(MAP, {"scope": scope} if scope else {})
    assert response.status_code == status
    if status != 200:
        assert "stats-map-data" not in response.content.decode()
        return
    codes = [f["properties"]["code"] for f in map_data(response)["features"]]
    expected = Place.objects.filter(kind=PlaceKind.GRID, code__startswith=grids_under).count()
    assert codes and len(codes) == expected
    assert all(code.startswith(grids_under) for code in codes)


def test_a_scope_outside_ones_own_is_refused_with_a_message(client):
    response = signed_in(client, "fenghuang_staff").get(MAP, {"scope": HUAYUAN})
    assert response.status_code == 403
    assert "is not among them" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(MAP)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "month", "month": "2025-13"}, "There is no month 13."),
        ({"period": "month", "month": "March"}, "The month must be written like 2024-05"),
        ({"period": "month", "month": "2999-01"}, "outside the years the figures cover"),
        ({"period": "fortnight"}, "Unknown period"),
        (
            {"period": "custom", "from": "2025-03-10", "to": "2025-03-01"},
            "The last day comes before the first.",
        ),
    ],
)
def test_a_bad_period_is_refused_with_a_message(client, params, message):
    response = signed_in(client, "street").get(MAP, params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_future_period_is_refused(client):
    with at(shanghai(2025, 3, 10, 9)):
        response = signed_in(client, "street").get(MAP, {"period": "month", "month": "2025-04"})
    assert response.status_code == 400
    assert "has not begun yet" in response.content.decode()


def test_a_malformed_scope_gets_the_same_refusal_as_another_ones(client):
    response = signed_in(client, "street").get(MAP, {"scope": "<b>341</b>"})
    assert response.status_code == 403
    assert "<b>341</b>" not in response.content.decode()  # escaped, never markup


# --- what it shows ---------------------------------------------------------------------------------


def test_each_grid_carries_its_figures_for_the_period_on_the_map_and_in_the_table(client, month):
    """The worked month (conftest): A–G in 花园街第1网格, H in 凤凰社区 with no grid."""
    with at(shanghai(2025, 3, 31, 12)):
        response = signed_in(client, "street").get(MAP, MARCH)
    data = map_data(response)
    features = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    # 7 reported; 应结案 5 (A B C D F), closed 4: 80.00%; E (never accepted) and F (never handled)
    # are open and overdue.
    assert features[GRIDWORKER_GRID]["figures"] == ["7", "4 / 5", "80.00%", "2"]
    assert data["figureLabels"] == [
        "Cases reported",
        "Closed / due to close",
        "Closure rate",
        "Overdue open cases",
    ]
    assert grid_row(response.content.decode(), GRIDWORKER_GRID)[2:] == ["7", "4 / 5", "80.00%", "2"]
    # A grid with nothing to count shows “—”, never 0%.
    quiet = f"{HUAYUAN}002"
    assert features[quiet]["figures"] == ["0", "0 / 0", "—", "0"]
    # The hot spots count the period's reports per cell: A–G at building 11's point (one cell);
    # H, reported at a community with no point, is not drawn.
    assert sum(cell[2] for cell in data["hot"]) == 7
    assert 'data-hot-reported="8"' in response.content.decode()
    assert 'data-hot-unplaced="1"' in response.content.decode()


def test_compounds_and_buildings_are_labelled_with_their_names_only(client):
    data = map_data(signed_in(client, "huayuan_staff").get(MAP))
    compounds = {row[0] for row in data["labels"]["compounds"]}
    assert "扬天小区" in compounds
    buildings = data["labels"]["buildings"]
    assert ["11栋", *building_point()] in buildings
    assert all(len(row) == 3 for row in buildings)  # a name and a point, nothing else
    # Household units (door numbers) are no label.
    units = Place.objects.filter(kind=PlaceKind.UNIT).values_list("name", flat=True)[:5]
    assert not set(units) & {row[0] for row in buildings}


def building_point() -> list[float]:
    building = building_11()
    return [round(building.lon, 5), round(building.lat, 5)]


# A hand-made morning: Wednesday 5 March 2025, 10:00 (office hours 08:30–12:00). 暴露垃圾 is to be
# accepted within 1 working hour, near due in its last 20 % (12 minutes).
MORNING = shanghai(2025, 3, 5, 10, 0)


def _clock_world():
    overdue = report_at(shanghai(2025, 3, 5, 8, 40), title="超期未受理")  # due 09:40: overdue
    near = report_at(shanghai(2025, 3, 5, 9, 5), title="临期未受理")  # due 10:05, near due from 09:53
    in_time = report_at(shanghai(2025, 3, 5, 9, 50), title="刚刚上报")  # due 10:50: in time
    return {"red": overdue, "yellow": near, "green": in_time}


def test_pins_are_coloured_by_the_case_loops_own_clock(client):
    world = _clock_world()
    with at(MORNING):
        response = signed_in(client, "huayuan_staff").get(MAP, {"period": "day", "date": "2025-03-05"})
    pins = {pin["ref"]: pin for pin in map_data(response)["pins"]}
    for colour, case in world.items():
        pin = pins[case.reference]
        assert pin["clock"] == colour
        assert pin["clock"] == case.clock_colour(MORNING)  # the queue's definition, not a second one
    assert pins[world["red"].reference]["left"] == "overdue by 20 min"
    assert pins[world["yellow"].reference]["left"] == "5 min left"
    assert pins[world["green"].reference]["left"] == "50 min left"
    # The most urgent first: the overdue case leads the pins.
    refs = [pin["ref"] for pin in map_data(response)["pins"]]
    assert (
        refs.index(world["red"].reference)
        < refs.index(world["yellow"].reference)
        < refs.index(world["green"].reference)
    )


def test_pins_carry_no_personal_data(client):
    person = resident()  # 孙红梅, mobile 13900000009
    unit = Place.objects.get(kind=PlaceKind.UNIT, name="2单元304")  # 三里亭人家 4栋: a door number
    case = reported_case(
        reporter=person,
        where=unit,
        title="楼道堆物 请回电13912345678",
        description="住户孙红梅反映，电话13900000009。",
        source=Source.WALL,
    )
    response = signed_in(client, "street").get(MAP)
    html = response.content.decode()
    pin = next(p for p in map_data(response)["pins"] if p["ref"] == case.reference)
    assert set(pin) == {"ref", "title", "category", "left", "clock", "lon", "lat"}
    assert pin["title"] == "楼道堆物 请回电139****5678"  # a number typed into the title masked
    assert "13912345678" not in html
    assert person.full_name not in html and person.mobile not in html  # neither the reporter nor her phone
    assert "住户孙红梅" not in html  # nor the description
    assert unit.name not in html  # no door number: the pin stands at the building's point
    building = unit.parent
    assert [pin["lon"], pin["lat"]] == [round(building.lon, 5), round(building.lat, 5)]


def test_only_the_most_urgent_pins_are_drawn_and_the_rest_are_counted(client, monkeypatch):
    world = _clock_world()
    monkeypatch.setattr(stats_map, "PIN_LIMIT", 2)
    with at(MORNING):
        response = signed_in(client, "huayuan_staff").get(MAP, {"period": "day", "date": "2025-03-05"})
    html = response.content.decode()
    pins = map_data(response)["pins"]
    assert len(pins) == 2
    total = int(re.search(r'data-pins-total="(\d+)"', html).group(1))
    assert total >= 3
    assert f'data-pins-over-limit="{total - 2}"' in html
    assert f"the 2 most urgent are drawn as pins, {total - 2} more are not shown" in html
    assert world["green"].reference not in {pin["ref"] for pin in pins}


def test_the_map_draws_on_a_plain_background_or_on_the_configured_tiles(client):
    assert map_data(signed_in(client, "street").get(MAP))["tileUrl"] == ""
    with override_settings(HUIZHI_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png"):
        data = map_data(signed_in(client, "street").get(MAP))
    assert data["tileUrl"] == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_the_page_uses_no_inline_script(client):
    html = signed_in(client, "street").get(MAP).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, _body in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert "stats/map.js" in html and "leaflet.js" in html


def test_the_dashboard_links_to_the_map_with_its_scope_and_period(client):
    html = (
        signed_in(client, "street")
        .get(reverse("stats:dashboard"), {**MARCH, "scope": HUAYUAN})
        .content.decode()
    )
    assert re.search(rf'href="{MAP}\?[^"]*scope={HUAYUAN}', html)
    assert re.search(rf'href="{MAP}\?[^"]*month=2025-03', html)


# --- cost ------------------------------------------------------------------------------------------


def _report_some(n: int, day: int) -> None:
    buildings = list(
        Place.objects.filter(kind=PlaceKind.BUILDING, code__startswith=HUAYUAN).order_by("code")[: n * 7 : 7]
    )
    for i, building in enumerate(buildings):
        report_at(shanghai(2025, 3, day, 9, i), title=f"第{i}件", where=building)


def test_the_queries_do_not_grow_with_the_cases(client, django_assert_max_num_queries):
    signed_in(client, "street")
    _report_some(3, 3)
    with at(MORNING), CaptureQueriesContext(connection) as first:
        assert client.get(MAP, MARCH).status_code == 200
    _report_some(12, 4)  # four times as many cases, in more places and cells
    with at(MORNING), django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(MAP, MARCH)
    assert len(map_data(response)["hot"]) > 3
