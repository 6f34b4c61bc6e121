"""The staff case list on a phone (issue 19): a list of cards, each case's cells labelled, not a
six-column table squeezed one character wide; the filter and the remembered filter work there too."""

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
