"""The network pages as people use them: what each shows, names masked, bad ids answered 404, the
query count fixed whatever the size of the network, and taking an item on from the partner page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from huizhi.cases.states import Status
from huizhi.network.tests.conftest import RESIDENT_NAMES, open_post, register, unit_of
from huizhi.places.services import group_create
from huizhi.wall.models import Claim, PostEvent
from tests.factories import UserFactory, case_in

pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]

BIG = 10**30


def _body(response) -> str:
    return response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(net, groups: int) -> None:
    """More groups, households and open cases in the building: the pages must not ask more."""
    for n in range(groups):
        households = [register(net.building, f"{9 + n}0{k}", f"扩展住户{n}{k}") for k in (1, 2)]
        units = [h.unit for h in households]
        group = group_create(
            name=f"扩展小组{n}",
            place=net.building,
            region=net.region,
            central_household=units[0],
            households=units,
        )
        UserFactory(role="building_liaison", over=group)
        case_in(Status.REPORTED, net.street, place=units[1])


def test_the_network_page_shows_the_tree_and_its_queries_do_not_grow(client, net):
    client.force_login(net.street.staff)
    url = reverse("network:index")
    page = _body(client.get(url))
    assert net.region.name in page and net.group.name in page and "测试联络员" in page
    assert f'data-group="{net.group.pk}"' in page and 'data-households="2"' in page
    before = _queries(client, url)
    _grow(net, 4)
    assert _queries(client, url) == before


def test_street_leadership_picks_the_community(client, net):
    from tests.factories import CommunityFactory

    other = CommunityFactory(parent=net.street.street)
    client.force_login(net.street.street_admin)
    first = _body(client.get(reverse("network:index")))
    assert 'id="community-filter"' in first
    chosen = _body(client.get(reverse("network:index"), {"community": other.code}))
    assert f'data-community="{other.code}"' in chosen and net.group.name not in chosen
    mine = _body(client.get(reverse("network:index"), {"community": net.street.community.code}))
    assert net.group.name in mine
    # A code out of scope, or nonsense: the first community, never another street's.
    assert client.get(reverse("network:index"), {"community": "x" * 5000}).status_code == 200


def test_the_group_page_masks_names_and_does_not_grow_its_queries(client, net):
    case_in(Status.ACCEPTED, net.street, place=unit_of(net.households[0]))
    post = open_post(net)
    client.force_login(net.street.staff)
    url = reverse("network:group", args=[net.group.pk])
    page = _body(client.get(url))
    assert "欧***" in page and f'data-post="{post.pk}"' in page and 'id="open-cases"' in page
    assert not any(name in page for name in RESIDENT_NAMES)
    before = _queries(client, url)
    for k in range(3):
        case_in(Status.REPORTED, net.street, place=unit_of(net.households[1]))
        register(net.building, "102", f"新住户{k}")
        open_post(net, title=f"测试问题{k}")
    assert _queries(client, url) == before


@pytest.mark.parametrize("pk", [BIG, 0, 2**63])
def test_a_group_id_that_names_nothing_is_404(client, net, pk):
    client.force_login(net.street.staff)
    assert client.get(f"/console/network/groups/{pk}/").status_code == 404


def test_non_numeric_group_ids_do_not_resolve(client, net):
    client.force_login(net.street.staff)
    assert client.get("/console/network/groups/abc/").status_code == 404


def test_the_liaisons_page_shows_their_households_and_the_report_action(client, net):
    post = open_post(net)
    client.force_login(net.liaison)
    page = _body(client.get(reverse("network:my_group")))
    assert net.group.name in page and "欧***" in page and f'data-post="{post.pk}"' in page
    assert not any(name in page for name in RESIDENT_NAMES)
    report = reverse("cases:report_phone")
    assert f'href="{report}?place={net.building.pk}" data-report-for="{net.households[0].unit_id}"' in page
    assert 'id="roster-link"' in page and 'id="group-pick"' not in page  # one group: nothing to pick


def test_a_liaison_of_several_groups_picks_one_and_no_one_elses(client, net):
    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant

    role_grant(user=net.liaison, role=Role.BUILDING_LIAISON, group=net.other_group)
    client.force_login(net.liaison)
    url = reverse("network:my_group")
    page = _body(client.get(url))
    assert 'id="group-pick"' in page
    assert net.other_group.name in _body(client.get(url, {"group": net.other_group.pk}))
    foreign = group_create(
        name="别人的小组", place=net.building, region=None, central_household=None, households=[]
    )
    for wanted in [foreign.pk, "abc", str(BIG), "-1"]:
        assert client.get(url, {"group": wanted}).status_code == 404


def test_the_liaisons_page_queries_do_not_grow(client, net):
    client.force_login(net.liaison)
    url = reverse("network:my_group")
    before = _queries(client, url)
    for k in range(3):
        register(net.building, "101", f"再住户{k}")
        case_in(Status.REPORTED, net.street, place=unit_of(net.households[0]))
    assert _queries(client, url) == before


def test_a_representative_takes_an_item_on_from_the_partner_page(client, net):
    post = open_post(net)
    client.force_login(net.representative)
    page = _body(client.get(reverse("network:partner")))
    assert f'data-take-on="{post.pk}"' in page and 'id="unit-lists"' not in page
    response = client.post(reverse("network:take_on", args=[post.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("network:partner")
    claim = Claim.objects.get(post=post, user=net.representative)
    assert claim.name == "测试代表" and claim.organisation is None
    assert PostEvent.objects.filter(post=post, action="claimed", actor=net.representative).exists()
    page = _body(client.get(reverse("network:partner")))
    assert f'data-take-on="{post.pk}"' not in page and f'data-claim="{post.pk}"' in page


def test_a_member_unit_takes_an_item_on_under_the_units_name(client, net):
    post = open_post(net)
    client.force_login(net.unit_account)
    client.post(reverse("network:take_on", args=[post.pk]))
    assert Claim.objects.get(post=post, user=net.unit_account).name == net.member_unit.name


def test_taking_an_item_on_twice_is_refused_with_the_reason_and_nothing_added(client, net):
    post = open_post(net)
    client.force_login(net.representative)
    client.post(reverse("network:take_on", args=[post.pk]))
    with translation.override("en"):  # the page in English, as the browser asks
        again = client.post(reverse("network:take_on", args=[post.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "already claimed" in _body(again)
    assert Claim.objects.filter(post=post).count() == 1


@pytest.mark.parametrize("pk", [BIG, 0])
def test_taking_on_an_item_that_is_not_there_is_refused(client, net, pk):
    client.force_login(net.representative)
    assert client.post(f"/me/partner/take-on/{pk}/").status_code == 403
    assert not Claim.objects.filter(user=net.representative).exists()


def test_taking_on_is_a_post_and_refused_to_non_partners(client, net):
    post = open_post(net)
    client.force_login(net.representative)
    assert client.get(reverse("network:take_on", args=[post.pk])).status_code == 405
    for person in (net.liaison, net.street.staff, net.street.crew_member, net.street.resident):
        client.force_login(person)
        assert client.post(reverse("network:take_on", args=[post.pk])).status_code == 403
    assert not Claim.objects.filter(post=post).exists()


def test_the_partner_page_queries_do_not_grow(client, net):
    from huizhi.wall import services as wall

    client.force_login(net.unit_account)
    url = reverse("network:partner")
    wall.post_claim(actor=net.unit_account, post_id=open_post(net, title="认领测试").pk)
    before = _queries(client, url)
    for k in range(3):
        wall.post_claim(actor=net.unit_account, post_id=open_post(net, title=f"认领测试{k}").pk)
        open_post(net, title=f"待认领{k}")
    assert _queries(client, url) == before


def test_a_member_unit_is_linked_to_its_lists_and_nothing_breaks_without_them(client, net, monkeypatch):
    from django.urls import NoReverseMatch

    from huizhi.network import views

    client.force_login(net.unit_account)
    page = _body(client.get(reverse("network:partner")))
    assert f'href="{reverse("projects:unit_lists")}" id="unit-lists"' in page

    def no_such_page(*args, **kwargs):
        raise NoReverseMatch("projects:unit_lists")

    monkeypatch.setattr(views, "reverse", no_such_page)
    response = client.get(reverse("network:partner"))
    assert response.status_code == 200 and 'id="unit-lists"' not in _body(response)
