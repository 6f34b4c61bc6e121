"""The empty-nest watch on a phone (邻里守望·情暖空巢): a watcher logs a "needs help" visit that
becomes a case, then finds another elder not in twice; the urgent alert shows at the top of the
watcher's page and on the community staff's watch dashboard. A parent enrols their younger child
in the coming summer's care class (爱心托管班) from the care page.

Labels may be Chinese or English while translation goes on, so the journey asserts on data
attributes, case references, names (data) and counts.
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from huizhi.accounts.models import User
from huizhi.care.models import CareAlert, SummerEnrolment, SummerTerm, WatchedResident
from huizhi.care.selectors import to_contact_today
from huizhi.cases.models import Case
from tests.browser.helpers import login


def _two_elders_to_contact():
    worker = User.objects.get(username="fenghuang_gridworker")
    entries = [e for e in to_contact_today(worker, timezone.now()) if e.misses == 0]
    assert len(entries) >= 2, "the demo gives the grid worker elders to contact today"
    return entries[0], entries[1]


def test_watcher_logs_needs_help_then_two_misses_raise_the_alert(phone_page, new_page, shot):
    page = phone_page
    needs_help, missing = _two_elders_to_contact()
    alerts_before = CareAlert.objects.active().filter(kind="not_reached").count()

    login(page, "fenghuang_gridworker")
    page.goto("/m/care/watch/")
    cards = page.locator("section.care-watch")
    expect(cards.first).to_be_visible()
    count = cards.count()
    expect(page.locator(".care-alert")).to_have_count(alerts_before)
    shot(page, "who-to-contact-today")

    # 1. A visit finds the first elder needs help: one step opens a case.
    card = page.locator(f"section[data-resident='{needs_help.resident_id}']")
    expect(card.locator("h2")).to_contain_text(needs_help.resident.name)
    card.locator("input[name=outcome][value=needs_help]").check()
    card.locator("textarea[name=note]").fill("卫生间灯坏了，老人夜里起身看不见，需要上门更换。")
    shot(page, "needs-help-filled")
    card.locator("form.care-contact button").click()
    message = page.locator(".messages li").first
    expect(message).to_contain_text(re.compile(r"HZ\d{7}"))
    reference = re.search(r"HZ\d{7}", message.inner_text()).group(0)
    case = Case.objects.get(pk=int(reference[2:]))
    assert case.source == "visit" and needs_help.resident.name in case.title
    # Reached: off today's list.
    expect(page.locator(f"section[data-resident='{needs_help.resident_id}']")).to_have_count(0)
    expect(cards).to_have_count(count - 1)
    shot(page, "case-opened")

    # 2. The second elder does not answer, twice in a row.
    for attempt in (1, 2):
        card = page.locator(f"section[data-resident='{missing.resident_id}']")
        card.locator("input[name=outcome][value=not_reached]").check()
        card.locator("select[name=method]").select_option("call" if attempt == 1 else "visit")
        card.locator("form.care-contact button").click()
        expect(page.locator(".messages li").first).to_contain_text(missing.resident.name)
        shot(page, f"not-reached-{attempt}")
        if attempt == 1:  # the next scheduled contact, hours later: a second tap at once counts once
            WatchedResident.objects.filter(pk=missing.pk).update(
                last_miss_at=timezone.now() - timedelta(hours=5)
            )
    alert = page.locator(".care-alert", has_text=missing.resident.name)
    expect(alert).to_have_count(1)
    expect(page.locator(".care-alert")).to_have_count(alerts_before + 1)
    expect(page.locator(f"section[data-resident='{missing.resident_id}'] .tag.warn")).to_be_visible()
    assert page.locator("main > *").first.get_attribute("class") == "care-alerts"  # at the very top
    shot(page, "alert-on-the-phone")

    # 3. The community staff see it at the top of their watch dashboard.
    desk = new_page()
    login(desk, "fenghuang_staff")
    desk.goto("/console/care/watch/")
    staff_alert = desk.locator(".care-alert", has_text=missing.resident.name)
    expect(staff_alert).to_be_visible()
    expect(desk.locator(".care-alert")).to_have_count(alerts_before + 1)
    watched = WatchedResident.objects.get(pk=missing.pk)
    expect(staff_alert.locator("a")).to_have_attribute("href", f"/console/care/watch/{watched.pk}/")
    shot(desk, "alert-on-the-dashboard")

    staff_alert.locator("a").click()
    expect(desk.locator("ul.timeline li[data-outcome=not_reached]")).to_have_count(2)
    shot(desk, "watched-elder-timeline")


def test_a_parent_enrols_the_younger_child_in_the_coming_summer(phone_page, shot):
    """The demo's coming summer is announced and takes children before it starts: the parent's
    elder child is enrolled already, the younger one waits for a tap."""
    page = phone_page
    parent = User.objects.get(username="care_parent").resident
    term = SummerTerm.objects.get(community_code=parent.place_code[:12], starts_on__gt=timezone.localdate())
    household = parent.household.residents.exclude(pk=parent.pk)
    waiting = [r for r in household if not term.enrolments.filter(child=r).exists()]
    assert len(waiting) == 1, "the demo leaves the younger child to enrol"
    child = waiting[0]

    login(page, "care_parent")
    page.goto("/care/")
    expect(page.locator("h2", has_text=term.name)).to_be_visible()
    enrol = page.locator(
        f"form[action='/care/summer/{term.pk}/enrol/']:has(input[name=child][value='{child.pk}'])"
    )
    expect(enrol).to_have_count(1)
    shot(page, "summer-class-on-the-care-page")
    enrol.locator("button").click()
    expect(page.locator(".messages li").first).to_contain_text(child.name)
    expect(enrol).to_have_count(0)
    shot(page, "younger-child-enrolled")
    assert SummerEnrolment.objects.filter(term=term, child=child, parent=parent).exists()
