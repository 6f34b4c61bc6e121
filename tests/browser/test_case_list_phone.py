"""The staff case list on a phone (issue 19): a list of cards, each case's cells labelled, not a
six-column table squeezed one character wide; the filter and the remembered filter work there too."""

import re

from playwright.sync_api import expect

from tests.browser.helpers import login


def test_the_case_list_is_cards_on_a_phone(phone_page, shot):
    page = phone_page
    login(page, "huayuan_staff")
    page.goto("/console/cases/")
    first = page.locator("table.cases tbody tr[data-case]").first
    expect(first).to_be_visible()
    assert page.locator("table.cases thead").bounding_box()["height"] <= 1, "no column headings on a card"
    assert first.evaluate("row => getComputedStyle(row).display") == "block"
    viewport = page.viewport_size["width"]
    box = first.bounding_box()
    assert box["width"] > viewport * 0.8 and box["x"] + box["width"] <= viewport, "a card spans the screen"
    label = first.locator("td[data-label]").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label not in ("none", "normal", ""), "each cell says what it is"
    shot(page, "cards")

    page.select_option("select[name=status]", "all")
    page.fill("input[name=community]", "12")
    page.click(".queue-filters button")
    expect(page.locator(".field-error")).to_be_visible()
    shot(page, "bad-code")


def test_the_case_list_is_a_table_on_a_desktop(page):
    login(page, "huayuan_staff")
    page.goto("/console/cases/")
    expect(page.locator("table.cases thead")).to_be_visible()
    row = page.locator("table.cases tbody tr[data-case]").first
    assert row.evaluate("row => getComputedStyle(row).display") == "table-row"


def test_paging_the_case_list_by_next_and_previous_on_a_phone(phone_page, shot, monkeypatch):
    # Three to a page, so the demo's cases run to several pages; each Next link carries the cursor
    # of the page's last row (huizhi.core.pagination), each Previous the cursor of its first.
    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", 3)
    page = phone_page
    login(page, "huayuan_staff")
    page.goto("/console/cases/?status=all")
    rows = page.locator("table.cases tbody tr[data-case]")
    first = rows.evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert len(first) == 3
    page.click("nav.pager a[rel=next]")
    expect(page.locator("nav.pager")).to_contain_text("2")
    assert "cursor=" in page.url
    second = rows.evaluate_all("rows => rows.map(r => r.dataset.case)")
    assert second and not set(second) & set(first)
    shot(page, "second-page")
    page.click("nav.pager a[rel=prev]")
    expect(page.locator("nav.pager a[rel=prev]")).to_have_count(0)
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.case)") == first


def test_paging_a_common_words_search_on_a_phone(phone_page, shot, monkeypatch):
    # A search with more matches than it counts (2 here, 1,000 in production) reads its pages in
    # time windows (huizhi.core.pagination.read_in_windows): Next and Previous through it show
    # each match once, newest first, as the whole list sorted would.
    from datetime import timedelta

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case
    from huizhi.cases.selectors import QueueFilter, case_queue
    from huizhi.cases.tests.bulk import bulk_cases

    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", 2)
    monkeypatch.setattr("huizhi.cases.views.SEARCH_COUNT_CAP", 2)
    staff = User.objects.get(username="huayuan_staff")
    word = "垃圾"
    like = case_queue(staff, QueueFilter(status="all")).order_by("pk").first()
    # Reports of the word over a year, between the demo's own cases.
    bulk_cases(7, like=like, step=timedelta(days=50), title="楼道堆放垃圾")
    assert Case.objects.filter(title="楼道堆放垃圾").count() == 7
    matching = case_queue(staff, QueueFilter(status="all", query=word)).values_list("pk", flat=True)
    matches = [str(pk) for pk in matching]
    assert len(matches) > 4, "the demo's community holds enough of the word to page through"
    page = phone_page
    login(page, "huayuan_staff")
    page.goto("/console/cases/?status=all")
    page.fill("input[name=q]", word)
    page.click(".queue-filters button")
    rows = page.locator("table.cases tbody tr[data-case]")
    # Capped: the pager names the page, not a last page it has not counted.
    expect(page.locator("nav.pager span")).not_to_have_text(re.compile("共|of"))
    pages = [rows.evaluate_all("rows => rows.map(r => r.dataset.case)")]
    shot(page, "search-first-page")
    while page.locator("nav.pager a[rel=next]").count():
        page.click("nav.pager a[rel=next]")
        assert "cursor=" in page.url
        pages.append(rows.evaluate_all("rows => rows.map(r => r.dataset.case)"))
        assert len(pages) <= len(matches)
    assert [pk for shown in pages for pk in shown] == matches
    shot(page, "search-last-page")
    page.click("nav.pager a[rel=prev]")
    expect(rows.first).to_have_attribute("data-case", pages[-2][0])
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.case)") == pages[-2]
