"""The workbench (工作台): each staff role lands there after sign-in and sees counts of the work
waiting for it, only the tiles its roles use; the navigation is grouped by what the role can use."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.cases.services.supervision import supervision_notice_issue
from huizhi.cases.states import Status
from huizhi.site.workbench import CAP, Tile, workbench_tiles
from tests.factories import UserFactory, advance, case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

CASE_TILES = {"overdue", "near_due"}
INTAKE_TILES = {"to_accept", "to_dispatch"}


@pytest.fixture
def world():
    world = small_street()
    world.commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=world.community)
    return world


def people(world) -> dict:
    return {
        "staff": world.staff,
        "gridworker": world.gridworker,
        "commissioner": world.commissioner,
        "street_admin": world.street_admin,
        "crew_member": world.crew_member,
        "resident": world.resident,
    }


def tiles_of(client, user) -> dict[str, Tile]:
    client.force_login(user)
    response = client.get("/console/")
    assert response.status_code == 200
    return {tile.key: tile for tile in response.context["tiles"]}


# Each role's tiles, asserted both ways: the set shown is exactly this.
EXPECTED_TILES = {
    "staff": CASE_TILES
    | INTAKE_TILES
    | {"callbacks_due", "care_alerts", "agenda_items", "claims", "wall_held", "wall_triage", "imports"},
    "gridworker": CASE_TILES | {"care_alerts"},
    # Overdue meeting decisions are supervised like cases, by the commissioner and the street.
    "commissioner": CASE_TILES | {"to_supervise", "overdue_decisions"},
    "street_admin": CASE_TILES | INTAKE_TILES | {"callbacks_due", "care_alerts", "overdue_decisions"},
    "crew_member": CASE_TILES | {"replies_due"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED_TILES))
def test_each_role_sees_the_tiles_of_its_own_work_and_no_other(client, world, who):
    assert set(tiles_of(client, people(world)[who])) == EXPECTED_TILES[who]


def test_a_resident_has_no_workbench(client, world):
    client.force_login(world.resident)
    assert client.get("/console/").status_code == 403


def test_counts_are_what_waits_for_this_person(client, world):
    case_in(Status.REPORTED, world)
    accepted = case_in(Status.ACCEPTED, world)
    dispatched = case_in(Status.DISPATCHED, world)
    case_in(Status.CLOSED, world)  # a patrol case no one rated: a call-back due
    supervision_notice_issue(
        actor=world.commissioner,
        case_id=dispatched.pk,
        requirement="请立即处理并反馈。",
        reply_due_at=timezone.now() + timedelta(hours=2),
    )

    staff = tiles_of(client, world.staff)
    assert staff["to_accept"].count == 1 and staff["to_accept"].url == "/console/cases/?status=reported"
    assert staff["to_dispatch"].count == 1 and staff["to_dispatch"].url == "/console/cases/?status=accepted"
    assert staff["callbacks_due"].count == 1
    assert staff["overdue"].count == 0
    assert staff["overdue"].url == "/console/cases/?status=open&clock=overdue"
    assert staff["near_due"].url == "/console/cases/?status=open&clock=near_due"

    # The street leadership accepts and dispatches only what was escalated to the street.
    street = tiles_of(client, world.street_admin)
    assert (street["to_accept"].count, street["to_dispatch"].count) == (0, 0)
    advance(accepted, "escalate", world, reason="涉及多个部门，需街道协调")
    street = tiles_of(client, world.street_admin)
    assert (street["to_accept"].count, street["to_dispatch"].count) == (0, 1)

    crew = tiles_of(client, world.crew_member)
    assert crew["replies_due"].count == 1
    assert crew["overdue"].count == 0  # the crew's queue: the dispatched case only

    # A week later the reported case's accept clock and the dispatched one's handling clock ran out.
    later = timezone.now() + timedelta(days=7)
    overdue = {t.key: t.count for t in workbench_tiles(world.staff, now=later)}
    assert overdue["overdue"] == 2 and overdue["near_due"] == 0
    assert {t.key: t.count for t in workbench_tiles(world.crew_member, now=later)}["overdue"] == 1
    assert {t.key: t.count for t in workbench_tiles(world.commissioner, now=later)}["to_supervise"] == 2

    # Another community's staff see none of it.
    other = UserFactory(role=Role.COMMUNITY_STAFF, over=case_in(Status.REPORTED, small_street()).community)
    theirs = {t.key: t.count for t in workbench_tiles(other)}
    assert theirs["to_accept"] == 1 and theirs["to_dispatch"] == 0 and theirs["callbacks_due"] == 0


def test_a_count_past_the_cap_is_shown_as_cap_plus():
    assert Tile("x", "x", CAP + 1, "/").shown == f"{CAP}+"
    assert Tile("x", "x", CAP, "/").shown == str(CAP)


def test_the_page_shows_each_count_with_its_link(client, world):
    case_in(Status.REPORTED, world)
    client.force_login(world.staff)
    page = client.get("/console/").content.decode()
    assert (
        'data-tile="to_accept"><a href="/console/cases/?status=reported"><strong data-count="1">1</strong>'
        in page
    )


def test_the_workbench_costs_a_bounded_number_of_queries(client, world):
    for status in (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.CLOSED):
        case_in(status, world)
    client.force_login(world.staff)
    client.get("/console/")  # warm the per-process caches (categories, content types)
    with CaptureQueriesContext(connection) as first:
        client.get("/console/")
    for _ in range(3):
        case_in(Status.REPORTED, world)
        case_in(Status.CLOSED, world)
    with CaptureQueriesContext(connection) as second:
        client.get("/console/")
    # One query per tile (four case tiles share one), plus session, user, roles and navigation.
    # Session, user, roles, the roles table, 7 tiles (the four case tiles share one aggregate, the
    # wall's two another), the unread count and the urgent-alert banner: 15 today.
    assert len(second) == len(first) <= 16


# Sign-in lands staff on their workbench and residents on the front page.


@pytest.mark.parametrize("who", ["staff", "gridworker", "commissioner", "street_admin", "crew_member"])
def test_staff_land_on_the_workbench_after_signing_in(client, world, who):
    client.force_login(people(world)[who])
    response = client.get("/")  # LOGIN_REDIRECT_URL names site:home
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.get("/?public").status_code == 200  # the public page is still there when asked


def test_residents_land_on_the_front_page(client, world):
    client.force_login(world.resident)
    assert client.get("/").status_code == 200


def test_signing_in_through_the_form_follows_the_role(client, world):
    for user, landing in [(world.staff, "/console/"), (world.resident, "/")]:
        user.set_password("correct horse battery")
        user.save()
        client.logout()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": "correct horse battery"}, follow=True
        )
        assert response.redirect_chain[-1][0] == landing


# The navigation, grouped by what the role can use.


def groups_of(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    context = client.get("/console/" if user.has_perm("accounts.use_console") else "/").context
    return {str(g["label"]): [str(i["label"]) for i in g["items"]] for g in context["navigation_groups"]}


EXPECTED_GROUPS = {
    # Community staff configure their own community: dispatch by grid workers, visit cadences.
    "staff": {
        "Work",
        "Cases",
        "Residents",
        "Problem wall",
        "Care",
        "Meetings",
        "Statistics",
        "Administration",
    },
    "gridworker": {"Work", "Cases", "Residents", "Care", "Statistics"},
    "street_admin": {"Work", "Cases", "Residents", "Care", "Meetings", "Statistics", "Administration"},
    "resident": {"Work", "Problem wall"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED_GROUPS))
def test_the_navigation_is_grouped_by_what_the_role_can_use(client, settings, world, who):
    settings.LANGUAGE_CODE = "en"
    groups = groups_of(client, people(world)[who])
    assert set(groups) == EXPECTED_GROUPS[who]
    every = [label for items in groups.values() for label in items]
    assert len(every) == len(set(every))  # nothing twice


def test_the_navigation_keeps_each_role_to_its_own_entries(client, settings, world):
    settings.LANGUAGE_CODE = "en"
    staff = groups_of(client, world.staff)
    assert {"Notices", "Meetings"} <= set(staff["Meetings"]) and "Call-backs" in staff["Cases"]
    assert "Wall triage" in staff["Problem wall"]
    crew = groups_of(client, world.crew_member)
    assert "Wall triage" not in sum(crew.values(), []) and "Call-backs" not in sum(crew.values(), [])
    # Pages about places are for those who hold a place: a handling unit works on its own cases.
    about_places = {"Street overview", "Grids", "Recurring problems", "Meeting places"}
    assert not about_places & set(sum(crew.values(), []))
    assert about_places <= set(sum(staff.values(), []))
    resident = groups_of(client, world.resident)
    assert "Cases" not in resident and "Console" not in resident["Work"]


def test_the_phone_navigation_wraps_rather_than_scrolls_sideways():
    from pathlib import Path

    import huizhi

    css = (Path(huizhi.__file__).parent / "core/static/huizhi/css/app.css").read_text()
    phone = css[css.index("@media (max-width: 40rem)") :]
    phone = phone[: phone.index("}\n}") + 3]
    assert "overflow-x: auto" not in phone and "nowrap; overflow" not in phone
    assert ".navgroup { display: flex; flex-wrap: wrap;" in css


def test_the_community_tiles_count_claims_wall_posts_agenda_items_and_imports(client, world):
    from huizhi.meetings.services.agenda import agenda_item_from_post
    from huizhi.registry.models import ImportJob
    from huizhi.registry.services.residency import residency_claim
    from huizhi.wall.services import post_draft, post_submit
    from tests.factories import UnitFactory

    room = UnitFactory(parent=world.building)
    residency_claim(actor=world.resident, building=world.building, room=room.name, name="张三")
    draft = post_draft(
        actor=world.resident,
        category=world.category,
        title="楼道灯不亮",
        description="楼道灯不亮，已经好几天了，请社区帮忙看看。",
        place=world.compound,
    )
    post = post_submit(actor=world.resident, post_id=draft.pk)
    ImportJob.objects.create(user=world.staff, place_code=world.community.code, file_name="住户.xlsx")

    staff = tiles_of(client, world.staff)
    assert staff["claims"].count == 1
    assert post.stage == "open"  # nothing in it to hold
    assert (staff["wall_held"].count, staff["wall_triage"].count) == (0, 1)
    assert staff["wall_held"].url == f"{reverse('wall:queue')}?stage=held"
    assert staff["imports"].count == 1
    assert staff["agenda_items"].count == 0

    agenda_item_from_post(actor=world.staff, post=post)
    assert tiles_of(client, world.staff)["agenda_items"].count == 1
    # Another community's staff count none of it.
    other = UserFactory(role=Role.COMMUNITY_STAFF, over=small_street().community)
    theirs = {t.key: t.count for t in workbench_tiles(other)}
    assert theirs["claims"] == theirs["wall_held"] == theirs["wall_triage"] == theirs["imports"] == 0
