"""Forms that guide (issue 19): community staff, on a 390 px phone, accept a new case and dispatch
it in the same step with a deadline of four working hours (a preset, not an empty date picker); the
commissioner sends a supervision notice without its requirement and lands on the field that needs
it, the reason beside it, then sends it with the one-working-day preset."""

import pytest
from playwright.sync_api import expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category, SupervisionNotice
from huizhi.cases.services import case_report
from huizhi.cases.states import Source, Status
from huizhi.places.models import Place
from tests.browser.helpers import PHONE, login, open_details

pytestmark = pytest.mark.browser
CREW = "花园街社区红色汇治维修队"


def test_accept_and_dispatch_in_one_step_and_a_notice_that_guides(new_page, shot):
    case = case_report(
        actor=User.objects.get(username="gridworker"),
        category=Category.objects.get(code="0101"),
        title="扬天小区11栋门口暴露垃圾",
        description="单元门口堆放生活垃圾，无人清运。",
        source=Source.PATROL,
        place=Place.objects.get(parent__name="扬天小区", name="11栋"),
    )
    staff = new_page(**PHONE)
    login(staff, "huayuan_staff")
    staff.goto(f"/console/cases/{case.pk}/")
    accept = open_details(staff, "details.action[data-action=accept]")
    expect(accept.locator("select[name=unit] option:checked")).to_have_text("—")  # suggested, not chosen
    accept.locator("select[name=unit]").select_option(label=CREW)
    accept.locator("input[name=due_preset][value='4h']").check()
    shot(staff, "accept-and-dispatch-with-a-preset")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 390
    with staff.expect_navigation():
        accept.locator("button.primary").click()
    expect(staff.locator("#handling-unit")).to_have_text(CREW)
    case = Case.objects.get(pk=case.pk)
    assert case.status == Status.DISPATCHED and case.handle_due_at is not None

    commissioner = new_page()
    login(commissioner, "commissioner")
    commissioner.goto(f"/console/cases/{case.pk}/")
    notice = open_details(commissioner, "details.action[data-action=supervise]")
    expect(notice.locator("input[name=reply_preset][value='1d']")).to_be_checked()
    with commissioner.expect_navigation():
        notice.locator("button.primary").click()
    # Back with the form open, the reason beside the requirement, and the cursor in it.
    requirement = commissioner.locator("details[data-action=supervise] textarea[name=requirement]")
    expect(requirement).to_be_focused()
    expect(commissioner.locator("#id_requirement_error")).to_be_visible()
    shot(commissioner, "notice-sent-without-its-requirement")
    requirement.fill("请于一个工作日内清运并反馈。")
    with commissioner.expect_navigation():
        commissioner.locator("details[data-action=supervise] button.primary").click()
    assert SupervisionNotice.objects.filter(case=case).count() == 1
    shot(commissioner, "notice-issued")
