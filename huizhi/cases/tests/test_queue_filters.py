"""The staff case list's filters, sorts, remembered filter and export (issue 19, "Lists"), on a
small street of two communities: each filter narrows within the reader's scope and never widens
it, a value the form cannot read is a message (never a 500), and the .xlsx holds the page's rows,
masked as a workbook leaving the console must be."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from huizhi.cases.states import Source, Status
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/console/cases/"


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=SHANGHAI)  # March 2026: 2nd is a Monday


@pytest.fixture
def street(time_machine):
    """World one (a community, its grid, staff and grid worker) with a second community and grid
    beside it in the same street, and cases filed on different days in both."""
    time_machine.move_to(at(2), tick=False)
    world = f.small_street()
    other_community = f.CommunityFactory(parent=world.street)
    other_building = f.BuildingFactory(parent=f.CompoundFactory(parent=f.GridFactory(parent=other_community)))
    second_grid_building = f.BuildingFactory(
        parent=f.CompoundFactory(parent=f.GridFactory(parent=world.community))
    )
    reporter = f.UserFactory(full_name="张三丰")
    cases = {}
    time_machine.move_to(at(2), tick=False)
    cases["old"] = f.CaseFactory(place=world.building, category=world.category, actor=reporter)
    time_machine.move_to(at(4), tick=False)
    cases["hotline"] = f.CaseFactory(
        place=second_grid_building,
        category=world.category,
        actor=world.gridworker,
        source=Source.HOTLINE,
        title="电话13912345678反映路灯不亮",
    )
    time_machine.move_to(at(5), tick=False)
    cases["dispatched"] = f.CaseFactory(place=world.building, category=world.category, actor=world.gridworker)
    f.advance(cases["dispatched"], "accept", world)
    f.advance(cases["dispatched"], "dispatch", world)
    time_machine.move_to(at(6), tick=False)
    cases["elsewhere"] = f.CaseFactory(place=other_building, category=world.category, actor=world.gridworker)
    time_machine.move_to(at(9), tick=False)
    world.other_community = other_community
    world.second_grid = second_grid_building.parent.parent
    world.cases = cases
    return world


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [c.pk for c in response.context["page"].object_list]


def ids(*names, world) -> list[int]:
    return [world.cases[n].pk for n in names]


def test_without_a_filter_staff_see_their_communitys_open_cases_newest_first(client, street):
    client.force_login(street.staff)
    assert listed(client.get(URL)) == ids("dispatched", "hotline", "old", world=street)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"source": Source.HOTLINE}, ["hotline"]),
        ({"source": Source.PATROL}, ["dispatched", "old"]),
        ({"status": Status.DISPATCHED}, ["dispatched"]),
        ({"status": Status.REPORTED}, ["hotline", "old"]),
        ({"reported_from": "2026-03-04", "reported_to": "2026-03-04"}, ["hotline"]),
        ({"reported_from": "2026-03-05"}, ["dispatched"]),
        ({"reported_to": "2026-03-03"}, ["old"]),
        ({"clock": "overdue"}, ["dispatched", "hotline", "old"]),  # a week on, every clock has run out
    ],
)
def test_each_filter_narrows_the_list(client, street, params, expected):
    client.force_login(street.staff)
    assert listed(client.get(URL, params)) == ids(*expected, world=street)


def test_the_grid_and_community_filters_narrow_within_scope(client, street):
    client.force_login(street.staff)
    assert listed(client.get(URL, {"grid": street.grid.code})) == ids("dispatched", "old", world=street)
    assert listed(client.get(URL, {"grid": street.second_grid.code})) == ids("hotline", world=street)
    assert listed(client.get(URL, {"community": street.community.code})) == ids(
        "dispatched", "hotline", "old", world=street
    )


def test_a_community_outside_the_scope_lists_nothing_and_the_street_sees_it(client, street):
    client.force_login(street.staff)
    assert listed(client.get(URL, {"community": street.other_community.code})) == []
    client.force_login(street.street_admin)
    assert listed(client.get(URL, {"community": street.other_community.code})) == ids(
        "elsewhere", world=street
    )
    assert listed(client.get(URL, {"community": street.community.code})) == ids(
        "dispatched", "hotline", "old", world=street
    )


def test_the_category_filter_takes_a_class_or_a_subclass(client, street):
    client.force_login(street.staff)
    code = street.category.code
    assert len(listed(client.get(URL, {"category": code}))) == 3
    assert len(listed(client.get(URL, {"category": code[:2]}))) == 3
    other = "99" if code[:2] != "99" else "98"
    assert listed(client.get(URL, {"category": other})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"reported_from": "9999-01-01"},
        {"reported_to": "1000-01-01"},
        {"reported_from": "2026-02-30"},
        {"reported_from": "2026-03-05", "reported_to": "2026-03-01"},
        {"community": "34110200100²"},
        {"community": "abc"},
        {"grid": "１２３４５６７８９０１２３４５"},  # full-width digits
        {"category": "123"},
        {"status": "nonsense"},
        {"sort": "supports"},
        {"clock": "soon"},
    ],
)
def test_a_value_the_form_cannot_read_is_a_message_and_lists_nothing(client, street, params):
    client.force_login(street.staff)
    response = client.get(URL, params)
    assert listed(response) == []
    shown = [str(m) for m in response.context["messages"]]
    assert shown, "the page says what is wrong"
    assert 'class="field-error"' in response.content.decode()
    assert "cases.queue_filter" not in client.session, "a bad filter is never remembered"


def test_sort_by_reported_and_by_time_left(client, street):
    client.force_login(street.staff)
    assert listed(client.get(URL, {"sort": "oldest"})) == ids("old", "hotline", "dispatched", world=street)
    assert listed(client.get(URL, {"sort": "newest"})) == ids("dispatched", "hotline", "old", world=street)
    # Acceptance clocks (reported cases: due an hour after filing) run out before the dispatched
    # case's handling day; the most overdue first.
    assert listed(client.get(URL, {"sort": "time_left"})) == ids("old", "hotline", "dispatched", world=street)


def test_sort_by_time_left_puts_cases_without_a_running_clock_last(client, street):
    f.advance(street.cases["old"], "reject", street)
    client.force_login(street.staff)
    rows = listed(client.get(URL, {"sort": "time_left", "status": "all"}))
    assert rows[-1] == street.cases["old"].pk


def test_the_last_filter_is_remembered_and_can_be_cleared(client, street):
    client.force_login(street.staff)
    assert listed(client.get(URL, {"source": Source.HOTLINE, "sort": "oldest", "q": ""})) == ids(
        "hotline", world=street
    )
    back = client.get(URL)
    assert back.status_code == 302
    assert "source=hotline" in back["Location"] and "sort=oldest" in back["Location"]
    followed = client.get(URL, follow=True)
    assert listed(followed) == ids("hotline", world=street)
    assert "?clear=1" in followed.content.decode()

    cleared = client.get(URL, {"clear": "1"})
    assert cleared.status_code == 302
    assert listed(client.get(URL)) == ids("dispatched", "hotline", "old", world=street)


def test_the_search_text_is_not_remembered(client, street):
    client.force_login(street.staff)
    client.get(URL, {"source": Source.HOTLINE, "q": "13912345678"})
    assert "13912345678" not in client.session["cases.queue_filter"]


def open_sheet(response) -> list[tuple]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(book.active.iter_rows(values_only=True))


def test_the_export_holds_the_pages_rows_masked(client, street):
    client.force_login(street.staff)
    params = {"grid": street.grid.code, "sort": "oldest"}
    page = listed(client.get(URL, params))
    rows = open_sheet(client.get(URL, {**params, "format": "xlsx"}))
    header, body = rows[0], rows[1:]
    assert len(header) == 9
    references = [row[0] for row in body]
    assert references == [f"HZ{pk:07d}" for pk in page]
    old = body[0]
    assert old[8] == "张**", "the reporter's name is masked"
    assert "张三丰" not in str(rows)
    assert isinstance(old[5], datetime) and old[5] == datetime(2026, 3, 2, 10)


def test_the_export_masks_numbers_typed_into_a_title(client, street):
    client.force_login(street.staff)
    rows = open_sheet(client.get(URL, {"source": Source.HOTLINE, "format": "xlsx"}))
    assert "13912345678" not in str(rows)
    assert "139****5678" in rows[1][1]


def test_the_export_of_the_remembered_filter_keeps_it(client, street):
    client.force_login(street.staff)
    client.get(URL, {"source": Source.HOTLINE})
    rows = open_sheet(client.get(URL, {"format": "xlsx"}, follow=True))
    assert [row[0] for row in rows[1:]] == [street.cases["hotline"].reference]


def test_the_export_is_capped_and_says_so(client, street, monkeypatch):
    monkeypatch.setattr("huizhi.cases.exports.EXPORT_MOST", 2)
    client.force_login(street.staff)
    rows = open_sheet(client.get(URL, {"format": "xlsx"}))
    assert len(rows) == 1 + 2 + 1
    assert "2" in rows[-1][0] and not any(rows[-1][1:])


def test_the_page_costs_the_same_for_few_or_many_cases(client, street, django_assert_max_num_queries):
    client.force_login(street.staff)
    params = {"grid": street.grid.code, "sort": "time_left", "source": Source.PATROL}
    client.get(URL, params)  # the filter is remembered once; the counted requests only read it
    with django_assert_max_num_queries(12) as few:
        assert len(listed(client.get(URL, params))) == 2
    for _ in range(10):
        f.CaseFactory(place=street.building, category=street.category, actor=street.gridworker)
    with django_assert_max_num_queries(12) as many:
        assert len(listed(client.get(URL, params))) == 12
    assert len(few) == len(many)
