"""The grid worker's household list in pages: vulnerable households first across every page, each
household exactly once, the page bounded, and only the worker's own grid."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.registry.models import Household
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tests.sheets import id_number, mobile
from huizhi.registry.views import PAGE_SIZE
from tests.factories import UserFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

CARD = re.compile(r'<section class="card( vulnerable)?" data-household="(\d+)">')
NEXT = re.compile(r'<a href="\?([^"]*page=\d+[^"]*)"[^>]*>[^<]*›</a>')
TODAY = date(2026, 6, 1)
HOUSEHOLDS = PAGE_SIZE + PAGE_SIZE // 2 + 3  # one full page, and a second one partly filled


def add(building, room: str, seq: int, birth: date, **tags):
    household = household_for_unit(building=building, room=room)
    resident_create(
        household=household,
        name=f"住户{seq:03d}",
        id_number=id_number(seq, birth),
        mobile=mobile(seq),
        **tags,
    )
    return household


@pytest.fixture
def grid():
    """A grid of HOUSEHOLDS households; every third one vulnerable, by each of the three tags in
    turn, so the vulnerable ones are spread over the rooms rather than listed first by room."""
    world = small_street()
    vulnerable = set()
    for n in range(HOUSEHOLDS):
        kind = (n // 3) % 3 if n % 3 == 2 else None
        tags = {1: {"lives_alone": True}, 2: {"disabled": True}}.get(kind, {})
        birth = date(1940, 1, 1) if kind == 0 else date(1975, 1, 1)  # 86: 80+
        household = add(world.building, f"{n + 101}", 300 + n, birth, **tags)
        if kind is not None:
            vulnerable.add(household.pk)
    # Not vulnerable: someone 79, and a disabled resident who has moved out (inactive).
    add(world.building, "99", 290, date(1946, 6, 2))
    moved = add(world.building, "98", 291, date(1975, 1, 1), disabled=True)
    moved.residents.update(is_active=False)
    return world, vulnerable


def walk(client, url: str) -> list[tuple[int, bool]]:
    """Every card on every page, following the pager's Next link from the first page."""
    shown, query, pages = [], "", 0
    while True:
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200
        page = response.content.decode()
        cards = [(int(pk), bool(flag)) for flag, pk in CARD.findall(page)]
        assert len(cards) <= PAGE_SIZE
        shown += cards
        pages += 1
        found = NEXT.search(page)
        if not found:
            return shown
        assert pages < 10, "the pager never ends"
        query = found[1].replace("&amp;", "&")


def test_pages_list_every_household_once_the_vulnerable_first(client, grid, time_machine):
    world, vulnerable = grid
    time_machine.move_to(TODAY)
    client.force_login(world.gridworker)
    shown = walk(client, reverse("registry:my_households"))
    ids = [pk for pk, _flag in shown]
    assert len(ids) == len(set(ids))  # none repeated
    expected = Household.objects.filter(place_code__startswith=world.grid.code)
    assert set(ids) == set(expected.values_list("pk", flat=True))  # none skipped
    assert len(ids) > PAGE_SIZE  # so the walk crossed a page
    # The vulnerable ones first, across the pages; each card marked as the rows say it should be.
    assert [pk in vulnerable for pk in ids] == [flag for _pk, flag in shown]
    assert ids == sorted(ids, key=lambda pk: pk not in vulnerable)
    # Within each part, by room code (building by building).
    codes = dict(expected.values_list("pk", "place_code"))
    for part in (ids[: len(vulnerable)], ids[len(vulnerable) :]):
        assert [codes[pk] for pk in part] == sorted(codes[pk] for pk in part)


def test_a_page_costs_the_same_few_queries_whatever_its_place(client, grid):
    world, _vulnerable = grid
    client.force_login(world.gridworker)
    url = reverse("registry:my_households")
    counted = []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page": page}).status_code == 200
        counted.append(len(queries))
    # Session, user, roles, count, ids, rows, residents, and the base page's own (permissions,
    # inbox, care alerts): never one per household.
    assert counted[0] == counted[1] <= 12


def test_another_grids_worker_sees_none_of_them(client, grid):
    world, _vulnerable = grid
    other = small_street()
    client.force_login(other.gridworker)
    assert CARD.findall(client.get(reverse("registry:my_households")).content.decode()) == []
    # Nor on any page asked for by number.
    assert CARD.findall(client.get(reverse("registry:my_households"), {"page": 2}).content.decode()) == []
    # A community's staff may not open the grid worker's phone list at all.
    staff = UserFactory(role=Role.COMMUNITY_STAFF, over=world.community)
    client.force_login(staff)
    assert client.get(reverse("registry:my_households")).status_code == 403
