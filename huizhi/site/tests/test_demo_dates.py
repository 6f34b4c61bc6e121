"""The demo's dates agree with each other and with today (issue 19): no step before what it follows,
seasons in season, names that fit the age. Days are Beijing days (timezone.localdate), so the checks
hold at any hour, the eight hours after 16:00 UTC included."""

from datetime import date

import pytest
from django.db.models import F
from django.utils import timezone

from huizhi.care.models import SummerTerm
from huizhi.cases.models import Case, CaseEvent, Notification, SupervisionNotice
from huizhi.cases.models.callbacks import CallBack
from huizhi.meetings.models import Decision, MeetingEvent
from huizhi.registry.models import Resident

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


# Known faults of the care demo (huizhi/site/demo/care.py, being edited by the care work): its
# summer term runs from a week ago to five weeks ahead whatever the month, and its families' people
# get a name for a gender drawn apart from the one their ID number carries ("F" when none is given).
CARE_DEMO = "huizhi/site/demo/care.py: "


@pytest.mark.xfail(
    reason=CARE_DEMO + "the term is dated around today, and a parent enrols in it on the care page"
)
def test_summer_terms_fall_in_july_and_august_of_this_year_or_last():
    today = timezone.localdate()
    terms = list(SummerTerm.objects.all())
    assert terms
    for term in terms:
        assert term.starts_on.year in (today.year, today.year - 1), term
        assert term.starts_on.year == term.ends_on.year
        assert (
            date(term.starts_on.year, 7, 1)
            <= term.starts_on
            < term.ends_on
            <= date(term.starts_on.year, 8, 31)
        )
        assert str(term.starts_on.year) in term.name


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
