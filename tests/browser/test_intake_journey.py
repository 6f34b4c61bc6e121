"""Smart intake on the staff report page through the browser (issue 17): 智能派单 and 重复件合并.

Community staff of 花园街社区 type a report: the category suggestions appear as they type, a tap on
one chooses it in the form, and the case is filed under it (and the choice is recorded next to what
was suggested). Then a report whose text matches an open case nearby: the page offers that case,
"support this one instead" is taken, and no second case is filed — the support is counted on the
first. A neighbour's open item on the problem wall is offered the same way, and supported through
the wall's own support.

The intake script's wording is not translated yet, so steps are found by ids and data attributes;
what the case loop shows is asserted as stored.
"""

import re

from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.intake.models import CaseSupport, Suggestion
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from tests.browser.helpers import login, pick_place

COMPOUND = "扬天小区"
LIGHT_TITLE = "扬天小区6栋旁路灯不亮"
LIGHT_TEXT = "6栋和7栋之间那盏路灯晚上不亮，路上一片漆黑，老人出门不安全。"
COVER_TITLE = "扬天小区9栋门口井盖松动"
COVER_TEXT = "9栋门口的井盖踩上去一直晃，晚上看不清，担心有人踩空。"


def _open_report(page: Page) -> None:
    page.goto("/console/cases/new/")
    expect(page.locator("#report-form")).to_be_visible()
    # Choosing the place first: duplicates are looked for around it.
    pick_place(page.locator("#report-form"), "place", COMPOUND, COMPOUND)


def _type(page: Page, title: str, text: str) -> None:
    """Typed as a person types (key by key), so the page's debounced lookups run as they do for one."""
    page.locator("#report-form [name=title]").press_sequentially(title, delay=20)
    page.locator("#report-form [name=description]").press_sequentially(text, delay=5)


def test_a_suggested_category_is_tapped_chosen_and_filed(page: Page, shot):
    login(page, "huayuan_staff")
    _open_report(page)
    shot(page, "staff-opens-the-report-page")

    _type(page, LIGHT_TITLE, LIGHT_TEXT)
    suggestions = page.locator("#intake-suggestions")
    expect(suggestions).to_be_visible()
    choices = suggestions.locator("button.intake-choice")
    expect(choices.first).to_be_visible()
    shot(page, "suggestions-appear-while-typing")

    light = Category.objects.get(name="路灯", parent__isnull=False)
    tapped = suggestions.locator(f"button.intake-choice[data-category-id='{light.pk}']")
    expect(tapped).to_have_count(1)
    assert page.locator("#report-form select[name=category]").input_value() == ""
    tapped.click()
    expect(tapped).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#report-form select[name=category]")).to_have_value(str(light.pk))
    shot(page, "staff-taps-the-street-light-suggestion")

    before = set(Case.objects.values_list("pk", flat=True))
    with page.expect_navigation():
        page.locator("#report-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/cases/\d+/$"))
    shot(page, "case-filed-under-the-chosen-category")

    [filed] = Case.objects.exclude(pk__in=before)
    assert (filed.title, filed.category_id) == (LIGHT_TITLE, light.pk)
    record = Suggestion.objects.get(case=filed)
    assert record.chosen_id == light.pk and record.top3


def test_a_matching_open_case_nearby_is_supported_instead_of_filed(page: Page, shot):
    # A grid worker already reported the loose cover at the same compound this morning.
    compound = Place.objects.get(kind=PlaceKind.COMPOUND, name=COMPOUND)
    first = case_report(
        actor=User.objects.get(username="gridworker"),
        category=Category.objects.get(name="污水井盖", parent__isnull=False),
        title="扬天小区9栋门前井盖松动",
        description="9栋门前井盖松动，一踩就晃。",
        source=Source.PATROL,
        place=compound,
    )
    staff = User.objects.get(username="huayuan_staff")
    cases_before = Case.objects.count()

    login(page, "huayuan_staff")
    _open_report(page)
    _type(page, COVER_TITLE, COVER_TEXT)
    duplicates = page.locator("#intake-duplicates")
    expect(duplicates).to_be_visible()
    offered = duplicates.locator(".intake-duplicate").filter(has_text=first.reference)
    expect(offered).to_have_count(1)
    support = offered.locator("form.intake-support button[type=submit]")
    expect(support).to_be_visible()
    shot(page, "the-open-case-nearby-is-offered")

    with page.expect_navigation():
        support.click()
    expect(page).to_have_url(re.compile(rf"/console/cases/{first.pk}/$"))
    expect(page.locator("ul.messages li.success")).to_contain_text(first.reference)
    shot(page, "supported-instead-of-filing")

    assert Case.objects.count() == cases_before  # nothing new was filed
    assert CaseSupport.objects.filter(case=first, user=staff).count() == 1

    # Typed again, the same case is offered with the support counted on it.
    _open_report(page)
    _type(page, COVER_TITLE, COVER_TEXT)
    offered = page.locator("#intake-duplicates .intake-duplicate").filter(has_text=first.reference)
    expect(offered.locator("p.muted")).to_contain_text(re.compile(r"· 1 "))
    shot(page, "the-support-is-counted-on-the-case")


def test_an_open_wall_item_nearby_is_supported_instead_of_filed(page: Page, shot):
    from huizhi.wall import services as wall_services
    from huizhi.wall.models import Post, Stage

    # A resident already put the overflowing bins of 扬天小区 on the problem wall.
    neighbour = User.objects.get(username="demo-resident-3")
    draft = wall_services.post_draft(
        actor=neighbour,
        category=Category.objects.get(name="暴露垃圾", parent__isnull=False),
        title="扬天小区2栋楼下垃圾桶满了没人清",
        description="2栋楼下的垃圾桶已经满了两天，垃圾堆到地上，很臭。",
        place=Place.objects.get(kind=PlaceKind.COMPOUND, name=COMPOUND),
    )
    post = wall_services.post_submit(actor=neighbour, post_id=draft.pk)
    assert post.stage == Stage.OPEN
    cases_before = Case.objects.count()

    login(page, "huayuan_staff")
    _open_report(page)
    _type(page, "扬天小区2栋垃圾桶满了", "2栋楼下垃圾桶满了没人清，垃圾堆在地上。")
    offered = page.locator("#intake-duplicates .intake-duplicate").filter(has_text=post.reference)
    expect(offered).to_have_count(1)
    shot(page, "the-wall-item-nearby-is-offered")

    with page.expect_navigation():
        offered.locator("form.intake-support button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/wall/item/{post.pk}/$"))
    shot(page, "the-wall-item-supported")

    post.refresh_from_db()
    assert post.supports_count == 1 and post.supports.filter(user__username="huayuan_staff").exists()
    assert Case.objects.count() == cases_before and Post.objects.filter(pk=post.pk, stage=Stage.OPEN).exists()
