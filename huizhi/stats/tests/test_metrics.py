"""Each metric on a hand-made month of cases, built through the real case services.

The month is March 2025 in 花园街社区 (all in 扬天小区 building 11, category 0101 暴露垃圾: accept within
1 working hour, handle within 1 working day = 7 office hours). Every case is reported on Monday
3 March at 09:00, so its deadline to accept is 10:00. The answers are worked out beside each case.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from huizhi.cases.tests.factories import (
    FENGHUANG,
    HUAYUAN,
    STREET,
    place,
    repair_crew,
    user,
)
from huizhi.stats import metrics, periods
from huizhi.stats.metrics import CaseCounts, Rate, Scope
from huizhi.stats.periods import month_period
from huizhi.stats.tests.helpers import MON, READ_AT, THU, TUE, WED, at, close, march, report_at, scope, step

pytestmark = pytest.mark.django_db

MARCH = month_period(march(1, 0).date())


def read(code: str = HUAYUAN, period=MARCH):
    with at(READ_AT):
        return metrics.figures(scope(code), period)


def test_case_rates_of_the_worked_month(month):
    counts = read().cases

    assert counts.reported == 7  # A–G
    # 受理及时率: A, C, D, F, G decided by 10:00; B late; E never decided → 5 / 7.
    assert (counts.accepted_in_time, counts.accept_due) == (5, 7)
    # 应结案数: A, B, C, D, F (G was rejected; E never dispatched).
    assert counts.due == 5
    assert (counts.closed, counts.closed_in_time, counts.handled_in_time) == (4, 3, 3)
    assert str(counts.rate("closure")) == "80.00%"
    assert str(counts.rate("closed_in_time")) == "60.00%"  # A, C, D; B was late
    assert str(counts.rate("handled_in_time")) == "60.00%"  # A, C, D reported their results in time
    # 返工率: C of the four closed in March.
    assert (counts.reworked, counts.closed_in_period) == (1, 4)
    assert str(counts.rate("rework")) == "25.00%"
    # Ratings: A 满意, B 基本满意, C 满意 (its 不满意 replaced by the rating after reopening).
    assert (counts.rated, counts.satisfied, counts.basically_satisfied, counts.unsatisfied) == (3, 2, 1, 0)
    assert str(counts.rate("satisfied")) == "66.67%"
    assert str(counts.rate("satisfied_or_basic")) == "100.00%"


def test_a_suspended_case_is_not_due_while_suspended_and_not_late_for_the_time_suspended(month):
    """D's first deadline (Tue 09:05) passed while it was suspended; resumed, it closed on time."""
    d = month["D"]
    d.refresh_from_db()
    assert d.handle_due_at == march(THU, 9, 5) and d.closed_at <= d.handle_due_at


def test_a_case_suspended_past_its_deadline_is_not_counted_overdue():
    both = []
    for _n in range(2):
        c = report_at(march(MON, 9))
        c = step(march(MON, 9, 5), c, "accept")
        both.append(step(march(MON, 9, 5), c, "dispatch"))  # due Tue 09:05
    suspended, control = both
    step(march(MON, 10), suspended, "suspend")
    with at(march(WED, 12)):
        wednesday = metrics.case_counts(scope(HUAYUAN), MARCH)
    assert (wednesday.due, wednesday.closed) == (1, 0)  # the control case only
    step(march(WED, 10), suspended, "resume")  # 6 h 05 min left → due Thu 09:05
    with at(march(WED, 12)):
        assert metrics.case_counts(scope(HUAYUAN), MARCH).due == 1
    with at(march(THU, 12)):
        assert metrics.case_counts(scope(HUAYUAN), MARCH).due == 2


def test_times_to_accept_and_to_fix_in_working_hours(month):
    figures = read()
    # To accept: 5, 5, 10, 20, 30 and 120 minutes (D, F, C, G, A, B).
    assert figures.time_to_accept.count == 6
    assert figures.time_to_accept.median_hours == pytest.approx(15 / 60)
    assert figures.time_to_accept.p90_hours == pytest.approx(2.0)
    # To fix: A 5 h, B 15 h, C 8 h, D 5 h (suspension taken off).
    assert figures.time_to_fix.count == 4
    assert figures.time_to_fix.median_hours == pytest.approx(6.5)
    assert figures.time_to_fix.p90_hours == pytest.approx(15.0)


def test_supervision_notices_issued_and_answered_on_time(month):
    figures = read()
    assert (figures.supervision_issued, figures.supervision_answered) == (2, 1)
    assert str(figures.supervision_on_time) == "50.00%"


def test_reported_by_source_and_state(month):
    figures = read()
    by_source = {key: n for key, _label, n in figures.by_source}
    assert by_source["patrol"] == 6 and by_source["hotline"] == 1 and by_source["wall"] == 0
    by_state = {key: n for key, _label, n in figures.by_state}
    assert by_state == {
        "reported": 1,  # E
        "accepted": 0,
        "rejected": 1,  # G
        "merged": 0,
        "dispatched": 1,  # F
        "handling": 0,
        "handled": 0,
        "closed": 4,  # A B C D
        "suspended": 0,
    }


def test_scope_filters(month):
    street, fenghuang = read(STREET).cases, read(FENGHUANG).cases
    assert street.reported == 8 and street.accept_due == 8 and street.accepted_in_time == 6  # + H
    assert (fenghuang.reported, fenghuang.accepted_in_time, fenghuang.due) == (1, 1, 0)
    # A handling unit's scope: the cases dispatched to it.
    crew = Scope(place(STREET), unit=repair_crew())
    with at(READ_AT):
        assert metrics.case_counts(crew, MARCH).due == 5
        assert metrics.supervision_counts(crew, MARCH)[0] == 2
        assert metrics.wall_counts(crew, MARCH) == (None, None)
    # A grid with none of these cases.
    with at(READ_AT):
        empty = metrics.case_counts(scope("341102001003002"), MARCH)
    assert empty.reported == 0


def test_period_filters(month):
    february = month_period(march(1, 0).date() - timedelta(days=1))
    assert read(period=february).cases.reported == 0
    first_week = metrics.Period("week", march(MON, 0).date(), march(MON, 0).date() + timedelta(days=6))
    figures = read(period=first_week).cases
    assert figures.reported == 7 and figures.due == 5
    # Tuesday alone: every handling deadline but D's (Thursday) falls on it.
    tuesday = metrics.Period("day", march(TUE, 0).date(), march(TUE, 0).date())
    day = read(period=tuesday).cases
    assert day.reported == 0
    assert day.due == 4 and day.closed_in_period == 1  # A, B, C, F due; C closed on Tuesday


def test_a_period_with_no_cases_has_no_rates_not_zero_percent(month):
    figures = read(period=month_period(march(1, 0).date().replace(year=2024)))
    for key in metrics.HEADLINE:
        rate = figures.cases.rate(key)
        assert rate.value is None and str(rate) == "—", key
    assert str(figures.supervision_on_time) == "—"
    assert figures.time_to_fix.median_hours is None


def test_the_shown_rates_of_a_published_month_of_a_digital_city_centre():
    """DESIGN §13: 受理 1054, 立案 996, 应结案 972, 结案 911, 按期结案 737 → 93.72% and 75.82%.
    The rates are over 应结案 (cases whose handling deadline fell in the month), not 立案."""
    counts = CaseCounts(reported=1054, due=972, closed=911, closed_in_time=737)
    assert counts.rate("closure").percent == Decimal("93.72")
    assert counts.rate("closed_in_time").percent == Decimal("75.82")
    assert str(Rate(911, 996)) == "91.47%"  # what the wrong denominator (立案) would show


def test_change_from_the_previous_period():
    assert metrics.change(Rate(3, 4), Rate(1, 2)) == Decimal("25.00")
    assert metrics.change(Rate(3, 4), Rate(0, 0)) is None


def test_percentiles_by_nearest_rank():
    assert metrics.percentile([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 0.9) == 9
    assert metrics.percentile([4], 0.9) == 4
    assert metrics.median([1, 3, 2, 10]) == 2.5
    assert metrics.percentile([], 0.9) is None


def test_rankings_show_their_denominators(month):
    with at(READ_AT):
        communities = metrics.ranking(scope(STREET), MARCH, "community")
        units = metrics.ranking(scope(STREET), MARCH, "unit")
    huayuan = next(row for row in communities if row.key == HUAYUAN)
    assert (huayuan.counts.due, huayuan.counts.closed_in_time) == (5, 3)
    # Communities with nothing due come after those with a rate.
    assert communities[0].key == HUAYUAN
    assert all(row.counts.rate("closed_in_time").value is None for row in communities[1:])
    assert [(row.label, row.counts.due) for row in units] == [(repair_crew().name, 5)]


def test_breakdown_by_category_class(month):
    with at(READ_AT):
        rows = metrics.by_category(scope(STREET), MARCH)
    assert [(row.key, row.counts.reported, row.counts.due) for row in rows] == [("01", 8, 5)]


def test_trend_ends_with_the_period(month):
    with at(READ_AT):
        points = metrics.trend(scope(HUAYUAN), MARCH)
    assert len(points) == 12 and points[-1].label == "2025-03"
    assert (points[-1].reported, str(points[-1].closure), str(points[-1].closed_in_time)) == (
        7,
        "80.00%",
        "60.00%",
    )
    assert all(p.reported == 0 and p.closure.value is None for p in points[:-1])


def test_every_metric_has_a_definition():
    for key in (*metrics.HEADLINE, "supervision_on_time", "wall_answered", "time_to_accept", "time_to_fix"):
        definition = metrics.DEFINITIONS[key]
        assert definition.label and definition.numerator and definition.denominator


@pytest.mark.parametrize("cases", [2, 6])
def test_the_figures_take_the_same_few_queries_however_many_cases(cases, django_assert_max_num_queries):
    for n in range(cases):
        c = report_at(march(MON, 9))
        c = step(march(MON, 9, 30), c, "accept")
        c = step(march(MON, 9, 40), c, "dispatch")
        if n % 2:
            close(c, started=march(MON, 14), resulted=march(MON, 15), verified=march(MON, 16))
    place(HUAYUAN)  # read before counting
    s = scope(HUAYUAN)
    # The call-backs' ratings: one more; whether the roll-ups are built: one more per call.
    with at(READ_AT), django_assert_max_num_queries(10):
        figures = metrics.figures(s, MARCH)
    assert figures.cases.reported == cases
    with at(READ_AT), django_assert_max_num_queries(10):  # each ranking also counts call-backs
        metrics.ranking(s, MARCH, "grid")
        metrics.ranking(s, MARCH, "unit")
        metrics.trend(s, MARCH)


def test_wall_items_posted_and_answered(settings, tmp_path):
    """花园街社区 in March: three items published — one answered directly, one made a case that is
    closed, one still waiting — and one in 凤凰社区. Answered: 2 of 3."""
    from huizhi.wall import services as wall
    from huizhi.wall.tests import helpers as wall_helpers

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    staff = user("huayuan_staff")
    with at(march(MON, 8)):
        author = wall_helpers.resident("13900000077")
        answered, made_case, waiting = (
            wall_helpers.publish(author, title=title) for title in ("楼道灯不亮", "路面坑洼", "垃圾桶破损")
        )
        wall_helpers.publish(author, title="健身器材损坏", place=wall_helpers.fenghuang_compound())
        wall.post_triage(actor=staff, post_id=answered.pk, outcome="answer", text="已联系物业更换灯泡。")
        triaged = wall.post_triage(actor=staff, post_id=made_case.pk, outcome="case", text="已立案。")
    case = step(march(MON, 9), triaged.case, "dispatch")
    close(case, started=march(MON, 10), resulted=march(MON, 11), verified=march(MON, 14, 30))
    with at(READ_AT):
        posted, rate = metrics.wall_counts(scope(HUAYUAN), MARCH)
        street_posted, _street_rate = metrics.wall_counts(scope(STREET), MARCH)
    assert posted == 3 and str(rate) == "66.67%"
    assert street_posted == 4
    assert waiting.pk


@pytest.mark.parametrize(
    "period, steps, last_label, last_reported",
    [
        (metrics.Period("day", march(MON, 0).date(), march(MON, 0).date()), 14, "2025-03-03", 7),
        (periods.week_period(march(MON, 0).date()), 12, "2025-03-03 – 2025-03-09", 7),
        (periods.quarter_period(march(MON, 0).date()), 8, "2025Q1", 7),
        (periods.year_period(2025), 5, "2025", 7),
        # A custom range of 3 days by day; the last step is Wednesday, with nothing reported.
        (metrics.Period("custom", march(MON, 0).date(), march(WED, 0).date()), 3, "2025-03-05", 0),
    ],
)
def test_trend_steps_for_each_kind_of_period(month, period, steps, last_label, last_reported):
    with at(READ_AT):
        points = metrics.trend(scope(HUAYUAN), period)
    assert len(points) == steps and points[-1].label == last_label
    assert points[-1].reported == last_reported
    assert sum(p.reported for p in points) == 7


def test_a_long_custom_range_steps_by_month_clipped_to_the_range(month):
    """4 March – 31 May: three monthly steps, March's only from the 4th — after the seven reports of
    the 3rd, but with every handling deadline (4th and 6th)."""
    long = metrics.Period("custom", march(TUE, 0).date(), march(1, 0).date().replace(month=5, day=31))
    with at(READ_AT):
        points = metrics.trend(scope(HUAYUAN), long)
    assert [p.label for p in points] == ["2025-03", "2025-04", "2025-05"]
    assert [p.reported for p in points] == [0, 0, 0]
    assert str(points[0].closure) == "80.00%" and points[1].closure.value is None
