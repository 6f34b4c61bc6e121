"""Who gets which network page, each role both ways: the staff, commissioner and street read the
network of their communities; the liaison their own group's phone page; representatives and member
units their partner page. Everyone else is refused (403 signed in, the sign-in page anonymous)."""

import pytest
from django.urls import reverse

from huizhi.network.permissions import groups_visible_to, is_partner, leads_a_group
from tests.factories import UserFactory

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

PEOPLE = {
    "community staff": lambda n: n.street.staff,
    "street admin": lambda n: n.street.street_admin,
    "commissioner": lambda n: n.commissioner,
    "liaison": lambda n: n.liaison,
    "representative": lambda n: n.representative,
    "member unit": lambda n: n.unit_account,
    "repair crew": lambda n: n.street.crew_member,
    "grid worker": lambda n: n.street.gridworker,
    "resident": lambda n: n.street.resident,
    "staff of another community": lambda n: n.foreign_staff,
}

# Status of each page for each person: 200 allowed, 403 refused, 404 outside their scope.
EXPECTED = {
    #                              network  group  my group  partner
    "community staff": (200, 200, 403, 403),
    "street admin": (200, 200, 403, 403),
    "commissioner": (200, 200, 403, 403),
    "liaison": (403, 403, 200, 403),
    "representative": (403, 403, 403, 200),
    "member unit": (403, 403, 403, 200),
    "repair crew": (403, 403, 403, 403),
    "grid worker": (403, 403, 403, 403),
    "resident": (403, 403, 403, 403),
    "staff of another community": (200, 404, 403, 403),
}


def _pages(net):
    return [
        reverse("network:index"),
        reverse("network:group", args=[net.group.pk]),
        reverse("network:my_group"),
        reverse("network:partner"),
    ]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_gets_its_pages_and_is_refused_the_others(client, net, who):
    client.force_login(PEOPLE[who](net))
    got = tuple(client.get(url).status_code for url in _pages(net))
    assert got == EXPECTED[who]


def test_anonymous_visitors_are_sent_to_sign_in_on_every_page(client, net):
    for url in _pages(net):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("network:take_on", args=[1]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_groups_a_reader_sees_stop_at_their_communities(net):
    mine = set(groups_visible_to(net.street.staff).values_list("pk", flat=True))
    assert {net.group.pk, net.other_group.pk} <= mine
    assert not groups_visible_to(net.foreign_staff).filter(pk__in=mine).exists()
    assert not groups_visible_to(net.liaison).exists()
    assert not groups_visible_to(net.street.resident).exists()


def test_a_superuser_reads_the_network_but_has_no_liaison_or_partner_page(client, net):
    admin = UserFactory(is_superuser=True)
    assert not leads_a_group(admin) and not is_partner(admin)
    client.force_login(admin)
    assert client.get(reverse("network:group", args=[net.group.pk])).status_code == 200
    # The menu offers an administrator every page: these two say there is nothing of theirs.
    for name in ("network:my_group", "network:partner"):
        page = client.get(reverse(name))
        assert page.status_code == 200 and b"<li" not in page.content.split(b"<main")[1]


def test_a_crew_account_is_no_partner_but_a_member_units_is(net):
    assert not is_partner(net.street.crew_member)
    assert is_partner(net.unit_account) and is_partner(net.representative)


def test_a_deactivated_liaison_loses_the_group_page(client, net):
    client.force_login(net.liaison)
    assert client.get(reverse("network:my_group")).status_code == 200
    net.liaison.is_active = False
    net.liaison.save(update_fields=["is_active"])
    assert not leads_a_group(net.liaison)
