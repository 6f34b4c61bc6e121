"""Street leadership sets a category's time limits in the console; bad limits are refused with a message."""

from decimal import Decimal

from playwright.sync_api import expect

from huizhi.cases.models import Category
from tests.browser.helpers import login


def test_street_leadership_changes_a_time_limit(page, shot):
    login(page, "street")
    page.goto("/console/categories/")
    row = page.locator("tr[data-category='0101']")
    expect(row).to_be_visible()
    shot(page, "categories")

    row.locator("a").click()
    page.fill("input[name=accept_limit]", "0")
    page.click("button[type=submit]")
    expect(page.locator(".error").first).to_be_visible()
    shot(page, "zero-limit-refused")
    assert Category.objects.get(code="0101").accept_limit == Decimal("1")

    page.fill("input[name=accept_limit]", "3")
    page.click("button[type=submit]")
    expect(page).to_have_url("/console/categories/")
    expect(page.locator("tr[data-category='0101']")).to_contain_text("3")
    shot(page, "limit-saved")
    assert Category.objects.get(code="0101").accept_limit == Decimal("3")


def test_community_staff_cannot_open_the_categories(page, shot):
    login(page, "huayuan_staff")
    response = page.goto("/console/categories/")
    assert response.status == 403
    shot(page, "refused")
