"""Who sees which part of the registry: a role × scope matrix over the demo logins (DESIGN §2, §6).

Each row says what a login sees *and* what it does not, by page, by direct URL and by export, so a
rule that widens fails as surely as one that narrows. The expected sets are computed from place
codes, not from the permission code under test.
"""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.places.models import Group
from huizhi.registry.models import AccessLog, Household, Resident
from huizhi.registry.services import resident_reveal
from huizhi.registry.tests.conftest import (
    FENGHUANG,
    GRID_1,
    GRID_2,
    HUAYUAN,
    NO_REGISTRY,
    REGISTRY_SCOPE,
    SANLITING,
    STREET,
    YANGTIAN_11,
    add_resident,
    in_scope,
    user,
)
from huizhi.registry.tests.sheets import read_xlsx

pytestmark = pytest.mark.django_db

RESIDENT_ROW = re.compile(r'data-resident="(\d+)"')
HOUSEHOLD_ROW = re.compile(r'data-household="(\d+)"')


def login(client, username: str):
    client.force_login(user(username))


def every_page(client, url: str, pattern: re.Pattern) -> list[int]:
    """The ids on every page of a paginated list."""
    found, page = [], 1
    while True:
        response = client.get(url, {"page": page})
        assert response.status_code == 200
        found += [int(pk) for pk in pattern.findall(response.content.decode())]
        if f"page={page + 1}" not in response.content.decode():
            return found
        page += 1


# --- list pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("username, code", sorted(REGISTRY_SCOPE.items()))
def test_the_resident_list_shows_exactly_the_scope(client, mingguang, username, code):
    login(client, username)
    shown = every_page(client, reverse("registry:residents"), RESIDENT_ROW)
    expected = set(in_scope(code).values_list("pk", flat=True))
    assert len(shown) == len(set(shown)) == len(expected) > 0
    assert set(shown) == expected
    if code not in ("", STREET):
        assert Resident.objects.exclude(place_code__startswith=code).exists()  # something was held back


@pytest.mark.parametrize("username, code", sorted(REGISTRY_SCOPE.items()))
def test_the_household_list_shows_exactly_the_scope(client, mingguang, username, code):
    login(client, username)
    shown = every_page(client, reverse("registry:households"), HOUSEHOLD_ROW)
    expected = set(Household.objects.filter(place_code__startswith=code).values_list("pk", flat=True))
    assert set(shown) == expected and len(shown) == len(expected) > 0


@pytest.mark.parametrize("username", ["huayuan_staff", "gridworker"])
def test_a_filter_cannot_widen_the_scope(client, username):
    login(client, username)
    own = set(in_scope(REGISTRY_SCOPE[username]).values_list("pk", flat=True))
    for place in (SANLITING, FENGHUANG):
        response = client.get(reverse("registry:residents"), {"place": place})
        assert not RESIDENT_ROW.findall(response.content.decode()), place
    # The whole district: still only their own people.
    response = client.get(reverse("registry:residents"), {"place": STREET[:6]})
    shown = {int(pk) for pk in RESIDENT_ROW.findall(response.content.decode())}
    assert shown and shown <= own


def test_a_grid_worker_filtering_by_the_other_grid_sees_nobody(client, mingguang):
    login(client, "gridworker")
    response = client.get(reverse("registry:residents"), {"place": GRID_2})
    assert not RESIDENT_ROW.findall(response.content.decode())
    assert "明光居民" not in response.content.decode()


@pytest.mark.parametrize("username", NO_REGISTRY)
@pytest.mark.parametrize("page", ["residents", "households"])
def test_the_registry_pages_are_refused_to_the_other_roles(client, username, page):
    login(client, username)
    assert client.get(reverse(f"registry:{page}")).status_code == 403


def test_the_registry_asks_a_visitor_to_sign_in(client):
    response = client.get(reverse("registry:residents"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- a resident's page by direct URL ---------------------------------------------------------------------

TARGETS = {"yangtian": GRID_1, "mingguang": GRID_2, "sanliting": SANLITING, "fenghuang": FENGHUANG}
DETAIL_MATRIX = {
    "huayuan_staff": {"yangtian": 200, "mingguang": 200, "sanliting": 404, "fenghuang": 404},
    "gridworker": {"yangtian": 200, "mingguang": 404, "sanliting": 404, "fenghuang": 404},
    "fenghuang_staff": {"yangtian": 404, "mingguang": 404, "sanliting": 404, "fenghuang": 200},
    "sanliting_staff": {"yangtian": 404, "mingguang": 404, "sanliting": 200, "fenghuang": 404},
    "street": {"yangtian": 200, "mingguang": 200, "sanliting": 200, "fenghuang": 200},
    "admin": {"yangtian": 200, "mingguang": 200, "sanliting": 200, "fenghuang": 200},
    **{name: dict.fromkeys(TARGETS, 403) for name in NO_REGISTRY},
}


@pytest.mark.parametrize("username", sorted(DETAIL_MATRIX))
def test_a_residents_page_by_direct_url(client, mingguang, username):
    login(client, username)
    for target, code in TARGETS.items():
        resident = in_scope(code).order_by("pk").first()
        response = client.get(reverse("registry:resident", args=[resident.pk]))
        assert response.status_code == DETAIL_MATRIX[username][target], target
        if response.status_code == 200:
            assert resident.name in response.content.decode()
        else:
            assert resident.masked_id_number not in response.content.decode()


def test_an_unknown_resident_is_404_like_one_out_of_scope(client):
    login(client, "huayuan_staff")
    missing = (Resident.objects.order_by("-pk").first().pk or 0) + 1000
    assert client.get(reverse("registry:resident", args=[missing])).status_code == 404


# --- export --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username, code", sorted(REGISTRY_SCOPE.items()))
def test_an_export_holds_exactly_the_scope(client, mingguang, username, code):
    login(client, username)
    response = client.post(reverse("registry:export"))
    assert response.status_code == 200
    _headers, rows = read_xlsx(response.content)
    expected = list(in_scope(code).select_related("household__unit__parent__parent"))
    assert len(rows) == len(expected) > 0
    assert sorted(r["姓名"] for r in rows) == sorted(r.name for r in expected)
    assert {r["小区"] for r in rows} == {r.household.unit.parent.parent.name for r in expected}
    assert AccessLog.objects.get().count == len(expected)


@pytest.mark.parametrize("username", NO_REGISTRY)
def test_an_export_is_refused_to_the_other_roles(client, username):
    login(client, username)
    assert client.post(reverse("registry:export")).status_code == 403
    assert not AccessLog.objects.exists()


# --- my households (grid worker's phone page) --------------------------------------------------------


def _age(birth, today) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _is_vulnerable(household: Household, today) -> bool:
    return any(
        _age(r.birth_date, today) >= 80 or r.lives_alone or r.disabled
        for r in household.residents.filter(is_active=True)
    )


def test_my_households_lists_the_grid_with_the_vulnerable_first(client, mingguang):
    # One household of each kind, added in an order that is not the vulnerable-first order.
    add_resident(YANGTIAN_11, "601", 71, birth=date(1980, 1, 1))
    add_resident(YANGTIAN_11, "602", 72, birth=date(1990, 1, 1), disabled=True)
    add_resident(YANGTIAN_11, "603", 73, birth=date(1960, 1, 1), lives_alone=True)
    add_resident(YANGTIAN_11, "604", 74, birth=date(1941, 1, 1))
    login(client, "gridworker")
    response = client.get(reverse("registry:my_households"))
    assert response.status_code == 200
    page = response.content.decode()
    shown = [int(pk) for pk in HOUSEHOLD_ROW.findall(page)]
    households = {h.pk: h for h in Household.objects.filter(place_code__startswith=GRID_1)}
    assert set(shown) == set(households) and len(shown) == len(households)
    today = timezone.localdate()
    flags = [_is_vulnerable(households[pk], today) for pk in shown]
    assert flags == sorted(flags, reverse=True)  # every vulnerable household before the others
    by_room = {households[pk].unit.name: flag for pk, flag in zip(shown, flags, strict=True)}
    assert (by_room["601"], by_room["602"], by_room["603"], by_room["604"]) == (False, True, True, True)
    assert page.count('class="card vulnerable"') == sum(flags)
    assert "明光居民" not in page


@pytest.mark.parametrize("username, status", [("liaison", 200), ("huayuan_staff", 403), ("street", 403)])
def test_my_households_for_others(client, username, status):
    login(client, username)
    response = client.get(reverse("registry:my_households"))
    assert response.status_code == status
    if status == 200:  # the liaison has a phone, but no grid: an empty list, not another grid's
        assert not HOUSEHOLD_ROW.findall(response.content.decode())


# --- the liaison's roster ------------------------------------------------------------------------------


def test_the_liaison_sees_the_rooms_and_names_of_their_group_only(client):
    group = Group.objects.get(name="第1自治小组", place__parent__name="三里亭人家")
    building_code = group.place.code
    own_rooms = sorted(group.households.values_list("name", flat=True))
    add_resident(building_code, own_rooms[-1], 75, name="本组新邻")
    add_resident(building_code, "3单元604", 76, name="别组住户")  # group 12's
    login(client, "liaison")
    response = client.get(reverse("registry:my_group"))
    assert response.status_code == 200
    page = response.content.decode()
    rooms = re.findall(r"<li><strong>([^<]+)</strong>", page)
    assert (
        sorted(rooms) == own_rooms == ["1单元101", "1单元102", "1单元103", "1单元104", "1单元201", "1单元202"]
    )
    for resident in Resident.objects.filter(household__unit__in=group.households.all()):
        assert resident.name in page
    assert "本组新邻" in page and "别组住户" not in page
    for resident in Resident.objects.filter(place_code__startswith=building_code):
        assert resident.id_number not in page and resident.masked_id_number not in page
        assert resident.id_number[-4:] + "<" not in page
        if resident.mobile:
            assert resident.mobile not in page and resident.masked_mobile not in page
    assert not re.search(r"\d{6}\*|\d{3}\*{4}\d{4}|\b1\d{10}\b|\d{17}[\dX]", page)


@pytest.mark.parametrize("username", ["gridworker", "huayuan_staff", "sanliting_staff", "street", "resident"])
def test_the_roster_is_refused_to_everyone_else(client, username):
    login(client, username)
    assert client.get(reverse("registry:my_group")).status_code == 403


# --- access log ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, status",
    [
        ("street", 200),
        ("admin", 200),
        ("huayuan_staff", 403),
        ("sanliting_staff", 403),
        ("gridworker", 403),
        ("commissioner", 403),
        ("liaison", 403),
    ],
)
def test_the_access_log_is_for_the_street(client, username, status):
    resident = in_scope(HUAYUAN).first()
    resident_reveal(
        actor=user("huayuan_staff"),
        resident_id=resident.pk,
        field="mobile",
        reason="联系家属安排探访",
        ip_address="10.20.30.40",
    )
    login(client, username)
    response = client.get(reverse("registry:access_log"))
    assert response.status_code == status
    page = response.content.decode()
    if status == 200:
        assert "联系家属安排探访" in page and "10.20.30.40" in page and resident.name in page
        assert "陈静" in page  # who: huayuan_staff's name
    else:
        assert "联系家属安排探访" not in page


def test_a_superuser_reads_and_reveals_but_only_community_staff_import():
    """Importing is the role's own work (`roles_only`); reading and revealing are not."""
    from huizhi.registry import permissions as rules_of_registry

    admin = user("admin")
    assert rules_of_registry.can_view_registry(admin) and rules_of_registry.can_reveal_any(admin)
    assert rules_of_registry.can_reveal_personal_data(
        admin, Resident.objects.filter(place_code__startswith=FENGHUANG).first()
    )
    assert not rules_of_registry.can_import_registry(admin)
    assert rules_of_registry.can_import_registry(user("huayuan_staff"))
