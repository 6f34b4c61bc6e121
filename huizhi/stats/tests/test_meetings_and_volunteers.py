"""Meetings held, meeting decisions done on time and volunteer hours confirmed, worked by hand.

三里亭社区, March 2025 (before the demo's own meetings), read on 31 March:
- meetings: M1 Monday 3rd 11:00–13:00 and M2 Tuesday 4th, both held; M3 on 14 April is not in
  March. Held in March: 2.
- decisions of M1: D1 due 10 March, done 7 March (on time); D2 due 20 March, done 25 March (late);
  D4 due 15 March, still open (its due date has passed: it counts, not on time); D3 due 10 April
  (not March's). 决议按期落实率 = D1 / (D1, D2, D4) = 1 / 3 = 33.33%.
凤凰社区, March 2025: a volunteer served 2.5 h on the 5th and 1.5 h on the 6th (both confirmed) and
3 h on the 7th (logged, not confirmed): 4.0 hours confirmed.
A month with none of these shows 0 held, “—” for the rate and 0 hours; a handling unit has none."""

from datetime import date

import pytest

from huizhi.care import services as care
from huizhi.care.tests.conftest import make_resident, years_ago
from huizhi.cases.tests.factories import FENGHUANG, place, repair_crew, user
from huizhi.meetings.services import decision_progress, decision_record, meeting_sign_in
from huizhi.meetings.tests.helpers import community, crew_account, during, person, schedule
from huizhi.meetings.tests.helpers import repair_crew as sanliting_crew
from huizhi.stats import metrics
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import month_period
from huizhi.stats.tests.helpers import MON, READ_AT, at, march

pytestmark = pytest.mark.django_db

MARCH = month_period(march(1, 0).date())


def _decide(meeting, due: date):
    return decision_record(
        actor=person("sanliting_staff"),
        meeting_id=meeting.pk,
        text="更换4栋顶楼防水层。",
        method="vote",
        votes={person("liaison").pk: "for"},
        owner_organisation=sanliting_crew(),
        due_date=due,
    )


def test_meetings_held_and_decisions_done_on_time():
    with at(march(MON, 8)):
        m1 = schedule(in_days=0.125)  # 11:00
        schedule(in_days=1, title="二次协商")
        schedule(in_days=42, title="四月协商")
        crew = crew_account()
    with during(m1):
        meeting_sign_in(actor=person("liaison"), meeting_id=m1.pk, token=m1.sign_in_token)
        d1, d2, _d3, _d4 = (
            _decide(m1, date(2025, 3, day) if day < 32 else date(2025, 4, day - 31))
            for day in (10, 20, 41, 15)
        )
    with at(march(7, 10)):
        decision_progress(actor=crew, decision_id=d1.pk, note="已完工。", done=True)
    with at(march(25, 10)):
        decision_progress(actor=crew, decision_id=d2.pk, note="已完工。", done=True)
    with at(READ_AT):
        held, on_time, _hours = metrics.community_work(Scope(community()), MARCH)
        figures = metrics.figures(Scope(community()), MARCH)
        empty = metrics.community_work(Scope(community()), month_period(date(2024, 3, 1)))
    assert (held, on_time.numerator, on_time.denominator, str(on_time)) == (2, 1, 3, "33.33%")
    assert (figures.meetings_held, str(figures.decisions_on_time)) == (2, "33.33%")
    assert (empty[0], str(empty[1]), empty[2]) == (0, "—", 0)
    assert metrics.community_work(Scope(place(FENGHUANG), unit=repair_crew()), MARCH) == (None, None, None)


def test_volunteer_hours_count_when_confirmed():
    staff = user("fenghuang_staff")
    with at(march(10, 9)):
        volunteer = care.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30)))
        for day, hours, confirm in ((5, "2.5", True), (6, "1.5", True), (7, "3", False)):
            activity = care.volunteer_activity_create(
                actor=staff, community=place(FENGHUANG), title=f"3月{day}日活动", held_on=date(2025, 3, day)
            )
            row = care.hours_log(
                actor=staff,
                volunteer_id=volunteer.pk,
                activity_id=activity.pk,
                served_on=date(2025, 3, day),
                hours=hours,
            )
            if confirm:
                care.hours_confirm(actor=staff, hours_id=row.pk)
    with at(READ_AT):
        _held, _on_time, hours = metrics.community_work(Scope(place(FENGHUANG)), MARCH)
        april = metrics.community_work(Scope(place(FENGHUANG)), month_period(date(2025, 4, 1)))
    assert str(hours) == "4.0" and april[2] == 0
