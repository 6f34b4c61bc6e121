"""The report form in the street, where the network comes and goes (issue 18): a half-typed
report survives a reload; a report made with no network — photo included — is kept on the phone
and filed once when the network is back; the report page itself opens offline once visited."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from huizhi.cases.models import Case
from tests.browser.helpers import PHONE, login, pick_place

pytestmark = pytest.mark.browser
TITLE = "扬天小区11栋楼道灯不亮"


def test_a_report_made_offline_is_sent_once_when_the_network_is_back(new_page, shot, tmp_path):
    photo = tmp_path / "dark-stairs.jpg"
    Image.new("RGB", (320, 240), (40, 40, 60)).save(photo, format="JPEG")
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto("/m/report/")
    form = worker.locator("#report-form")

    # 1. Half typed, then the tab is reloaded: the draft comes back.
    form.locator("input[name=title]").fill(TITLE)
    worker.reload()
    expect(form.locator("input[name=title]")).to_have_value(TITLE)
    expect(worker.locator("#report-queue")).to_contain_text("恢复")
    shot(worker, "draft-restored")

    # 2. The network drops; the report, with its photo, is kept on the phone.
    worker.context.set_offline(True)
    form.locator("select[name=category]").select_option(index=1)
    form.locator("textarea[name=description]").fill("二单元楼道灯坏了，晚上上楼看不见。")
    pick_place_offline = form.locator("input[name=place_text]")
    pick_place_offline.fill("扬天 11")  # no suggestions offline: the server resolves the words later
    form.locator("input[name=photos]").set_input_files(photo)
    form.locator("button[type=submit]").click()
    expect(worker.locator("#report-queue")).to_contain_text(TITLE)
    expect(form.locator("input[name=title]")).to_have_value("")  # ready for the next report
    assert not Case.objects.filter(title=TITLE).exists()
    shot(worker, "kept-on-the-phone")

    # 3. The network is back: the kept report is filed, once, with its photo.
    worker.context.set_offline(False)
    sent = worker.locator("#report-queue a", has_text=TITLE)
    expect(sent).to_be_visible(timeout=15_000)
    case = Case.objects.get(title=TITLE)
    assert re.search(rf"/console/cases/{case.pk}/$", sent.get_attribute("href"))
    assert case.events.get().photos.count() == 1
    assert (case.place.parent.name, case.place.name) == ("扬天小区", "11栋")
    shot(worker, "sent-when-back-online")

    # 4. Opening the page again sends nothing more.
    worker.reload()
    worker.wait_for_timeout(1000)
    assert Case.objects.filter(title=TITLE).count() == 1


def test_the_report_page_opens_without_a_network_once_visited(new_page, shot):
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto("/m/report/")
    worker.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    worker.reload()  # now under the worker, which keeps the page and its assets
    expect(worker.locator("#report-form")).to_be_visible()
    worker.context.set_offline(True)
    worker.reload()
    expect(worker.locator("#report-form")).to_be_visible()
    expect(worker.locator("h1")).to_have_text("上报问题")
    shot(worker, "report-page-offline")
    worker.context.set_offline(False)


def test_a_kept_report_the_server_refuses_comes_back_into_the_form(new_page, shot):
    """Kept offline with a place that names several buildings: refused when sent, its words return."""
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto("/m/report/")
    form = worker.locator("#report-form")
    worker.context.set_offline(True)
    form.locator("select[name=category]").select_option(index=1)
    form.locator("input[name=title]").fill("楼道堆物")
    form.locator("textarea[name=description]").fill("楼道里堆了很多纸箱。")
    form.locator("input[name=place_text]").fill("扬天")
    form.locator("button[type=submit]").click()
    expect(worker.locator("#report-queue")).to_contain_text("楼道堆物")
    worker.context.set_offline(False)
    expect(form.locator("input[name=title]")).to_have_value("楼道堆物", timeout=15_000)
    expect(form.locator("input[name=place_text]")).to_have_value("扬天")
    assert not Case.objects.filter(title="楼道堆物").exists()
    pick_place(form, "place", "扬天 11", "扬天小区 11栋")
    with worker.expect_navigation():
        form.locator("button[type=submit]").click()
    assert Case.objects.filter(title="楼道堆物").count() == 1
    shot(worker, "refused-report-mended-and-filed")
