"""Who may use which pages and see which places: a role × scope matrix over the demo logins.

Every row says what a user sees and what they do not, so a scope that widens fails as surely as
one that narrows.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.permissions import can_use_console, can_use_phone_pages
from huizhi.accounts.place_permissions import (
    can_view_place,
    grids_visible_to,
    organisations_visible_to,
    places_visible_to,
)
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import place_scope_q, scopes_of
from huizhi.accounts.services import role_grant
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place

pytestmark = pytest.mark.django_db

# Places of the demo street, by code (DESIGN §3: a descendant's code starts with its ancestor's).
DISTRICT = "341102"
STREET = "341102001"
FENGHUANG = "341102001001"
SANLITING = "341102001002"
HUAYUAN = "341102001003"
FENGHUANG_GRID = "341102001001005"
SANLITING_RENJIA = "341102001002001001"  # 三里亭人家, the first compound of 三里亭's first grid
GRIDWORKER_GRID = "341102001003001"  # 花园街第1网格
YANGTIAN = "341102001003001001"  # 扬天小区, in the grid worker's grid
YANGTIAN_BUILDING_11 = "341102001003001001011"
NEIGHBOUR_GRID = "341102001003002"  # 花园街第2网格, next to the grid worker's
ZUIWENG_GRID = "341102001006013"  # the last grid of the last community

SAMPLE_PLACES = [
    DISTRICT,
    STREET,
    FENGHUANG,
    SANLITING,
    HUAYUAN,
    FENGHUANG_GRID,
    SANLITING_RENJIA,
    GRIDWORKER_GRID,
    YANGTIAN,
    YANGTIAN_BUILDING_11,
    NEIGHBOUR_GRID,
    ZUIWENG_GRID,
]
HUAYUAN_SUBTREE = {HUAYUAN, GRIDWORKER_GRID, YANGTIAN, YANGTIAN_BUILDING_11, NEIGHBOUR_GRID}

# username -> the sample places the user may see; every other sample place is refused.
VISIBLE = {
    "street": set(SAMPLE_PLACES) - {DISTRICT},
    "huayuan_staff": HUAYUAN_SUBTREE,
    "fenghuang_staff": {FENGHUANG, FENGHUANG_GRID},
    "sanliting_staff": {SANLITING, SANLITING_RENJIA},
    "gridworker": {GRIDWORKER_GRID, YANGTIAN, YANGTIAN_BUILDING_11},
    "commissioner": HUAYUAN_SUBTREE,
    "repair_crew": set(),
    "representative": {FENGHUANG, FENGHUANG_GRID},
    "care_operator": set(),
    "liaison": set(),
    "admin": set(SAMPLE_PLACES),
    "resident": set(),
}

# username -> (may use the console, may use the phone pages)
PAGES = {
    "street": (True, False),
    "huayuan_staff": (True, False),
    "fenghuang_staff": (True, False),
    "sanliting_staff": (True, False),
    "gridworker": (True, True),
    "commissioner": (True, False),
    "repair_crew": (True, False),
    "representative": (True, False),
    "care_operator": (True, False),
    "liaison": (False, True),
    "admin": (True, True),
    "resident": (False, False),
}

# username -> how many of the street's 78 grids the user sees
GRID_COUNTS = {
    "street": 78,
    "huayuan_staff": 13,
    "fenghuang_staff": 13,
    "sanliting_staff": 13,
    "gridworker": 1,
    "commissioner": 13,
    "repair_crew": 0,
    "representative": 13,
    "care_operator": 0,
    "liaison": 0,
    "admin": 78,
    "resident": 0,
}


def user(username: str) -> User:
    # A fresh object each time: scopes are cached on the user object.
    return User.objects.get(username=username)


def place(code: str) -> Place:
    return Place.objects.get(code=code)


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "console", "phone"), [(u, *p) for u, p in PAGES.items()])
def test_page_permissions(username, console, phone):
    someone = user(username)
    assert someone.has_perm("accounts.use_console") is console
    assert someone.has_perm("accounts.use_phone_pages") is phone


@pytest.mark.parametrize(
    ("username", "console", "phone"), [(u, *p) for u, p in PAGES.items() if u != "admin"]
)
def test_page_predicates_follow_the_roles(username, console, phone):
    # The superuser passes has_perm before any predicate runs, so it is left out here.
    someone = user(username)
    assert can_use_console(someone) is console
    assert can_use_phone_pages(someone) is phone


def test_anonymous_user_may_use_no_pages_and_sees_nothing():
    anonymous = AnonymousUser()
    assert not can_use_console(anonymous)
    assert not can_use_phone_pages(anonymous)
    assert not can_view_place(anonymous, place(STREET))
    assert not places_visible_to(anonymous).exists()


def test_deactivated_staff_lose_every_scope():
    street = user("street")
    street.is_active = False
    street.save(update_fields=["is_active"])
    street = user("street")
    assert not can_use_console(street)
    assert not can_view_place(street, place(FENGHUANG))
    assert not grids_visible_to(street).exists()


# --- places: one assertion per (user, place) ----------------------------------------------------


@pytest.mark.parametrize("code", SAMPLE_PLACES)
@pytest.mark.parametrize("username", list(VISIBLE))
def test_can_view_place_matrix(username, code):
    expected = code in VISIBLE[username]
    someone = user(username)
    assert can_view_place(someone, place(code)) is expected
    assert someone.has_perm("places.view_place", place(code)) is (expected or someone.is_superuser)
    assert places_visible_to(someone).filter(code=code).exists() is expected


def test_can_view_no_place_is_false():
    assert not can_view_place(user("street"), None)


@pytest.mark.parametrize(("username", "count"), list(GRID_COUNTS.items()))
def test_grids_visible_to_counts(username, count):
    grids = grids_visible_to(user(username))
    assert grids.count() == count
    assert set(grids.values_list("kind", flat=True)) <= {PlaceKind.GRID}


def test_fenghuang_staff_see_fenghuang_and_its_13_grids_and_nothing_of_sanliting():
    staff = user("fenghuang_staff")
    visible = places_visible_to(staff)
    assert codes(visible.filter(kind=PlaceKind.COMMUNITY)) == {FENGHUANG}
    grids = visible.filter(kind=PlaceKind.GRID)
    assert grids.count() == 13
    assert set(grids.values_list("parent__name", flat=True)) == {"凤凰社区"}
    assert not visible.filter(code__startswith=SANLITING).exists()
    assert not visible.filter(kind__in=[PlaceKind.STREET, PlaceKind.DISTRICT]).exists()
    # Everything below 凤凰社区, and nothing else.
    assert visible.count() == Place.objects.filter(code__startswith=FENGHUANG).count()


def test_grid_worker_sees_only_their_grid_and_what_lies_in_it():
    worker = user("gridworker")
    visible = places_visible_to(worker)
    assert codes(visible.filter(kind=PlaceKind.GRID)) == {GRIDWORKER_GRID}
    compounds = visible.filter(kind=PlaceKind.COMPOUND)
    assert codes(compounds) == codes(Place.objects.filter(parent__code=GRIDWORKER_GRID))
    assert "扬天小区" in set(compounds.values_list("name", flat=True))
    assert set(visible.values_list("kind", flat=True)) == {
        PlaceKind.GRID,
        PlaceKind.COMPOUND,
        PlaceKind.UNIT,  # the household units of the demo registry
        PlaceKind.BUILDING,
    }
    assert not visible.filter(code__startswith=NEIGHBOUR_GRID).exists()


@pytest.mark.parametrize("username", ["repair_crew", "care_operator", "liaison", "resident"])
def test_users_without_a_place_role_see_no_places(username):
    someone = user(username)
    assert not places_visible_to(someone).exists()
    assert not Place.objects.filter(place_scope_q(someone)).exists()


def test_superuser_sees_every_place():
    admin = user("admin")
    assert places_visible_to(admin).count() == Place.objects.count()
    assert organisations_visible_to(admin).count() == Organisation.objects.count()


# --- organisations ------------------------------------------------------------------------------


def test_community_staff_see_their_community_organisations_only():
    visible = organisations_visible_to(user("fenghuang_staff"))
    names = set(visible.values_list("name", flat=True))
    assert {"凤凰社区党委", "朱家和工作室", "颐康养老服务有限公司（凤凰社区养老服务站）"} <= names
    assert visible.filter(kind=OrganisationKind.GRID_PARTY_BRANCH, place__parent__name="凤凰社区").exists()
    assert "三里亭社区党委" not in names
    # Member units of the 大党委 sit at the street, above the community.
    assert "滁州市供电公司党委" not in names
    assert not visible.exclude(place__code__startswith=FENGHUANG).exists()


def test_street_leadership_see_every_organisation_of_the_street():
    visible = organisations_visible_to(user("street"))
    assert visible.count() == Organisation.objects.filter(place__code__startswith=STREET).count()
    assert visible.filter(name="滁州市供电公司党委").exists()
    assert visible.filter(kind=OrganisationKind.GRID_PARTY_BRANCH).count() == 45


def test_grid_worker_sees_the_branch_of_their_grid_only():
    visible = organisations_visible_to(user("gridworker"))
    assert visible.filter(kind=OrganisationKind.GRID_PARTY_BRANCH, place__code=GRIDWORKER_GRID).exists()
    assert not visible.exclude(place__code__startswith=GRIDWORKER_GRID).exists()
    assert not visible.filter(name="花园街社区党委").exists()


@pytest.mark.parametrize("username", ["repair_crew", "care_operator", "liaison", "resident"])
def test_users_without_a_place_role_see_no_organisations_by_place(username):
    assert not organisations_visible_to(user(username)).exists()


# --- scopes_of and place_scope_q ----------------------------------------------------------------


def test_scopes_of_place_held_role():
    scopes = scopes_of(user("street"))
    assert scopes.roles == {Role.STREET_ADMIN}
    assert scopes.place_codes == (STREET,)
    assert not scopes.organisation_ids and not scopes.group_ids
    assert not scopes.sees_everything


def test_scopes_of_organisation_held_role():
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    scopes = scopes_of(user("repair_crew"))
    assert scopes.roles == {Role.HANDLING_UNIT}
    assert scopes.organisation_ids == {crew.pk}
    assert scopes.place_codes == ()


def test_scopes_of_group_held_role():
    group = Group.objects.get(name="第1自治小组", place__parent__name="三里亭人家")
    scopes = scopes_of(user("liaison"))
    assert scopes.roles == {Role.BUILDING_LIAISON}
    assert scopes.group_ids == {group.pk}
    assert scopes.place_codes == ()


def test_scopes_of_superuser_and_resident():
    admin = scopes_of(user("admin"))
    assert admin.sees_everything and admin.roles == frozenset()
    resident = scopes_of(user("resident"))
    assert not resident.sees_everything
    assert resident.roles == frozenset() and resident.place_codes == ()


def test_a_root_inside_another_root_is_dropped():
    staff = user("huayuan_staff")
    role_grant(user=staff, role=Role.DISCIPLINE_COMMISSIONER, place=place(STREET))
    assert scopes_of(staff).place_codes == (STREET,)
    assert grids_visible_to(staff).count() == 78


def test_two_separate_roots_add_up_without_the_gap_between():
    staff = user("huayuan_staff")
    role_grant(user=staff, role=Role.GRID_WORKER, place=place(FENGHUANG_GRID))
    assert scopes_of(staff).place_codes == (FENGHUANG_GRID, HUAYUAN)
    assert grids_visible_to(staff).count() == 14
    assert can_view_place(staff, place(FENGHUANG_GRID))
    assert not can_view_place(staff, place(FENGHUANG))
    assert not can_view_place(staff, place(SANLITING_RENJIA))


def test_a_new_role_takes_effect_on_the_same_user_object():
    staff = user("huayuan_staff")
    assert not can_view_place(staff, place(FENGHUANG))  # scopes now cached on `staff`
    role_grant(user=staff, role=Role.COMMUNITY_STAFF, place=place(FENGHUANG))
    assert can_view_place(staff, place(FENGHUANG))


def test_place_scope_q_on_another_code_field():
    q = place_scope_q(user("fenghuang_staff"), "place__code")
    places = set(Organisation.objects.filter(q).values_list("place__code", flat=True))
    assert places and all(code.startswith(FENGHUANG) for code in places)


def test_place_scope_q_matches_nothing_without_place_roles_and_everything_for_the_superuser():
    assert Place.objects.filter(place_scope_q(user("repair_crew"))).count() == 0
    assert Place.objects.filter(place_scope_q(user("admin"))).count() == Place.objects.count()


# --- granting roles: the scope must be of the kind the role is held over ------------------------


def _refused(message_parts: tuple[str, ...], **grant) -> None:
    before = RoleAssignment.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        role_grant(**grant)
    with translation.override("en"):
        message = " ".join(refused.value.messages)
    assert all(part in message for part in message_parts), message
    assert RoleAssignment.objects.count() == before


def test_grid_worker_over_a_community_is_refused():
    _refused(
        ("grid worker cannot be held over a community",),
        user=user("resident"),
        role=Role.GRID_WORKER,
        place=place(HUAYUAN),
    )


def test_community_staff_over_a_grid_is_refused():
    _refused(
        ("community staff cannot be held over a grid",),
        user=user("resident"),
        role=Role.COMMUNITY_STAFF,
        place=place(GRIDWORKER_GRID),
    )


def test_street_leadership_over_a_community_is_refused():
    _refused(
        ("street leadership cannot be held over a community",),
        user=user("resident"),
        role=Role.STREET_ADMIN,
        place=place(HUAYUAN),
    )


def test_a_role_without_a_scope_is_refused():
    _refused(("community staff is held over a place",), user=user("resident"), role=Role.COMMUNITY_STAFF)


def test_a_handling_unit_held_over_a_place_is_refused():
    _refused(
        ("handling unit is held over", "organisation"),
        user=user("resident"),
        role=Role.HANDLING_UNIT,
        place=place(HUAYUAN),
    )


def test_a_role_with_two_scopes_is_refused():
    _refused(
        ("one scope only",),
        user=user("resident"),
        role=Role.GRID_WORKER,
        place=place(GRIDWORKER_GRID),
        organisation=Organisation.objects.get(name="花园街社区红色汇治维修队"),
    )


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.GRID_WORKER, GRIDWORKER_GRID),
        (Role.COMMUNITY_STAFF, HUAYUAN),
        (Role.DISCIPLINE_COMMISSIONER, STREET),
        (Role.REPRESENTATIVE, DISTRICT),
        (Role.STREET_ADMIN, DISTRICT),
    ],
)
def test_roles_over_the_right_kind_of_place_are_granted(role, code):
    resident = user("resident")
    assignment = role_grant(user=resident, role=role, place=place(code))
    assert RoleAssignment.objects.filter(pk=assignment.pk, user=resident, role=role).exists()
    assert can_view_place(resident, place(code))


def test_an_unknown_role_is_refused_with_a_validation_error():
    before = RoleAssignment.objects.count()
    with pytest.raises(ValidationError) as refused:
        role_grant(user=user("resident"), role="mayor", place=place(HUAYUAN))
    assert "role" in refused.value.message_dict
    assert RoleAssignment.objects.count() == before


def test_the_same_role_over_the_same_scope_is_granted_once():
    staff = user("huayuan_staff")
    refused = False
    try:
        role_grant(user=staff, role=Role.COMMUNITY_STAFF, place=place(HUAYUAN))
    except ValidationError:
        refused = True
    assert refused
    assert staff.roles.filter(role=Role.COMMUNITY_STAFF).count() == 1


# --- the database keeps one scope per role even when validation is bypassed ----------------------


def test_database_refuses_a_role_without_a_scope():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user("resident"), role=Role.COMMUNITY_STAFF)


def test_database_refuses_a_role_with_two_scopes():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=user("resident"),
            role=Role.GRID_WORKER,
            place=place(GRIDWORKER_GRID),
            organisation=Organisation.objects.get(name="花园街社区红色汇治维修队"),
        )


def test_database_accepts_a_role_with_exactly_one_scope():
    RoleAssignment.objects.create(user=user("resident"), role=Role.GRID_WORKER, place=place(NEIGHBOUR_GRID))
    assert user("resident").roles.filter(place__code=NEIGHBOUR_GRID).exists()


# --- the permissions exist in a running server, not only once a test imports them ---------------


def test_page_permissions_are_registered_when_the_server_starts():
    script = (
        "import rules\n"
        "from django.urls import get_resolver\n"
        "from config.wsgi import application\n"
        "get_resolver().url_patterns\n"
        "print(rules.perm_exists('accounts.use_console'), rules.perm_exists('accounts.use_phone_pages'))\n"
    )
    root = Path(__file__).parents[3]
    # Debug on: the WSGI entry refuses the development keys otherwise (huizhi.core.checks).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(root),
        "HUIZHI_DEBUG": "true",
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["True", "True"]


# --- Django's model permissions: the admin's, for staff accounts only ---------------------------------


def _grant_model_permission(user: User, codename: str = "view_category") -> User:
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename=codename))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are kept per object


def test_a_staff_account_holds_the_model_permissions_it_was_given():
    user = User.objects.get(username="huayuan_staff")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert _grant_model_permission(user).has_perm("cases.view_category")


def test_an_account_without_staff_status_reads_no_model_permissions(django_assert_num_queries):
    """Refused both ways: a model permission given to a non-staff account (it cannot open the admin)
    counts for nothing, and asking the rules' permissions costs no query of auth_permission."""
    user = _grant_model_permission(User.objects.get(username="huayuan_staff"))
    assert not user.is_staff
    assert not user.has_perm("cases.view_category")
    scopes_of(user)  # the roles, read once per request anyway
    with django_assert_num_queries(0):
        asked = [user.has_perm(p) for p in ("accounts.use_console", "cases.supervise", "fieldwork.patrol")]
    assert asked == [True, False, False]
