"""Community staff merge a duplicate on a 390 px phone: the case it repeats is named by its number,
offered among the newest open cases of the same category as the number is typed (never a list of
every open case of the community); a number that names no such case is refused beside the field."""

import pytest
from playwright.sync_api import expect

from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f
from tests.browser.helpers import PHONE, login, open_details

pytestmark = pytest.mark.browser


def test_staff_merge_a_duplicate_by_its_number(new_page, shot):
    original = f.reported_case(title="扬天小区11栋门口垃圾堆积")
    duplicate = f.reported_case(title="11栋门口又有垃圾")
    page = new_page(**PHONE)
    login(page, "huayuan_staff")
    page.goto(f"/console/cases/{duplicate.pk}/")
    merge = open_details(page, "details.action[data-action=merge]")
    field = merge.locator("input[name=merged_into]")
    expect(field).to_have_attribute("list", "merge-targets")
    expect(page.locator(f"#merge-targets option[value={original.reference}]")).to_have_count(1)
    expect(page.locator("select[name=merged_into]")).to_have_count(0)

    field.fill("HZ9999999")  # no open case of this community
    with page.expect_navigation():
        merge.locator("button").last.click()
    expect(page.locator("#id_merged_into_error")).to_be_visible()
    shot(page, "merge-number-refused")
    assert Case.objects.get(pk=duplicate.pk).status == "reported"

    merge = open_details(page, "details.action[data-action=merge]")
    merge.locator("input[name=merged_into]").fill(original.reference)
    shot(page, "merge-number-typed")
    with page.expect_navigation():
        merge.locator("button").last.click()
    merged = Case.objects.get(pk=duplicate.pk)
    assert (merged.status, merged.merged_into_id) == ("merged", original.pk)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    shot(page, "merged")
