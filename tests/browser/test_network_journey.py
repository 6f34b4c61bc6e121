"""The self-governance network through the browser (DESIGN §8, issue 14): community staff open
三里亭社区's network and 第1自治小组's page → the group's liaison opens the group's phone page at
390 px (households masked, the next meeting, reporting for a neighbour) → a representative opens
their partner page on the phone and takes on an item of the problem wall. Screenshots per step."""

from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Category
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Place
from huizhi.wall import services as wall
from huizhi.wall.models import Claim, Post
from huizhi.wall.tests.helpers import resident
from tests.browser.helpers import PHONE, login


def _post(mobile: str, place: Place, title: str) -> Post:
    author = resident(mobile)
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title=title,
        description=f"{title}，已经好几天了，请社区和帮扶单位帮忙看看。",
        place=place,
    )
    return wall.post_submit(actor=author, post_id=draft.pk)


def _no_sideways_scroll(page: Page, what: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{what} scrolls sideways at 390 px"


def test_staff_read_the_network_the_liaison_works_the_group_a_representative_takes_an_item_on(new_page, shot):
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="4栋", parent__name="三里亭人家")
    group = Group.objects.get(name="第1自治小组", place=building)
    building_item = _post("13911990001", building, "4栋单元门禁坏了")
    fenghuang_compound = (
        Place.objects.filter(kind=PlaceKind.COMPOUND, parent__parent__name="凤凰社区")
        .order_by("code")
        .first()
    )
    fenghuang_item = _post("13911990002", fenghuang_compound, "小区健身器材松动")

    # 1. Community staff open the network: regions, groups, liaisons, counts.
    staff = new_page()
    login(staff, "sanliting_staff")
    staff.goto("/console/network/")
    tree = staff.locator("section.network-tree")
    expect(tree.locator("h2")).to_have_text("三里亭社区")
    expect(tree.locator("section.network-region h3").first).to_contain_text("争先自治大区")
    card = staff.locator(f"li[data-group='{group.pk}']")
    expect(card).to_contain_text("黄德胜")  # the demo's liaison of 第1自治小组
    expect(card.locator("[data-households]")).to_have_attribute("data-households", "6")
    assert int(card.locator("[data-wall]").get_attribute("data-wall")) >= 1
    shot(staff, "staff-network-tree")

    # 2. … and the group: its households (names masked), its open items, its meetings.
    with staff.expect_navigation():
        card.locator("h4 a").click()
    expect(staff.locator("h1")).to_have_text("第1自治小组")
    expect(staff.locator("#households li")).to_have_count(6)
    expect(staff.locator(f"#wall-items li[data-post='{building_item.pk}']")).to_be_visible()
    shot(staff, "staff-group-page")

    # 3. The liaison on the phone: their group's page at 390 px.
    phone = new_page(**PHONE)
    login(phone, "liaison")
    phone.goto("/m/liaison/")
    expect(phone.locator("h1")).to_have_text("第1自治小组")
    expect(phone.locator("#households li")).to_have_count(6)
    people = phone.locator("#households li .household-people").first
    expect(people).to_be_visible()
    expect(people).to_contain_text("**")  # the surname only: 张**
    expect(phone.locator(f"#wall-items li[data-post='{building_item.pk}']")).to_be_visible()
    expect(phone.locator("#next-meeting")).to_be_visible()
    report = phone.locator("#households a[data-report-for]").first
    expect(report).to_have_attribute("href", f"/m/report/?place={building.pk}")
    _no_sideways_scroll(phone, "the liaison's group page")
    shot(phone, "liaison-group-page-phone")
    with phone.expect_navigation():
        report.click()
    assert phone.url.endswith(f"/m/report/?place={building.pk}")
    shot(phone, "liaison-reports-for-a-neighbour")

    # 4. A representative on the phone takes on an item of their community's wall.
    partner = new_page(**PHONE)
    login(partner, "representative")
    partner.goto("/me/partner/")
    offered = partner.locator(f"#takeable li[data-post='{fenghuang_item.pk}']")
    expect(offered).to_contain_text("小区健身器材松动")
    expect(partner.locator(f"#takeable li[data-post='{building_item.pk}']")).to_have_count(
        0
    )  # not their community
    _no_sideways_scroll(partner, "the partner page")
    shot(partner, "representative-partner-page")
    with partner.expect_navigation():
        offered.locator("button[data-take-on]").click()
    expect(partner.locator("ul.messages li.success")).to_contain_text("小区健身器材松动")
    expect(partner.locator(f"#claimed li[data-claim='{fenghuang_item.pk}']")).to_contain_text("周明德")
    expect(partner.locator(f"#takeable li[data-post='{fenghuang_item.pk}']")).to_have_count(0)
    representative = User.objects.get(username="representative")
    assert Claim.objects.filter(post=fenghuang_item, user=representative).exists()
    _no_sideways_scroll(partner, "the partner page after taking an item on")
    shot(partner, "representative-took-the-item-on")
