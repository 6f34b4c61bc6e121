"""Outside review: a report kept offline on a shared phone is sent only by the person who made it.
Whoever signs in next on that phone neither files it under their own name nor finds its draft."""

import pytest
from playwright.sync_api import expect

from huizhi.cases.models import Case
from tests.browser.helpers import PHONE, login

pytestmark = pytest.mark.browser
TITLE = "共享手机上离线保存的报告"


def _sign_out(page):
    page.goto("/")
    with page.expect_navigation():
        page.locator(".topbar form[action='/accounts/logout/'] button").click()


def test_a_report_kept_offline_is_not_sent_by_the_next_person_on_the_phone(new_page):
    first = new_page(**PHONE)
    context = first.context
    login(first, "gridworker")
    first.goto("/m/report/")
    form = first.locator("#report-form")
    context.set_offline(True)
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill("楼道里堆了很多纸箱。")
    form.locator("input[name=place_text]").fill("扬天 11")
    form.locator("button[type=submit]").click()
    expect(first.locator("#report-queue")).to_contain_text(TITLE)
    form.locator("input[name=title]").fill("没写完的草稿")  # a draft left behind
    first.close()

    # Back online, the phone changes hands before the report page is opened again.
    context.set_offline(False)
    second = context.new_page()
    _sign_out(second)
    login(second, "liaison")
    second.goto("/m/report/")
    second.wait_for_timeout(2000)
    assert not Case.objects.filter(title=TITLE).exists()
    expect(second.locator("#report-form input[name=title]")).to_have_value("")

    # The one who made it signs in again: it is sent, under their name.
    _sign_out(second)
    login(second, "gridworker")
    second.goto("/m/report/")
    expect(second.locator("#report-queue a", has_text=TITLE)).to_be_visible(timeout=15_000)
    assert Case.objects.get(title=TITLE).reporter.username == "gridworker"
