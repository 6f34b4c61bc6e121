"""The article's drain story through the browser (DESIGN §1, §4): 网格员发现上报—纪检委员跟进—联系快速行动.

A grid worker on patrol reports a blocked drain at 扬天小区 11栋 from a phone; community staff accept
it and dispatch it to the routed repair crew; the discipline commissioner sees it near due and issues
a supervision notice; the crew answers, fixes it and reports back with a photo; the grid worker
verifies, closes and rates it. Every step is a separate person in a separate browser context.

Statuses are asserted as data attributes (`data-status`) and as the Chinese label a person reads.
"""

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import Source
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.site.demo.cases import demo_photo
from tests.browser.helpers import PHONE, login, pick_place

CREW = "花园街社区红色汇治维修队"
CITY_BUREAU = "琅琊区城市管理局"
TITLE = "扬天小区11栋门前下水道堵塞"
EVERY_STEP = [
    "report",
    "accept",
    "dispatch",
    "supervise",
    "supervision_reply",
    "start",
    "report_result",
    "verify",
    "rate",
]


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    """A small JPEG standing in for what the phone's camera took."""
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).rectangle((20, 150, 300, 220), fill=(80, 80, 80))
    path = folder / f"{name}.jpg"
    image.save(path, format="JPEG")
    return path


def _expect_status(page: Page, status: str, label: str) -> None:
    expect(page.locator(f".case-head[data-status={status}]")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text(label)


def _success(page: Page):
    return page.locator("ul.messages li.success")


def _action(page: Page, action: str):
    """The action form `action`, unfolded (only the first one on the page starts open)."""
    details = page.locator(f"details.action[data-action={action}]")
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def _submit(page: Page, scope) -> None:
    with page.expect_navigation():
        scope.locator("button").last.click()


def _action_names(page: Page) -> list[str]:
    return [d.get_attribute("data-action") for d in page.locator("details.action").all()]


def _timeline(page: Page) -> list[str]:
    return [li.get_attribute("data-event") for li in page.locator("ol.timeline li[data-event]").all()]


def test_drain_story_from_patrol_to_rating(new_page, shot, tmp_path):
    # 1. The grid worker on patrol reports the blocked drain from a phone.
    worker = new_page(**PHONE)
    login(worker, "gridworker")
    response = worker.goto("/m/report/")
    assert response.status == 200
    form = worker.locator("#report-form")
    drain = form.locator("select[name=category] option", has_text=re.compile(r"^\s*1105"))
    expect(drain).to_have_count(1)
    expect(drain).to_contain_text("下水管道堵塞")
    form.locator("select[name=category]").select_option(drain.get_attribute("value"))
    form.locator("input[name=title]").fill(TITLE)
    form.locator("textarea[name=description]").fill(
        "11栋单元门前下水道堵塞，污水漫到人行道上，居民出行不便。"
    )
    # Typed as the worker says it, never scrolled for in a list of the street's 891 places.
    pick_place(form, "place", "扬天 11", "扬天小区 11栋")
    form.locator("input[name=photos]").set_input_files(_photo(tmp_path, "before", (130, 100, 60)))
    shot(worker, "worker-fills-the-report")
    with worker.expect_navigation():
        form.locator("button[type=submit]").click()
    match = re.search(r"/console/cases/(\d+)/$", worker.url)
    assert match, f"the report did not land on its case page: {worker.url}"
    case = Case.objects.select_related("place__parent", "reporter").get(pk=int(match.group(1)))
    assert (case.title, case.reporter.username) == (TITLE, "gridworker")
    assert (case.place.parent.name, case.place.name, case.category.code) == ("扬天小区", "11栋", "1105")
    _expect_status(worker, "reported", "已上报")
    expect(_success(worker)).to_contain_text(case.reference)
    expect(worker.locator("h1")).to_have_text(TITLE)
    report_event = worker.locator("li[data-event=report]")
    expect(report_event.locator(".photos img")).to_have_count(1)
    expect(report_event.locator(".photos img")).to_have_js_property("complete", True)
    shot(worker, "worker-sees-the-case-reported")

    # 2. Community staff accept it and dispatch it to the unit the routing suggests.
    staff = new_page()
    login(staff, "huayuan_staff")
    staff.goto("/console/cases/")
    row = staff.locator(f"tr[data-case='{case.pk}']")
    expect(row).to_have_attribute("data-status", "reported")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("扬天小区")
    shot(staff, "staff-queue-shows-the-new-case")
    with staff.expect_navigation():
        row.get_by_role("link").click()
    expect(staff).to_have_url(f"/console/cases/{case.pk}/")
    _expect_status(staff, "reported", "已上报")
    shot(staff, "staff-opens-the-case")
    _submit(staff, _action(staff, "accept"))
    _expect_status(staff, "accepted", "已受理")

    crew = Organisation.objects.get(name=CREW)
    dispatch = _action(staff, "dispatch")
    unit = dispatch.locator("select[name=unit]")
    expect(unit).to_have_value(str(crew.pk))  # 扬天小区 has no property company: the community's crew
    expect(unit.locator("option:checked")).to_have_text(CREW)
    shot(staff, "staff-dispatch-prefilled-with-the-crew")
    _submit(staff, dispatch)
    _expect_status(staff, "dispatched", "已派遣")
    expect(staff.locator("#handling-unit")).to_have_text(CREW)
    expect(staff.locator("li[data-event=dispatch]")).to_contain_text(CREW)
    shot(staff, "staff-case-dispatched")

    # 3. The discipline commissioner follows it up once it is near due. The handling limit of a
    # blocked drain is four hours; rather than wait, move the case's near-due mark into the past,
    # as if the clock had run on to under 20% left (the deadline itself stays ahead).
    Case.objects.filter(pk=case.pk).update(handle_warn_at=timezone.now() - timedelta(minutes=1))
    commissioner = new_page()
    login(commissioner, "commissioner")
    commissioner.goto("/console/supervision/")
    row = commissioner.locator(f"tr[data-case='{case.pk}']")
    expect(row).to_have_attribute("data-status", "dispatched")
    expect(row.locator("[data-clock=yellow]")).to_be_visible()
    expect(row).to_contain_text(CREW)
    shot(commissioner, "commissioner-supervision-queue")
    with commissioner.expect_navigation():
        row.get_by_role("link").click()
    _expect_status(commissioner, "dispatched", "已派遣")
    expect(commissioner.locator(".case-head [data-clock=yellow]")).to_be_visible()
    # The commissioner follows up; they cannot move the case on.
    assert _action_names(commissioner) == ["supervise"]
    supervise = _action(commissioner, "supervise")
    requirement = "污水外溢影响居民出行，请一小时内到场疏通并回复。"
    supervise.locator("textarea[name=requirement]").fill(requirement)
    reply_by = timezone.localtime(timezone.now() + timedelta(hours=1))
    supervise.locator("input[name=reply_due_at]").fill(reply_by.strftime("%Y-%m-%dT%H:%M"))
    shot(commissioner, "commissioner-writes-the-notice")
    _submit(commissioner, supervise)
    expect(_success(commissioner)).to_contain_text(CREW)
    _expect_status(commissioner, "dispatched", "已派遣")  # a notice does not change the case
    assert _action_names(commissioner) == ["supervise"]
    notice = case.supervision_notices.get()
    card = commissioner.locator(f".notice[data-notice='{notice.pk}']")
    expect(card).to_contain_text(requirement)
    expect(card).to_contain_text(reply_by.strftime("%Y-%m-%d %H:%M"))
    expect(card.locator("form")).to_have_count(0)  # only the unit answers it
    expect(commissioner.locator("li[data-event=supervise]")).to_contain_text(requirement)
    shot(commissioner, "commissioner-notice-in-the-timeline")

    # 4. The repair crew, on a phone, answers the notice, fixes the drain and reports back.
    fixer = new_page(**PHONE)
    login(fixer, "repair_crew")
    fixer.goto("/m/tasks/")
    task = fixer.locator(f"a.task[data-case='{case.pk}']")
    expect(task).to_contain_text(TITLE)
    expect(task.locator(".status-dispatched")).to_have_text("已派遣")
    expect(task.locator("[data-clock=yellow]")).to_be_visible()
    shot(fixer, "crew-task-list")
    with fixer.expect_navigation():
        task.click()
    _expect_status(fixer, "dispatched", "已派遣")
    card = fixer.locator(f".notice[data-notice='{notice.pk}']")
    expect(card).to_contain_text(requirement)
    reply = "已安排两名维修人员赶赴现场疏通。"
    card.locator("textarea[name=reply]").fill(reply)
    shot(fixer, "crew-answers-the-notice")
    _submit(fixer, card)
    expect(card).to_contain_text(reply)
    expect(card.locator("form")).to_have_count(0)
    expect(fixer.locator("li[data-event=supervision_reply]")).to_contain_text(reply)
    _submit(fixer, _action(fixer, "start"))
    _expect_status(fixer, "handling", "处置中")
    shot(fixer, "crew-starts-handling")
    result = _action(fixer, "report_result")
    note = "清出管道内塑料袋和淤泥，排水恢复正常，现场已冲洗干净。"
    result.locator("textarea[name=note]").fill(note)
    result.locator("input[name=photos]").set_input_files(_photo(tmp_path, "after", (60, 120, 160)))
    shot(fixer, "crew-reports-the-result")
    _submit(fixer, result)
    _expect_status(fixer, "handled", "已处置")
    result_event = fixer.locator("li[data-event=report_result]")
    expect(result_event).to_contain_text(note)
    expect(result_event.locator(".photos img")).to_have_count(1)
    # The crew cannot check its own work.
    assert _action_names(fixer) == []
    shot(fixer, "crew-case-handled")

    # 5. The grid worker checks it on site, closes it and, as the one who reported it, rates it.
    worker.goto(f"/console/cases/{case.pk}/")
    _expect_status(worker, "handled", "已处置")
    expect(worker.locator("li[data-event=report_result]")).to_contain_text(note)
    shot(worker, "worker-checks-the-result")
    _submit(worker, _action(worker, "verify"))
    _expect_status(worker, "closed", "已结案")
    rating = worker.locator("#rating-form")
    rating.get_by_label("满意", exact=True).check()
    rating.locator("textarea[name=comment]").fill("疏通及时，居民满意。")
    shot(worker, "worker-rates-it")
    _submit(worker, rating)
    expect(_success(worker)).to_be_visible()
    expect(worker.locator("#case-rating")).to_have_text("满意")
    expect(worker.locator("#rating-form")).to_have_count(0)
    _expect_status(worker, "closed", "已结案")
    assert _timeline(worker) == EVERY_STEP
    expect(worker.locator("li[data-event=rate]")).to_contain_text("疏通及时")
    shot(worker, "worker-sees-the-whole-story")

    case.refresh_from_db()
    assert (case.status, case.rating, case.handling_unit_id) == ("closed", "satisfied", crew.pk)


def test_a_case_is_shown_only_to_those_it_concerns(new_page, shot):
    """A resident cannot open someone else's drain case; the crew sees only what is dispatched to it."""
    users = {u.username: u for u in User.objects.filter(username__in=["gridworker", "huayuan_staff"])}
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")
    drain = case_report(
        actor=users["gridworker"],
        category=Category.objects.get(code="1105"),
        source=Source.PATROL,
        title=TITLE,
        description="11栋单元门前下水道堵塞。",
        place=building,
    )
    case_transition(actor=users["huayuan_staff"], case_id=drain.pk, action="accept")
    case_transition(
        actor=users["huayuan_staff"],
        case_id=drain.pk,
        action="dispatch",
        unit=Organisation.objects.get(name=CREW),
    )
    # Same compound, another problem, another unit: street lights go to the city bureau.
    light = case_report(
        actor=users["gridworker"],
        category=Category.objects.get(code="0602"),
        source=Source.PATROL,
        title="扬天小区路灯不亮",
        description="扬天小区北门路灯夜间不亮。",
        place=building.parent,
    )
    case_transition(actor=users["huayuan_staff"], case_id=light.pk, action="accept")
    case_transition(
        actor=users["huayuan_staff"],
        case_id=light.pk,
        action="dispatch",
        unit=Organisation.objects.get(name=CITY_BUREAU),
    )

    resident = new_page(**PHONE)
    login(resident, "13900000002")
    response = resident.goto(f"/console/cases/{drain.pk}/")
    assert response.status == 404
    main = resident.locator("main").inner_text()
    assert TITLE not in main and drain.reference not in main
    expect(resident.locator(".case-head, details.action, ol.timeline")).to_have_count(0)
    shot(resident, "resident-gets-404-for-the-drain-case")

    crew = new_page(**PHONE)
    login(crew, "repair_crew")
    crew.goto("/m/tasks/")
    expect(crew.locator(f"a.task[data-case='{drain.pk}']")).to_be_visible()
    expect(crew.locator(f"a.task[data-case='{light.pk}']")).to_have_count(0)
    shot(crew, "crew-tasks-hold-only-its-own")
    response = crew.goto(f"/console/cases/{light.pk}/")
    assert response.status == 404
    main = crew.locator("main").inner_text()
    assert "路灯" not in main and light.reference not in main
    shot(crew, "crew-gets-404-for-the-other-units-case")


def test_rating_choices_sit_beside_their_labels_on_a_phone(new_page, shot):
    """The reporter's 满意 / 基本满意 / 不满意 read as three radio lines on a phone: each radio a small
    box at the start of its line, its label beside it."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["gridworker", "huayuan_staff", "repair_crew"])
    }
    case = case_report(
        actor=users["gridworker"],
        category=Category.objects.get(code="1105"),
        source=Source.PATROL,
        title=TITLE,
        description="11栋单元门前下水道堵塞。",
        place=Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区"),
    )
    for actor, action, extra in [
        ("huayuan_staff", "accept", {}),
        ("huayuan_staff", "dispatch", {"unit": Organisation.objects.get(name=CREW)}),
        ("repair_crew", "start", {}),
        (
            "repair_crew",
            "report_result",
            {"note": "已疏通。", "photos": [demo_photo("after", (60, 120, 160))]},
        ),
        ("gridworker", "verify", {}),
    ]:
        case_transition(actor=users[actor], case_id=case.pk, action=action, **extra)

    worker = new_page(**PHONE)
    login(worker, "gridworker")
    worker.goto(f"/console/cases/{case.pk}/")
    choices = worker.locator("#rating-form label:has(input[type=radio])")
    expect(choices).to_have_count(3)
    shot(worker, "rating-choices")
    for choice in choices.all():
        label, radio = choice.bounding_box(), choice.locator("input").bounding_box()
        line = choice.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
        name = choice.inner_text().strip()
        # The radio is a small box at the start of the line, its label right beside it.
        assert radio["width"] < 2 * line, (
            f"the radio of {name} is {radio['width']:.0f}px wide, drawn mid-line"
        )
        assert label["height"] < 2 * line, (
            f"{name} takes two lines ({label['height']:.0f}px): radio above text"
        )
