"""The care staff's own pages (邻里守望·托育·志愿服务·养老服务站) through the browser.

- 凤凰社区's staff run the childcare register: a stranger trying to collect a child is refused,
  the child stays, and an urgent alert shows until staff clear it with what was done; the
  authorised adult then collects the child.
- They keep the volunteers' commendation list: hours for a future day are refused, and the list
  exports as .xlsx ranked by points.
- The station's operator sees the week, is refused a check-in outside the check-in window,
  plans a session (one ending before it starts is refused) and checks a resident in to it.

Steps are found by ids, names and data attributes; messages are asserted in the Chinese of
huizhi/locale/zh_Hans/LC_MESSAGES/django.po.
"""

import re
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from huizhi.accounts.models import User
from huizhi.care import selectors
from huizhi.care.kinds import AlertKind
from huizhi.care.models import CareAlert, CareSession, ChildcareAttendance, SessionEnrolment
from huizhi.care.permissions import centres_visible_to, stations_visible_to
from tests.browser.helpers import login

STRANGER = "陌生人张三"
HEADER = ["排名", "姓名", "技能特长", "活动次数", "已确认时长", "积分"]
CHECK_IN_WINDOW = "签到在活动开始前一小时开放，活动结束时关闭。"


def _child_in_today():
    """An enrolment of 凤凰社区's centre checked in today and not yet collected, with its adults."""
    staff = User.objects.get(username="fenghuang_staff")
    day = (
        ChildcareAttendance.objects.filter(
            day=timezone.localdate(),
            picked_up_at__isnull=True,
            enrolment__klass__centre__in=centres_visible_to(staff),
        )
        .select_related("enrolment__child")
        .order_by("enrolment_id")
        .first()
    )
    assert day is not None, "the demo checks children in today"
    enrolment = day.enrolment
    adults = list(enrolment.adults.all())
    assert adults and all(a.name != STRANGER for a in adults)
    return enrolment, adults[0]


def test_unauthorised_pick_up_is_refused_and_alerts_staff(page, shot):
    enrolment, adult = _child_in_today()
    child = enrolment.child.name

    login(page, "fenghuang_staff")
    page.goto("/console/care/childcare/")
    row = page.locator(f"tr[data-enrolment='{enrolment.pk}']")
    expect(row).to_contain_text(child)
    expect(page.locator(".care-alert[data-kind=unauthorised_pickup]")).to_have_count(0)
    release = row.locator("form[action='/console/care/childcare/pick-up/']")
    expect(release.locator("input[name=collected_by]")).to_be_visible()
    row.scroll_into_view_if_needed()
    shot(page, "childcare-register")

    # 1. Someone not on the child's list tries to collect: refused, and an urgent alert shows.
    release.locator("input[name=collected_by]").fill(STRANGER)
    # The adults' names are offered as a suggestion list under the box; leaving the box puts it away
    # (headless chromium otherwise spends the tap on closing the list).
    release.locator("input[name=collected_by]").blur()
    shot(page, "stranger-at-the-door")
    with page.expect_navigation():
        release.locator("button").click()
    expect(page).to_have_url("/console/care/childcare/")
    expect(page.locator("ul.messages li.error")).to_have_text(
        f"{STRANGER}不是{child}的授权接送人。请让孩子留在中心，已通知中心工作人员。"
    )
    alert = page.locator(".care-alert[data-kind=unauthorised_pickup]")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text(f"{STRANGER}试图接走{child}")
    expect(alert).to_contain_text("但不是授权接送人")
    # The child is still here, waiting to be collected.
    row = page.locator(f"tr[data-enrolment='{enrolment.pk}']")
    expect(row.locator("input[name=collected_by]")).to_be_visible()
    assert ChildcareAttendance.objects.get(enrolment=enrolment, day=timezone.localdate()).picked_up_at is None
    shot(page, "refused-and-alert-shown")

    # 2. Staff clear the alert, saying what was done.
    note = "已电话联系家长核实，陌生人已离开，孩子留在中心等家长。"
    clear = alert.locator("form[data-clear-alert]")
    clear.locator("input[name=note]").fill(note)
    shot(page, "staff-clear-the-alert")
    with page.expect_navigation():
        clear.locator("button").click()
    expect(page).to_have_url("/console/care/childcare/")
    expect(page.locator("ul.messages li.success")).to_have_text("预警已解除。")
    expect(page.locator(".care-alert[data-kind=unauthorised_pickup]")).to_have_count(0)
    cleared = CareAlert.objects.get(kind=AlertKind.UNAUTHORISED_PICKUP, enrolment=enrolment)
    assert cleared.cleared_note == note and cleared.cleared_by.username == "fenghuang_staff"
    shot(page, "alert-cleared")

    # 3. The authorised adult collects the child.
    row = page.locator(f"tr[data-enrolment='{enrolment.pk}']")
    row.locator("input[name=collected_by]").fill(adult.name)
    with page.expect_navigation():
        row.locator("form[action='/console/care/childcare/pick-up/'] button").click()
    expect(page.locator("ul.messages li.success")).to_have_text(f"{child}已由{adult.name}接走。")
    row = page.locator(f"tr[data-enrolment='{enrolment.pk}']")
    expect(row).to_contain_text(adult.name)
    expect(row.locator("input[name=collected_by]")).to_have_count(0)
    row.scroll_into_view_if_needed()
    shot(page, "collected-by-the-authorised-adult")


def test_volunteer_commendation_list_exports_ranked_by_points(page, shot, tmp_path):
    login(page, "fenghuang_staff")
    page.goto("/console/care/volunteers/")
    rows = page.locator("#ranking tbody tr[data-volunteer]")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 2, "the demo has volunteers in 凤凰社区"
    names = [row.locator("td").nth(1).inner_text().strip() for row in rows.all()]
    points = [int(row.locator("td[data-points]").get_attribute("data-points")) for row in rows.all()]
    assert points == sorted(points, reverse=True), f"the list is not ranked by points: {points}"
    shot(page, "volunteer-ranking")

    # 1. Hours for a day that has not come yet are refused with the reason.
    tomorrow = timezone.localdate() + timedelta(days=1)
    hours = page.locator("#hours-form")
    hours.locator("select[name=volunteer]").select_option(index=1)
    hours.locator("select[name=activity]").select_option(index=1)
    hours.locator("input[name=served_on]").fill(tomorrow.isoformat())
    hours.locator("input[name=hours]").fill("2")
    shot(page, "hours-for-tomorrow")
    with page.expect_navigation():
        hours.locator("button").click()
    refused = page.locator("#hours-form [data-refused]")
    expect(refused).to_contain_text(f"不能为未来日期（{tomorrow.isoformat()}）登记时长。")
    expect(page.locator("ul.messages li.success")).to_have_count(0)
    refused.scroll_into_view_if_needed()
    shot(page, "future-hours-refused")

    # 2. The commendation list downloads as a workbook with the same ranking.
    page.goto("/console/care/volunteers/")
    with page.expect_download() as download_info:
        page.locator("a[data-export]").click()
    download = download_info.value
    assert re.fullmatch(r"volunteers-\d{8}\.xlsx", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert sheet.title == "志愿者"
    assert table[0] == HEADER
    body = table[1:]
    assert [r[0] for r in body] == list(range(1, count + 1))
    assert [r[1] for r in body] == names
    assert [r[5] for r in body] == points
    assert [r[5] for r in body] == sorted((r[5] for r in body), reverse=True)
    shot(page, "after-export")


def _session_outside_window(station) -> SessionEnrolment:
    """An enrolment not yet checked in, in a session whose check-in opens in more than an hour."""
    later = timezone.now() + timedelta(hours=2)
    enrolment = (
        SessionEnrolment.objects.filter(
            session__station=station, session__starts_at__gt=later, attended_at__isnull=True
        )
        .select_related("session", "resident")
        .order_by("session__starts_at", "pk")
        .first()
    )
    assert enrolment is not None, "the demo plans the station's coming sessions"
    return enrolment


def test_operator_sees_the_week_and_checks_a_resident_in(page, shot):
    operator = User.objects.get(username="care_operator")
    station = stations_visible_to(operator).get()
    waiting = _session_outside_window(station)
    service = station.services.filter(is_active=True).order_by("pk").first()

    # 1. The operator's station page: this week's sessions, today's marked.
    login(page, "care_operator")
    page.goto("/console/care/station/")
    expect(page).to_have_url(f"/console/care/station/{station.pk}/")
    expect(page.locator("h1")).to_contain_text(station.name)
    monday = selectors.week_start(timezone.localdate())
    expect(page.locator("strong[data-week]")).to_have_attribute("data-week", monday.isoformat())
    this_week = CareSession.objects.filter(
        station=station,
        starts_at__date__gte=monday,
        starts_at__date__lt=monday + timedelta(days=7),
    ).count()
    expect(page.locator("tr[data-session]")).to_have_count(this_week)
    shot(page, "operator-station-week")

    # 2. Checking in for a session that starts later is refused with the reason.
    page.goto(f"/console/care/sessions/{waiting.session_id}/")
    row = page.locator(f"tr[data-enrolment='{waiting.pk}']")
    expect(row).to_contain_text(waiting.resident.name)
    with page.expect_navigation():
        row.locator("button").click()
    expect(page).to_have_url(f"/console/care/sessions/{waiting.session_id}/")
    expect(page.locator("ul.messages li.error")).to_have_text(CHECK_IN_WINDOW)
    waiting.refresh_from_db()
    assert waiting.attended_at is None
    shot(page, "check-in-outside-the-window-refused")

    # 3. Planning a session that ends before it starts is refused.
    starts = timezone.localtime(timezone.now() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    page.goto(f"/console/care/station/{station.pk}/")
    plan = page.locator("main form.card")
    plan.locator("select[name=service]").select_option(str(service.pk))
    plan.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    plan.locator("input[name=ends_at]").fill((starts - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    plan.locator("input[name=venue]").fill("服务站活动室")
    plan.locator("input[name=capacity]").fill("10")
    plan.locator("input[name=lead]").fill("吴秀英")
    with page.expect_navigation():
        plan.locator("button").click()
    expect(page.locator("main form.card [data-refused]")).to_have_text("结束时间须晚于开始时间。")
    plan.scroll_into_view_if_needed()
    shot(page, "session-ending-before-it-starts-refused")

    # 4. A session starting in half an hour: check-in is already open for it.
    plan = page.locator("main form.card")
    plan.locator("input[name=ends_at]").fill((starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    with page.expect_navigation():
        plan.locator("button").click()
    expect(page.locator("ul.messages li.success")).to_contain_text("已安排活动场次：")
    session = CareSession.objects.filter(station=station).order_by("-pk").first()
    assert session.starts_at == starts
    planned = page.locator(f"tr[data-session='{session.pk}']")
    expect(planned).to_contain_text(service.name)
    shot(page, "session-planned")

    # 5. The operator enrols a resident and checks them in.
    with page.expect_navigation():
        planned.locator(f"a[href='/console/care/sessions/{session.pk}/']").click()
    enrol = page.locator("main form.card")
    choice = enrol.locator("select[name=resident] option[value]:not([value=''])").first
    resident_name = choice.inner_text().split(" (")[0]
    enrol.locator("select[name=resident]").select_option(choice.get_attribute("value"))
    with page.expect_navigation():
        enrol.locator("button").click()
    expect(page.locator("ul.messages li.success")).to_have_text(f"已为{resident_name}报名。")
    row = page.locator("tr[data-enrolment]", has_text=resident_name)
    expect(row).to_have_count(1)
    shot(page, "resident-enrolled")
    with page.expect_navigation():
        row.locator("button").click()
    row = page.locator("tr[data-enrolment]", has_text=resident_name)
    expect(row.locator(".status")).to_contain_text(re.compile(r"已签到 \d{2}:\d{2}"))
    expect(page.locator("ul.messages li.error")).to_have_count(0)
    assert SessionEnrolment.objects.get(session=session).attended_at is not None
    shot(page, "resident-checked-in")
