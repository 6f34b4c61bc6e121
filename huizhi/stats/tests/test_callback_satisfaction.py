"""满意率 counts call-backs (回访): a reached call-back's satisfaction is a rating, shown by source.

Worked by hand, November 2026 in one community: A, B and C are patrol cases filed by the grid
worker and closed; A is called back 满意, B 不满意, C not reached (no rating). D was filed by a
resident on the wall and rated 基本满意 by them. Ratings: D, A, B = 3; 满意: A = 1 → 33.33%;
满意及基本满意: A, D = 2 → 66.67%. From call-backs: 2 rated, 1 satisfied; from reporters: 1, 0.
A call-back in another street counts there, not here."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from huizhi.cases.services import callback_record, case_rate
from huizhi.cases.states import Rating, Source, Status
from huizhi.stats import metrics
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import month_period
from tests.factories import case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

NOVEMBER = month_period(date(2026, 11, 1))


@pytest.fixture
def world():
    with time_machine.travel(datetime(2026, 11, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        w = small_street()
        a, b, c = (case_in(Status.CLOSED, w) for _ in range(3))
        d = case_in(Status.CLOSED, w, source=Source.WALL, actor=w.resident)
        callback_record(actor=w.staff, case_id=a.pk, reached=True, satisfaction=Rating.SATISFIED)
        callback_record(actor=w.staff, case_id=b.pk, reached=True, satisfaction=Rating.UNSATISFIED)
        callback_record(actor=w.staff, case_id=c.pk, reached=False)
        case_rate(actor=w.resident, case_id=d.pk, rating=Rating.BASICALLY_SATISFIED)
        other = small_street()
        elsewhere = case_in(Status.CLOSED, other)
        callback_record(actor=other.staff, case_id=elsewhere.pk, reached=True, satisfaction=Rating.SATISFIED)
    return w


def test_the_satisfaction_rate_counts_reached_call_backs_with_their_source(world):
    counts = metrics.case_counts(Scope(world.community), NOVEMBER)
    assert (counts.rated, counts.satisfied, counts.basically_satisfied, counts.unsatisfied) == (3, 1, 1, 1)
    assert str(counts.rate("satisfied")) == "33.33%"
    assert str(counts.rate("satisfied_or_basic")) == "66.67%"
    assert (counts.rated_by_callback, counts.satisfied_by_callback, counts.unsatisfied_by_callback) == (
        2,
        1,
        1,
    )
    by_source = {key: (rated, satisfied) for key, _label, rated, satisfied in counts.ratings_by_source()}
    assert by_source == {"reporter": (1, 0), "callback": (2, 1)}


def test_the_breakdowns_count_them_too_and_not_outside_the_scope(world):
    [row] = metrics.ranking(Scope(world.street), NOVEMBER, "community")
    assert (row.counts.rated, row.counts.rated_by_callback) == (3, 2)
    [category] = metrics.by_category(Scope(world.street), NOVEMBER)
    assert (category.counts.rated, category.counts.satisfied) == (3, 1)
    # A call-back made in December counts in December, even for a case closed in November.
    assert metrics.case_counts(Scope(world.community), month_period(date(2026, 12, 1))).rated == 0


def test_the_definition_says_call_backs_count():
    definition = metrics.DEFINITIONS["satisfied"]
    with translation.override("en"):  # the page's default language is Chinese
        assert "回访" in str(definition.numerator) and "call-back" in str(definition.denominator)
