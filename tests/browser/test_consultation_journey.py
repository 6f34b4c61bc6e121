"""The consultation loop through the browser (DESIGN §8, issue 14): a resident's item on 三里亭社区's
problem wall → community staff send it to 第1自治小组's 协商议事会 and schedule the meeting at the
协商议事亭 with its parties → the organiser shows the sign-in QR code and the group's liaison, at 390 px,
opens its link and signs in (quorum reached) → the meeting votes a repair with an owner and a due date
→ a case is opened from the decision, worked and closed → the owner reports it done → the echo wall
and the item itself show the outcome; the month calendar and the public commendations on a phone.
Screenshots at 390 px (phones) and desktop, each checked by axe (the `shot` fixture).
"""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_transition
from huizhi.cases.states import Source, Status
from huizhi.meetings.models import Decision, Meeting, Venue
from huizhi.places.models import Organisation, Place
from huizhi.wall import services as wall
from huizhi.wall.models import Post, Stage
from huizhi.wall.tests.helpers import resident
from tests.browser.helpers import PHONE, login, open_details

TITLE = "4栋楼顶水箱锈蚀漏水"
MEETING = "4栋水箱维修协商议事会"
DECISION = "更换4栋楼顶锈蚀水箱，由社区红色汇治维修队两周内完成。"
CREW = "三里亭社区红色汇治维修队"


def _success(page: Page):
    return page.locator("ul.messages li.success")


def test_a_wall_item_is_consulted_on_signed_in_by_qr_decided_and_answered_on_the_echo_wall(new_page, shot):
    building = Place.objects.get(name="4栋", parent__name="三里亭人家")
    community = building.parent.parent.parent
    author = resident("13911998877")
    draft = wall.post_draft(
        actor=author,
        category=Category.objects.get(code="1104"),
        title=TITLE,
        description="楼顶水箱锈穿了，水顺着外墙往下流，冬天结冰很危险，需要全楼商量更换。",
        place=building,
    )
    post = wall.post_submit(actor=author, post_id=draft.pk)

    # 1. Staff send the item to consultation from the wall's triage page.
    staff = new_page()
    login(staff, "sanliting_staff")
    staff.goto(f"/console/wall/{post.pk}/")
    triage = staff.locator("#triage-form")
    triage.locator("input[name=outcome][value=agenda]").check()
    triage.locator("textarea[name=text]").fill("涉及全楼，提交第1自治小组协商议事会讨论。")
    shot(staff, "staff-sends-the-item-to-consultation")
    with staff.expect_navigation():
        triage.locator("button").last.click()
    expect(_success(staff)).to_contain_text(post.reference)
    post.refresh_from_db()
    assert post.stage == Stage.AGENDA and post.agenda_item.status == "pending"

    # 2. Staff look up the community's meeting places on the map, then schedule the group's meeting
    # (starting shortly) at its 协商议事亭 and invite its parties.
    staff.goto("/console/meetings/venues/")
    expect(staff.locator("#map")).to_have_attribute("data-drawn", re.compile(r"^[1-9]"))
    expect(staff.locator("#venue-list")).to_contain_text("三里亭人家协商议事亭")
    shot(staff, "staff-see-the-meeting-places-on-the-map")
    staff.goto("/console/meetings/")
    expect(staff.locator("nav.topnav a[href='/console/meetings/']")).to_have_count(1)
    with staff.expect_navigation():
        staff.locator("#new-meeting").click()
    form = staff.locator("#meeting-form")
    form.locator("select[name=kind]").select_option("consultation")
    form.locator("input[name=title]").fill(MEETING)
    form.locator("select[name=organiser]").select_option(label="三里亭人家4栋 第1自治小组")
    pavilion = Venue.objects.get(name="三里亭人家协商议事亭")
    form.locator("select[name=venue_place]").select_option(str(pavilion.pk))
    starts = timezone.localtime() + timedelta(minutes=20)
    form.locator("input[name=starts_at]").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=ends_at]").fill((starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=invite_roles][value=resident_rep]").check()
    form.locator("input[name=invite_roles][value=staff]").check()
    shot(staff, "staff-schedules-the-meeting")
    with staff.expect_navigation():
        form.locator("button").last.click()
    match = re.search(r"/console/meetings/(\d+)/$", staff.url)
    assert match, f"scheduling did not land on the meeting page: {staff.url}"
    meeting = Meeting.objects.get(pk=int(match.group(1)))
    assert meeting.title == MEETING and meeting.organiser_group.name == "第1自治小组"
    assert (meeting.venue_place, meeting.venue) == (pavilion, "三里亭人家协商议事亭")
    liaison = User.objects.get(username="liaison")
    expect(staff.locator(f"li[data-invitee='{liaison.pk}']")).to_have_attribute("data-present", "no")

    agenda = open_details(staff, "details.action:has(#agenda-form)")
    agenda.locator("select[name=agenda_item]").select_option(label=TITLE)
    with staff.expect_navigation():
        agenda.locator("button").last.click()
    expect(staff.locator(f"li[data-agenda-item='{post.agenda_item.pk}']")).to_contain_text(TITLE)
    shot(staff, "meeting-page-with-agenda-and-sheet")

    # 3. The organiser shows the QR code; the liaison, invited, scans it on the phone and signs in.
    expect(staff.locator("#quorum")).to_have_attribute("data-quorum", "no")
    open_details(staff, "#qr-sign-in")
    expect(staff.locator("#qr-sign-in svg")).to_be_visible()
    shot(staff, "organiser-shows-the-sign-in-qr-code")
    qr_link = staff.locator("#sign-in-link").get_attribute("href")
    assert qr_link and f"/m/meetings/{meeting.pk}/sign-in/?t={meeting.sign_in_token}" in qr_link

    phone = new_page(**PHONE)
    login(phone, "liaison")
    phone.goto(f"/m/meetings/{meeting.pk}/sign-in/")  # without the code: told to scan it
    expect(phone.locator("#scan-to-sign-in")).to_be_visible()
    expect(phone.locator("#sign-in-form")).to_have_count(0)
    shot(phone, "liaison-without-the-code")
    phone.goto(qr_link)
    expect(phone.locator("h1")).to_have_text(MEETING)
    shot(phone, "liaison-phone-sign-in-from-the-qr-code")
    with phone.expect_navigation():
        phone.locator("#sign-in-form button").click()
    expect(phone.locator("#signed-in")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the sign-in page scrolls sideways"
    shot(phone, "liaison-signed-in")
    phone.goto(qr_link)  # scanned again: already signed in, nothing new
    expect(phone.locator("#signed-in")).to_be_visible()
    expect(phone.locator("#sign-in-form")).to_have_count(0)

    # 4. The meeting begins; staff record the decision the liaison voted for, with owner and due date.
    Meeting.objects.filter(pk=meeting.pk).update(
        starts_at=timezone.now() - timedelta(minutes=5), ends_at=timezone.now() + timedelta(minutes=55)
    )
    staff.goto(f"/console/meetings/{meeting.pk}/")
    expect(staff.locator(f"li[data-invitee='{liaison.pk}']")).to_have_attribute("data-present", "yes")
    expect(staff.locator("#quorum")).to_have_attribute("data-quorum", "yes")
    record = open_details(staff, "#record-decision")
    record.locator("textarea[name=text]").fill(DECISION)
    record.locator("select[name=agenda_item]").select_option(label=TITLE)
    record.locator("input[name=method][value=vote]").check()
    record.locator(f"select[name=vote_{liaison.pk}]").select_option("for")
    crew = Organisation.objects.get(name=CREW)
    record.locator("select[name=owner]").select_option(f"organisation:{crew.pk}")
    due = timezone.localdate() + timedelta(days=14)
    record.locator("input[name=due_date]").fill(due.isoformat())
    shot(staff, "staff-records-the-decision")
    with staff.expect_navigation():
        record.locator("button").last.click()
    decision = Decision.objects.get(meeting=meeting)
    assert (decision.votes_for, decision.owner_organisation, decision.due_date) == (1, crew, due)
    card = staff.locator(f"article[data-decision='{decision.pk}']")
    expect(card).to_contain_text(DECISION)
    expect(card).to_contain_text(CREW)

    minutes = staff.locator("#minutes-form")
    minutes.locator("textarea[name=minutes]").fill(
        "到会：第1自治小组中心党员户、社区工作人员。\n议定：更换楼顶水箱。"
    )
    minutes.locator("input[name=publish]").check()
    with staff.expect_navigation():
        minutes.locator("button").last.click()
    expect(staff.locator("[data-minutes-published=yes]")).to_be_visible()

    # 5. A case is opened from the decision; the crew works it and staff verify it.
    card = staff.locator(f"article[data-decision='{decision.pk}']")
    spawn = card.locator("details.action:has(.case-form)")
    spawn.locator("summary").click()
    spawn.locator("select[name=category]").select_option(str(Category.objects.get(code="1104").pk))
    spawn.locator("input[name=title]").fill("4栋楼顶水箱更换")
    with staff.expect_navigation():
        spawn.locator("button").last.click()
    case = decision.cases.get()
    assert (case.source, case.status) == (Source.MEETING, Status.ACCEPTED)
    expect(staff).to_have_url(f"/console/cases/{case.pk}/")
    shot(staff, "case-opened-from-the-decision")
    worker = User.objects.get(username="sanliting_crew")
    staff_user = User.objects.get(username="sanliting_staff")
    case_transition(actor=staff_user, case_id=case.pk, action="dispatch", unit=crew)
    case_transition(actor=worker, case_id=case.pk, action="start")
    case_transition(
        actor=worker, case_id=case.pk, action="report_result", note="新水箱已安装，管道试压无渗漏。"
    )
    case_transition(actor=staff_user, case_id=case.pk, action="verify")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED

    # 6. The crew, the decision's owner, reports it done from a phone.
    owner = new_page(**PHONE)
    login(owner, "sanliting_crew")
    owner.goto(f"/console/meetings/{meeting.pk}/")
    card = owner.locator(f"article[data-decision='{decision.pk}']")
    progress = card.locator("details.action:has(.progress-form)")
    progress.locator("summary").click()
    progress.locator("textarea[name=note]").fill("新水箱已安装并通水，外墙不再渗水。")
    progress.locator("input[name=done]").check()
    shot(owner, "owner-reports-done-on-the-phone")
    with owner.expect_navigation():
        progress.locator("button").last.click()
    expect(owner.locator(f"article[data-decision='{decision.pk}']")).to_have_attribute("data-status", "done")
    shot(owner, "owner-sees-the-decision-done")

    # 7. Anyone sees the outcome on the echo wall and on the item itself, phone and desktop.
    for label, options in (("phone", PHONE), ("desktop", {})):
        public = new_page(**options)
        public.goto(f"/wall/{community.code}/echo/")
        echo_card = public.locator(f"li[data-post='{post.pk}']")
        expect(echo_card).to_contain_text(TITLE)
        expect(echo_card).to_contain_text("新水箱已安装并通水")
        expect(echo_card).to_contain_text("第1自治小组")
        shot(public, f"echo-wall-{label}")
        public.goto(f"/wall/item/{post.pk}/")
        expect(public.locator("article.wall-card")).to_contain_text(DECISION[:10])
        if label == "phone":
            assert public.evaluate("document.documentElement.scrollWidth") <= 390
        shot(public, f"wall-item-shows-the-outcome-{label}")
    assert Post.objects.get(pk=post.pk).responses.count() == 2

    # 8. The liaison's month on the phone, and the community's commendations for anyone.
    phone.goto(f"/console/meetings/calendar/?month={timezone.localtime(meeting.starts_at):%Y-%m}")
    expect(phone.locator(f"a[data-meeting='{meeting.pk}']")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the calendar scrolls sideways"
    shot(phone, "liaison-month-calendar-on-the-phone")
    public = new_page(**PHONE)
    public.goto(f"/commendations/{community.code}/")
    expect(public.locator("li[data-kind=household]").first).to_contain_text("三里亭人家4栋")
    assert public.evaluate("document.documentElement.scrollWidth") <= 390
    shot(public, "public-commendations-on-the-phone")
