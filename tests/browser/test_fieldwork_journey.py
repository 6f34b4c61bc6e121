"""The grid worker's day (DESIGN §15, issue 18) on a 390 px phone: 王建军 starts a patrol, checks in
at 扬天小区 11栋 with the phone's location, files a problem he fixed on the spot with before and after
photos, logs a visit to an overdue elderly household whose need becomes a topic for the community's
consultation meeting, and stops the patrol; 花园街社区's staff then
read the patrol log, the route and spot-check the fix. Screenshots at 390 px and desktop, axe on each."""

import re
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from huizhi.cases.models import Category
from huizhi.fieldwork.models import Patrol, SpotFix, Visit
from huizhi.meetings.models import AgendaItem
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.site.demo import fieldwork as demo_fieldwork
from tests.browser.helpers import PHONE, login

TITLE = "11栋门口共享单车倒地"
TOPIC = "11栋楼道加装扶手"


def _photo(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).rectangle((20, 150, 300, 220), fill=(80, 80, 80))
    path = folder / f"{name}.jpg"
    image.save(path, format="JPEG")
    return path


def test_a_grid_workers_day_on_patrol_and_the_staff_log(new_page, shot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    if not Patrol.objects.exists():  # until load_demo() runs the field-work demo itself
        demo_fieldwork.load()
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")
    category = Category.objects.get(code="0402")

    worker = new_page(
        **PHONE,
        geolocation={"longitude": building.lon + 0.0002, "latitude": building.lat},
        permissions=["geolocation"],
    )
    login(worker, "gridworker")

    # 1. The patrol page: last week's patrols, and a button to start.
    worker.goto("/m/patrol/")
    expect(worker.locator("#start-patrol")).to_be_visible()
    shot(worker, "patrol-not-started")
    worker.locator("#start-patrol").click()
    expect(worker.locator("[data-patrol]")).to_be_visible()

    # 2. Check in at 11栋 with the phone's location.
    form = worker.locator("#check-in-form")
    form.locator("select[name=place]").select_option(str(building.pk))
    form.locator("button[data-locate]").click()
    expect(form.locator("#check-in-location")).to_contain_text(f"{building.lon + 0.0002:.6f}")
    shot(worker, "check-in-with-location")
    form.locator("#check-in").click()
    expect(worker.locator("[data-route] li[data-check-in]")).to_have_count(1)
    expect(worker.locator("[data-route]")).to_contain_text("扬天小区 11栋")
    shot(worker, "checked-in")

    # 3. Found and fixed: before and after photos, closed at once.
    worker.locator("#found-and-fixed").click()
    fix = worker.locator("#fix-form")
    fix.locator("select[name=category]").select_option(str(category.pk))
    fix.locator("input[name=title]").fill(TITLE)
    fix.locator("select[name=place]").select_option(str(building.pk))
    fix.locator("textarea[name=description]").fill("三辆共享单车倒在单元门口，挡住轮椅坡道。")
    fix.locator("textarea[name=done]").fill("已扶起并挪到停放区，坡道畅通。")
    fix.locator("input[name=photos_before]").set_input_files(_photo(tmp_path, "before", (160, 110, 60)))
    fix.locator("input[name=photos_after]").set_input_files(_photo(tmp_path, "after", (60, 140, 90)))
    shot(worker, "found-and-fixed-form")
    fix.locator("#file-fix").click()
    expect(worker).to_have_url(re.compile(r"/m/patrol/$"))
    expect(worker.locator("[data-reports]")).to_contain_text(TITLE)
    shot(worker, "fix-filed-on-the-patrol")

    # 4. Household visits: the overdue first; log one.
    worker.goto("/m/visits/")
    first = worker.locator("[data-due] li[data-household]").first
    expect(first).to_have_attribute("data-overdue", "")
    shot(worker, "visits-overdue-first")
    household_id = int(first.get_attribute("data-household"))
    first.locator("a").click()
    visit = worker.locator("#visit-form")
    visit.locator("select[name=met]").select_option(index=1)
    visit.locator("textarea[name=needs]").fill("楼里老人多，上下楼没有扶手，想请社区议一议。")
    visit.locator("textarea[name=follow_up]").fill("议事会后告知结果。")
    # Only the field the chosen outcome asks for shows: none, then the topic.
    expect(visit.locator("input[name=topic]")).to_be_hidden()
    expect(visit.locator("select[name=category]")).to_be_hidden()
    visit.locator("input[name=need_becomes][value=agenda]").check()
    expect(visit.locator("input[name=topic]")).to_be_visible()
    expect(visit.locator("select[name=service_kind]")).to_be_hidden()
    visit.locator("input[name=topic]").fill(TOPIC)
    shot(worker, "visit-form-need-becomes-a-topic")
    visit.locator("#log-visit").click()
    expect(worker).to_have_url(re.compile(r"/m/visits/$"))
    expect(worker.locator(".messages")).to_be_visible()
    logged = Visit.objects.filter(household_id=household_id, worker__username="gridworker").latest("id")
    assert logged.agenda_item.title == TOPIC and logged.agenda_item.status == AgendaItem.Status.PENDING
    assert logged.agenda_item.community.name == "花园街社区"
    shot(worker, "visit-logged")
    worker.goto(f"/m/visits/{household_id}/")
    expect(worker.locator("[data-history]")).to_contain_text(TOPIC)

    # 5. Stop the patrol: the route on its page.
    worker.goto("/m/patrol/")
    worker.locator("#stop-patrol").click()
    expect(worker).to_have_url(re.compile(r"/console/patrols/\d+/$"))
    expect(worker.locator("#route-map")).to_have_attribute("data-drawn", "1")
    expect(worker.locator("[data-reports]")).to_contain_text(TITLE)
    shot(worker, "patrol-stopped-route")
    patrol = Patrol.objects.filter(worker__username="gridworker").order_by("-started_at").first()
    assert patrol.ended_at is not None and patrol.check_ins.count() == 1

    # 6. The staff read the log (desktop and phone), open the route, and check the fix.
    staff = new_page()
    login(staff, "huayuan_staff")
    staff.goto("/console/patrols/?period=week")
    expect(staff.locator("[data-log-rows]")).to_contain_text("王建军")
    shot(staff, "staff-patrol-log-week")
    staff.locator(f"[data-patrol='{patrol.pk}'] a").click()
    expect(staff.locator("#route-map")).to_have_attribute("data-drawn", "1")
    shot(staff, "staff-patrol-route")
    staff.goto("/console/patrols/spot-checks/")
    new_fix = SpotFix.objects.get(case__title=TITLE)
    card = staff.locator(f"[data-fix='{new_fix.pk}']")
    card.locator("select[name=result]").select_option("ok")
    card.locator(f"button[data-check-fix='{new_fix.pk}']").click()
    expect(staff.locator(f"[data-fix='{new_fix.pk}'] [data-check=ok]")).to_be_visible()
    shot(staff, "staff-spot-checked")

    staff_phone = new_page(**PHONE)
    login(staff_phone, "huayuan_staff")
    staff_phone.goto("/console/patrols/")
    expect(staff_phone.locator("[data-log-rows]")).to_contain_text("王建军")
    shot(staff_phone, "staff-patrol-log-phone")
    # Nothing scrolls sideways on the phone but the table inside its own scroller.
    assert staff_phone.evaluate("document.documentElement.scrollWidth") <= 390
