"""The one scope rule: `Scopes.covers`, `holds` and `q`, and the code test under them (`is_within`).

Each rule is asserted both ways (reached and refused) for a role held, a role not held, no roles at
all, a superuser with and without `roles_only`, and a sibling place whose code shares leading
digits with the role's place.
"""

import pytest

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import Scopes, scopes_of
from huizhi.places.codes import is_within
from huizhi.places.models import Place

STREET = "341102001"
HUAYUAN = "341102001003"  # a community
FENGHUANG = "341102001001"  # another community of the street
GRID_1 = "341102001003001"  # 花园街第1网格
GRID_1_BUILDING = "341102001003001001011"
GRID_10 = "341102001003010"  # shares "3411020010030" with GRID_1 and "34110200100301" with nothing of it
GRID_10_COMPOUND = "341102001003010001"


def scopes(*held: tuple[str, str], superuser: bool = False) -> Scopes:
    """Scopes holding each (role, place code) of `held`, built as scopes_of builds them."""
    codes = {code for _role, code in held}
    return Scopes(
        roles=frozenset(role for role, _code in held),
        place_codes=tuple(sorted(c for c in codes if not any(c != o and c.startswith(o) for o in codes))),
        organisation_ids=frozenset(),
        group_ids=frozenset(),
        sees_everything=superuser,
        role_places=frozenset(held),
    )


NOBODY = scopes()
GRID_WORKER = scopes((Role.GRID_WORKER, GRID_1))
HUAYUAN_STAFF = scopes((Role.COMMUNITY_STAFF, HUAYUAN))
ADMIN = scopes(superuser=True)
ADMIN_AND_GRID_WORKER = scopes((Role.GRID_WORKER, GRID_1), superuser=True)
# An integrating system: its key's place, with no role attached (huizhi.api.clients.SystemClient).
SYSTEM = Scopes(
    roles=frozenset(), place_codes=(HUAYUAN,), organisation_ids=frozenset(), group_ids=frozenset()
)


@pytest.mark.parametrize(
    ("code", "root", "within"),
    [
        (GRID_1, GRID_1, True),  # a place is within itself
        (GRID_1_BUILDING, GRID_1, True),
        (GRID_1_BUILDING, STREET, True),
        (GRID_10_COMPOUND, GRID_1, False),  # a sibling grid's compound
        (GRID_10, GRID_1, False),
        (FENGHUANG, HUAYUAN, False),
        (STREET, HUAYUAN, False),  # the parent is not within the child
        (GRID_1, "", False),  # an empty root is no place (a plain prefix test would say everywhere)
    ],
)
def test_is_within(code, root, within):
    assert is_within(code, root) is within


@pytest.mark.parametrize(
    ("who", "code", "roles", "roles_only", "covered"),
    [
        # The role held, over the place or above it; refused beside it.
        (GRID_WORKER, GRID_1_BUILDING, (Role.GRID_WORKER,), False, True),
        (GRID_WORKER, GRID_10_COMPOUND, (Role.GRID_WORKER,), False, False),
        (GRID_WORKER, HUAYUAN, (Role.GRID_WORKER,), False, False),  # the grid's community is above it
        (HUAYUAN_STAFF, GRID_10_COMPOUND, (Role.COMMUNITY_STAFF,), False, True),
        (HUAYUAN_STAFF, FENGHUANG, (Role.COMMUNITY_STAFF,), False, False),
        # Another role over the same place does not count.
        (GRID_WORKER, GRID_1_BUILDING, (Role.COMMUNITY_STAFF,), False, False),
        (HUAYUAN_STAFF, GRID_1, (Role.GRID_WORKER, Role.STREET_ADMIN), False, False),
        (HUAYUAN_STAFF, GRID_1, (Role.GRID_WORKER, Role.COMMUNITY_STAFF), False, True),  # any one of them
        # No role named: any place-held role, and an integrating system's key place.
        (GRID_WORKER, GRID_1_BUILDING, (), False, True),
        (GRID_WORKER, GRID_10, (), False, False),
        (SYSTEM, GRID_1_BUILDING, (), False, True),
        (SYSTEM, GRID_1_BUILDING, (Role.COMMUNITY_STAFF,), False, False),
        (SYSTEM, FENGHUANG, (), False, False),
        # No roles at all.
        (NOBODY, GRID_1, (), False, False),
        (NOBODY, GRID_1, (Role.GRID_WORKER,), False, False),
        # A superuser everywhere, unless only the roles count.
        (ADMIN, FENGHUANG, (Role.COMMUNITY_STAFF,), False, True),
        (ADMIN, FENGHUANG, (), False, True),
        (ADMIN, FENGHUANG, (Role.COMMUNITY_STAFF,), True, False),
        (ADMIN_AND_GRID_WORKER, GRID_1_BUILDING, (Role.GRID_WORKER,), True, True),
        (ADMIN_AND_GRID_WORKER, GRID_10, (Role.GRID_WORKER,), True, False),
    ],
)
def test_covers(who, code, roles, roles_only, covered):
    assert who.covers(code, *roles, roles_only=roles_only) is covered


@pytest.mark.parametrize(
    ("who", "roles", "roles_only", "held"),
    [
        (GRID_WORKER, (Role.GRID_WORKER,), False, True),
        (GRID_WORKER, (Role.COMMUNITY_STAFF,), False, False),
        (GRID_WORKER, (Role.COMMUNITY_STAFF, Role.GRID_WORKER), False, True),
        (GRID_WORKER, (), False, True),
        (SYSTEM, (), False, True),
        (SYSTEM, (Role.GRID_WORKER,), False, False),
        (NOBODY, (), False, False),
        (NOBODY, (Role.GRID_WORKER,), False, False),
        (ADMIN, (Role.DISCIPLINE_COMMISSIONER,), False, True),
        (ADMIN, (Role.DISCIPLINE_COMMISSIONER,), True, False),
        (ADMIN, (), True, False),
        (ADMIN_AND_GRID_WORKER, (Role.GRID_WORKER,), True, True),
    ],
)
def test_holds(who, roles, roles_only, held):
    assert who.holds(*roles, roles_only=roles_only) is held


def _codes(q) -> set[str]:
    return set(Place.objects.filter(q).values_list("code", flat=True))


@pytest.mark.django_db
def test_q_matches_the_role_subtree_and_nothing_beside_it():
    # The demo street has the sibling grid and its compound, so leaving them out means something.
    assert Place.objects.filter(code__in=[GRID_10, GRID_10_COMPOUND, GRID_1_BUILDING]).count() == 3
    grid = _codes(GRID_WORKER.q("code", Role.GRID_WORKER))
    assert GRID_1 in grid and GRID_1_BUILDING in grid
    assert all(is_within(code, GRID_1) for code in grid)
    assert GRID_10 not in grid and GRID_10_COMPOUND not in grid and HUAYUAN not in grid
    # A place field reached through a relation: the same rows.
    assert set(
        Place.objects.filter(GRID_WORKER.q("parent__code", Role.GRID_WORKER)).values_list("code", flat=True)
    ) == grid - {GRID_1}


@pytest.mark.django_db
def test_q_matches_nothing_without_the_role_and_everything_for_a_superuser():
    everything = set(Place.objects.values_list("code", flat=True))
    assert _codes(GRID_WORKER.q("code", Role.COMMUNITY_STAFF)) == set()
    assert _codes(NOBODY.q("code")) == set()
    assert _codes(ADMIN.q("code", Role.COMMUNITY_STAFF)) == everything
    assert _codes(ADMIN.q("code", Role.COMMUNITY_STAFF, roles_only=True)) == set()
    assert _codes(ADMIN_AND_GRID_WORKER.q("code", Role.GRID_WORKER, roles_only=True)) == _codes(
        GRID_WORKER.q("code", Role.GRID_WORKER)
    )


@pytest.mark.django_db
def test_q_without_a_role_named_reaches_every_place_held_role():
    both = scopes((Role.GRID_WORKER, GRID_1), (Role.REPRESENTATIVE, FENGHUANG))
    reached = _codes(both.q("code"))
    assert GRID_1_BUILDING in reached and FENGHUANG in reached
    assert GRID_10 not in reached and HUAYUAN not in reached
    assert _codes(SYSTEM.q("code")) == _codes(HUAYUAN_STAFF.q("code", Role.COMMUNITY_STAFF))


@pytest.mark.django_db
def test_scopes_of_a_demo_superuser_and_a_demo_grid_worker():
    from huizhi.accounts.models import User

    admin = scopes_of(User.objects.get(username="admin"))
    assert admin.covers(FENGHUANG) and admin.holds(Role.STREET_ADMIN)
    assert not admin.holds(Role.STREET_ADMIN, roles_only=True)
    worker = scopes_of(User.objects.get(username="gridworker"))
    assert worker.covers(GRID_1_BUILDING, Role.GRID_WORKER)
    assert not worker.covers(GRID_10_COMPOUND, Role.GRID_WORKER)
