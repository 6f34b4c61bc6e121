"""The article's grid worker calls the drain crew himself (issue 18): community staff let grid
workers dispatch blocked drains; the worker, on a 390 px phone, accepts and dispatches the case he
filed — the units offered by kind, the routing rule's choice first — and can call the unit."""

import pytest
from playwright.sync_api import expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.places.models import Place
from tests.browser.helpers import PHONE, login, open_details

pytestmark = pytest.mark.browser
CREW = "花园街社区红色汇治维修队"


def test_staff_let_grid_workers_dispatch_drains_and_the_worker_does(new_page, shot):
    drain = Category.objects.get(code="1105")
    staff = new_page()
    login(staff, "huayuan_staff")
    staff.goto("/console/categories/grid-dispatch/")
    box = staff.locator(f"input[name=category][value='{drain.pk}']")
    expect(box).not_to_be_checked()
    box.check()
    shot(staff, "staff-tick-blocked-drains")
    with staff.expect_navigation():
        staff.locator("button.primary").click()
    expect(staff.locator(f"input[name=category][value='{drain.pk}']")).to_be_checked()

    case = case_report(
        actor=User.objects.get(username="gridworker"),
        category=drain,
        title="扬天小区11栋下水道堵塞",
        description="污水漫到人行道上。",
        source=Source.PATROL,
        place=Place.objects.get(parent__name="扬天小区", name="11栋"),
    )
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto(f"/console/cases/{case.pk}/")
    with worker.expect_navigation():
        open_details(worker, "details.action[data-action=accept]").locator("button").last.click()
    dispatch = open_details(worker, "details.action[data-action=dispatch]")
    unit = dispatch.locator("select[name=unit]")
    expect(unit.locator("optgroup").first).to_have_attribute("label", "派遣规则建议")
    expect(unit.locator("option:checked")).to_have_text(CREW)
    shot(worker, "worker-dispatches-to-the-crew")
    with worker.expect_navigation():
        dispatch.locator("button").last.click()
    expect(worker.locator("#handling-unit")).to_have_text(CREW)
    expect(worker.locator("form.call-form button")).to_be_visible()  # call the crew in one tap
    assert worker.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
    shot(worker, "worker-case-dispatched")
    assert Case.objects.get(pk=case.pk).status == "dispatched"


def test_without_the_leave_the_worker_is_offered_neither_step(new_page):
    case = case_report(
        actor=User.objects.get(username="gridworker"),
        category=Category.objects.get(code="0101"),
        title="扬天小区11栋门口垃圾",
        description="无人清运。",
        source=Source.PATROL,
        place=Place.objects.get(parent__name="扬天小区", name="11栋"),
    )
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto(f"/console/cases/{case.pk}/")
    expect(worker.locator("details.action[data-action=accept]")).to_have_count(0)
    expect(worker.locator("details.action[data-action=dispatch]")).to_have_count(0)
