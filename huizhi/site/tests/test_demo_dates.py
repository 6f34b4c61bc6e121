"""The demo's dates agree with each other and with today (issue 19): no step before what it follows,
seasons in season, names that fit the age. Days are Beijing days (timezone.localdate), so the checks
hold at any hour, the eight hours after 16:00 UTC included."""

from datetime import date

import pytest
from django.db.models import F
from django.utils import timezone

from huizhi.care.kinds import SummerSessionKind
from huizhi.care.models import SummerEnrolment, SummerSession, SummerTerm, VolunteerActivity, VolunteerHours
from huizhi.cases.models import Case, CaseEvent, Notification, SupervisionNotice
from huizhi.cases.models.callbacks import CallBack
from huizhi.meetings.models import Decision, MeetingEvent
from huizhi.registry.models import Resident
from huizhi.site.demo.care import (
    DOUBLE_NINTH,
    SUMMER_PLAN,
    double_ninth_before,
    session_days,
    summer_assistant_day,
    summer_terms,
)

pytestmark = pytest.mark.django_db

DRAIN = "扬天小区11栋下水堵塞，污水外溢"
# Given names of the grandparents' and parents' generations: no baby or pupil born lately has one.
ADULT_GIVEN_NAMES = {
    "建国", "秀英", "桂兰", "玉珍", "德华", "志强", "丽娟", "海燕", "国庆", "文军",
    "淑芬", "凤英", "长林", "春生", "金花", "明辉", "晓东", "小红",
}  # fmt: skip


def test_no_case_event_before_its_case_was_reported():
    early = CaseEvent.objects.filter(created_at__lt=F("case__created_at")).values_list(
        "case__title", "action"
    )
    assert list(early) == []


def test_the_events_of_a_case_are_in_the_order_they_were_recorded():
    last: dict[int, tuple] = {}
    out_of_order = []
    for event in CaseEvent.objects.order_by("case_id", "id").only("case_id", "action", "created_at"):
        before = last.get(event.case_id)
        if before is not None and event.created_at < before[1]:
            out_of_order.append((event.case_id, before[0], event.action))
        last[event.case_id] = (event.action, event.created_at)
    assert out_of_order == []


def test_supervision_notices_follow_their_case_and_replies_follow_their_notice():
    notices = list(SupervisionNotice.objects.select_related("case"))
    assert notices
    now = timezone.now()
    for notice in notices:
        assert notice.case.created_at <= notice.issued_at <= now, notice
        assert notice.issued_at < notice.reply_due_at, notice
        if notice.replied_at is not None:
            assert notice.issued_at <= notice.replied_at <= now, notice


def test_the_drain_cases_notice_card_and_timeline_tell_the_same_day_and_time():
    case = Case.objects.get(title=DRAIN)
    events = {e.action: e.created_at for e in case.events.all()}
    notice = case.supervision_notices.get()
    assert notice.issued_at == events["supervise"]
    assert notice.replied_at == events["supervision_reply"]
    assert notice.issued_at < notice.reply_due_at
    days = {
        timezone.localdate(t)
        for t in [case.created_at, notice.issued_at, notice.replied_at, *events.values()]
    }
    assert len(days) == 1, days


def test_call_backs_come_after_their_case_closed():
    callbacks = list(CallBack.objects.select_related("case"))
    assert callbacks
    for callback in callbacks:
        assert callback.case.closed_at is not None
        assert callback.case.closed_at <= callback.called_at <= timezone.now(), callback.case.title


def test_decisions_and_their_progress_come_after_their_meeting_began():
    decisions = list(Decision.objects.select_related("meeting"))
    assert decisions
    for decision in decisions:
        assert decision.created_at >= decision.meeting.starts_at, decision.text
        assert decision.due_date >= timezone.localdate(decision.meeting.starts_at), decision.text
        if decision.done_at is not None:
            assert decision.done_at >= decision.meeting.starts_at, decision.text
    progress = MeetingEvent.objects.filter(decision__isnull=False).select_related("decision__meeting")
    assert progress.exists()
    for event in progress:
        assert event.created_at >= event.decision.meeting.starts_at, (event.action, event.note)
        assert event.created_at <= timezone.now(), (event.action, event.note)


def _summer(year: int) -> tuple[date, date]:
    return date(year, 7, 1), date(year, 8, 31)


def test_summer_terms_fall_in_july_and_august_of_this_year_or_last():
    """Every term is one summer's, July 1 to August 31; the latest summer that has begun is there
    (this year's from July 1, else last year's), and any other term is the coming summer's."""
    today = timezone.localdate()
    terms = list(SummerTerm.objects.order_by("starts_on"))
    assert terms
    for term in terms:
        year = term.starts_on.year
        assert date(year, 7, 1) <= term.starts_on < term.ends_on <= date(year, 8, 31), term
        assert str(year) in term.name
    latest = today.year if today >= date(today.year, 7, 1) else today.year - 1
    begun = [t for t in terms if t.starts_on <= today]
    assert begun and {t.starts_on.year for t in begun} == {latest}, begun
    assert all(t.starts_on.year == latest + 1 for t in terms if t not in begun)


def test_summer_sessions_fall_in_their_term_and_only_those_held_have_a_register():
    today = timezone.localdate()
    now = timezone.now()
    sessions = list(SummerSession.objects.select_related("term"))
    assert sessions
    for session in sessions:
        day = timezone.localdate(session.starts_at)
        assert session.term.starts_on <= day <= session.term.ends_on, session.title
        assert session.starts_at < session.ends_at
        for row in session.attendance.select_related("enrolment"):
            assert day < today, session.title  # a register kept on a day gone by
            assert row.enrolment.enrolled_at < row.signed_in_at, session.title
            assert timezone.localdate(row.signed_in_at) == day, session.title
            assert row.signed_out_at is not None, session.title
            assert row.signed_in_at < row.signed_out_at <= now, session.title
            assert timezone.localdate(row.signed_out_at) == day, session.title
    for enrolment in SummerEnrolment.objects.all():
        assert enrolment.enrolled_at <= now


def test_the_latest_summer_shows_its_sessions_children_and_who_came():
    """Its four kinds of session; where the summer is running, one today and the next ahead; the
    sessions held have who came. The coming summer is open for enrolment."""
    today = timezone.localdate()
    latest, coming = (SummerTerm.objects.get(starts_on=s) for s, _e in summer_terms(today))
    sessions = list(latest.sessions.all())
    assert {s.kind for s in sessions} == set(SummerSessionKind.values)
    assert latest.enrolments.count() >= 10
    days = {timezone.localdate(s.starts_at) for s in sessions}
    held = [s for s in sessions if timezone.localdate(s.starts_at) < today]
    if latest.ends_on >= today:
        assert today in days
        if today < latest.ends_on:
            assert max(days) > today
    else:
        assert len(held) == len(sessions)
    for session in held:
        came = session.attendance.count()
        assert 0 < came < latest.enrolments.count(), session.title
    assert coming.ends_on > today and coming.starts_on > today
    assert coming.enrolments.count() < coming.capacity


@pytest.mark.parametrize(
    ("today", "latest", "coming"),
    [
        (date(2026, 1, 1), 2025, 2026),
        (date(2026, 3, 15), 2025, 2026),
        (date(2026, 6, 30), 2025, 2026),
        (date(2026, 7, 1), 2026, 2027),
        (date(2026, 7, 2), 2026, 2027),
        (date(2026, 7, 15), 2026, 2027),
        (date(2026, 8, 30), 2026, 2027),
        (date(2026, 8, 31), 2026, 2027),
        (date(2026, 9, 1), 2026, 2027),
        (date(2026, 12, 31), 2026, 2027),
        (date(2028, 2, 29), 2027, 2028),
    ],
)
def test_the_demo_shows_the_latest_summer_that_began_and_the_coming_one(today, latest, coming):
    assert summer_terms(today) == (_summer(latest), _summer(coming))
    (began, ended), (opens, _closes) = summer_terms(today)
    assert began <= today < opens
    assert (today <= ended) == (today.month in (7, 8))  # running in July and August only
    days = session_days(began, ended, today)
    assert len(days) == len(set(days)) == len(SUMMER_PLAN)
    assert days == sorted(days) and all(began <= d <= ended for d in days)
    if today <= ended:  # running: a session today, and one ahead unless this is the last day
        assert today in days
        assert any(d > today for d in days) == (today < ended)
        assert any(d < today for d in days) == (today > began)
    else:
        assert all(d < today for d in days)


def test_volunteer_activities_are_held_in_their_season():
    today = timezone.localdate()
    festival = VolunteerActivity.objects.get(title="重阳节敬老活动").held_on
    assert festival in DOUBLE_NINTH.values() and festival < today
    assert festival == double_ninth_before(today)
    assistant = VolunteerActivity.objects.get(title="暑期托管班助教").held_on
    (began, ended), _coming = summer_terms(today)
    assert assistant.month in (7, 8) and began <= assistant <= min(ended, today)
    assert assistant in session_days(began, ended, today)  # on a day the summer class met


def test_volunteer_hours_are_logged_and_confirmed_after_their_activity_and_before_now():
    rows = VolunteerHours.objects.select_related("activity", "volunteer")
    assert rows.exists()
    now = timezone.now()
    for row in rows:
        held = row.activity.held_on
        assert row.volunteer.joined_on <= held <= row.served_on, row.activity.title
        assert timezone.localdate(row.logged_at) >= held and row.logged_at <= now, row.activity.title
        if row.confirmed_at:
            assert row.logged_at <= row.confirmed_at <= now, row.activity.title


@pytest.mark.parametrize(
    ("today", "festival"),
    [
        (date(2025, 1, 1), date(2024, 10, 11)),
        (date(2025, 10, 29), date(2024, 10, 11)),  # the day itself: the one before
        (date(2025, 10, 30), date(2025, 10, 29)),
        (date(2026, 7, 15), date(2025, 10, 29)),
        (date(2026, 12, 5), date(2026, 10, 18)),
        (date(2027, 10, 9), date(2027, 10, 8)),
        (date(2030, 12, 31), date(2030, 10, 5)),
    ],
)
def test_double_ninth_before_is_the_latest_festival_before_today(today, festival):
    assert double_ninth_before(today) == festival


def test_the_double_ninth_table_is_in_october_of_its_year():
    assert all(day.year == year and day.month == 10 for year, day in DOUBLE_NINTH.items())
    assert set(range(2024, 2031)) <= set(DOUBLE_NINTH)


@pytest.mark.parametrize(
    "today",
    [
        date(2026, 1, 1),
        date(2026, 3, 15),
        date(2026, 7, 1),
        date(2026, 7, 2),
        date(2026, 8, 31),
        date(2026, 12, 5),
    ],
)
def test_the_summer_assistant_helped_at_a_session_of_the_latest_summer(today):
    day = summer_assistant_day(today)
    (began, ended), _coming = summer_terms(today)
    assert began <= day <= min(ended, today) and day.month in (7, 8)
    assert day < today or day == today == began


def test_notifications_are_dated_between_their_case_and_now():
    notifications = Notification.objects.exclude(case=None).select_related("case")
    assert notifications.exists()
    now = timezone.now()
    wrong = [(n.case.title, n.text) for n in notifications if not (n.case.created_at <= n.created_at <= now)]
    assert wrong == []


def test_no_demo_notification_is_stamped_with_the_moment_the_demo_was_loaded():
    """Every line carries its event's time: the drain story's, two days back, too."""
    drain = Case.objects.get(title=DRAIN)
    times = set(Notification.objects.filter(case=drain).values_list("created_at", flat=True))
    assert times
    assert times <= set(drain.events.values_list("created_at", flat=True))


def test_babies_and_schoolchildren_have_childrens_names():
    today = timezone.localdate()
    young = Resident.objects.filter(birth_date__gt=date(today.year - 16, today.month, 1))
    assert young.count() > 20
    adult_named = [(r.name, r.birth_date) for r in young if r.name[1:] in ADULT_GIVEN_NAMES]
    assert adult_named == []


def test_names_fit_the_gender_on_the_id_card():
    """A name is drawn for the gender the ID number carries (秀英 is never a boy's)."""
    female = {"秀英", "桂兰", "玉珍", "丽娟", "海燕", "淑芬", "凤英", "金花", "欣怡", "梓萱", "雨桐"}
    male = {"建国", "德华", "志强", "国庆", "文军", "长林", "春生", "明辉", "晓东", "浩然", "宇轩", "俊杰"}
    wrong = [
        (r.name, r.gender)
        for r in Resident.objects.only("name", "gender")
        if (r.gender == "M" and r.name[1:] in female) or (r.gender == "F" and r.name[1:] in male)
    ]
    assert wrong == []
