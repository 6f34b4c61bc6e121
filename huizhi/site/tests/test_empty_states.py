"""Empty lists say what would fill them and offer the action to the role that may take it (issue 19).

A fresh community's staff see empty lists: each empty message is marked `data-empty`, and its
`data-empty-action` link is there exactly when the viewer holds the permission the action needs."""

import re
from datetime import date

import pytest
from django.urls import reverse

from huizhi.care.services import volunteer_register
from huizhi.care.views import volunteers as volunteer_views
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.services import household_for_unit, resident_create
from tests.factories import small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

ROLES = ["street_admin", "staff", "gridworker", "crew_member"]

# (list page, permission its empty state's action needs or None, where the action leads)
PAGES = [
    ("meetings:index", "meetings.schedule", "meetings:new"),
    ("projects:index", "projects.propose", "projects:new"),
    ("notices:console", "notices.publish", "notices:new"),
    ("care:volunteers", "care.manage_volunteers", "care:volunteer_register"),
    ("registry:residents", "registry.import", "registry:import"),
    ("registry:households", "registry.import", "registry:import"),
    # Added in the administration: the message says so, and offers no link.
    ("care:stations", None, None),
    ("care:summer", None, None),
]

ACTION = re.compile(r'<a href="([^"]+)" data-empty-action>')


@pytest.fixture
def world():
    return small_street()


def _opened(client, user, page):
    client.force_login(user)
    return client.get(reverse(page))


@pytest.mark.parametrize(("page", "perm", "action"), PAGES)
def test_each_empty_list_says_so_and_offers_its_action_to_whoever_may_take_it(
    client, world, page, perm, action
):
    opened = 0
    for role in ROLES:
        user = getattr(world, role)
        response = _opened(client, user, page)
        if response.status_code == 403:
            continue
        opened += 1
        assert response.status_code == 200
        html = response.content.decode()
        assert "data-empty" in html, f"{page} shows no empty message to {role}"
        links = ACTION.findall(html)
        if perm and user.has_perm(perm):
            assert links == [reverse(action)], f"{page}: {role} may act, but is not offered {action}"
        else:
            assert links == [], f"{page}: {role} may not act, but is offered {links}"
    assert opened, f"no role opens {page}"


@pytest.mark.parametrize(("page", "perm", "action"), [p for p in PAGES if p[1]])
def test_community_staff_are_offered_each_action(client, world, page, perm, action):
    assert world.staff.has_perm(perm)
    assert ACTION.findall(_opened(client, world.staff, page).content.decode()) == [reverse(action)]


def test_the_street_administrator_is_not_offered_what_only_community_staff_do(client, world):
    for page in ("meetings:index", "projects:index", "care:volunteers", "registry:residents"):
        assert ACTION.findall(_opened(client, world.street_admin, page).content.decode()) == [], page


def test_a_filtered_empty_list_says_nothing_matches_rather_than_offering_to_start_one(client, world):
    client.force_login(world.staff)
    html = client.get(reverse("registry:residents"), {"q": "无此人"}).content.decode()
    assert "data-empty" in html and ACTION.findall(html) == []
    html = client.get(reverse("projects:index"), {"status": "complete"}).content.decode()
    assert "data-empty" in html and ACTION.findall(html) == []


def test_the_volunteer_ranking_is_paged_and_ranks_on_across_pages(client, world, monkeypatch):
    monkeypatch.setattr(volunteer_views, "RANKING_PAGE", 2)
    for n in range(3):
        household = household_for_unit(building=world.building, room=f"{101 + n}")
        resident = resident_create(
            household=household,
            name=f"志愿者{n}",
            id_number=make_id_number("341102", date(1980, 1, 1), n, "F"),
        )
        volunteer_register(actor=world.staff, resident=resident)
    client.force_login(world.staff)
    first = client.get(reverse("care:volunteers")).content.decode()
    second = client.get(reverse("care:volunteers"), {"page": 2}).content.decode()
    assert first.count("data-volunteer=") == 2 and 'class="pager"' in first
    assert second.count("data-volunteer=") == 1
    assert re.search(r'<td class="num">3</td><td><a href="[^"]+">志愿者', second)
