"""The demo's network and helpers (issue 14): every community has a representative and two member
units with accounts that reach their partner page; 三里亭人家 4栋's groups each have a liaison; the
logins are printed; loading again adds nothing."""

import pytest
from django.urls import reverse

from huizhi.accounts.models import RoleAssignment, User
from huizhi.accounts.roles import Role
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place
from huizhi.site.demo import network
from huizhi.site.demo.people import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    network.load()  # a no-op once load_demo runs it; the test holds either way


def test_every_community_has_a_representative_and_two_member_units_with_accounts(loaded):
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY):
        assert RoleAssignment.objects.filter(role=Role.REPRESENTATIVE, place=community).exists(), community
        units = Organisation.objects.filter(
            kind=OrganisationKind.MEMBER_UNIT, place=community, role_assignments__role=Role.HANDLING_UNIT
        ).distinct()
        assert units.count() >= 2, community


def test_the_sanliting_power_station_is_reused_not_doubled(loaded):
    sanliting = Place.objects.get(kind=PlaceKind.COMMUNITY, name="三里亭社区")
    assert Organisation.objects.filter(name="琅琊供电所", place=sanliting).count() == 1


def test_each_group_of_building_4_has_a_liaison(loaded):
    groups = Group.objects.filter(place__name="4栋", place__parent__name="三里亭人家")
    assert groups.count() == 12
    for group in groups:
        assert RoleAssignment.objects.filter(role=Role.BUILDING_LIAISON, group=group).exists(), group


def test_loading_again_adds_nothing(loaded):
    counts = (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count())
    network.load()
    assert (User.objects.count(), Organisation.objects.count(), RoleAssignment.objects.count()) == counts


def test_the_printed_logins_sign_in_and_reach_their_pages(client, loaded):
    rows = network.logins()
    assert len(rows) == 1 + 5 + 12  # a liaison, five representatives (凤凰's is people.py's), 12 units
    pages = {
        "liaison_chuangyou": "network:my_group",
        "sanliting_rep": "network:partner",
        "sanliting_power": "network:partner",
    }
    for username, url_name in pages.items():
        assert any(row[0] == username for row in rows)
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD), username
        client.force_login(user)
        assert client.get(reverse(url_name)).status_code == 200, username
