"""Issue 15's further figures, each worked by hand: 12345's 响应率 / 解决率 / 满意率, 满意率 split by
where its ratings came from, the grid workers' ranking.

The world, November 2026, one small street (its category: accept within 1 working hour, handle
within 1 working day), everything reported Tuesday 3 November 10:00 and read on 30 November:

- hotline cases (source 12345 / API), filed by the community's staff:
  H1 accepted at once, closed, called back 满意; H2 accepted at once, closed, called back 基本满意;
  H3 accepted two hours late (after its deadline to accept), closed, called back 不满意;
  H4 never accepted (its deadline has passed); H5 accepted at once, closed, call-back not reached.
  响应率: decided by the deadline H1, H2, H5 of due H1–H5 = 3 / 5 = 60.00%.
  解决率: 满意 or 基本满意 H1, H2 of rated H1, H2, H3 = 2 / 3 = 66.67%.
  12345 满意率: 满意 H1 of 3 = 33.33%.
- grid worker 甲 (the street's grid worker) found on patrol and reported P1: closed, called back 满意.
- grid worker 乙 found P2 (dispatched, never handled: due Wednesday, not closed) and P3 (closed,
  called back 不满意).
- a resident posted R1 on the wall: closed, rated 满意 by the resident.

All ratings: call-backs H1 满意, H2 基本满意, H3 不满意, P1 满意, P3 不满意 and the resident's R1 满意.
满意率 = 3 / 6 = 50.00%; by the reporter 1 / 1 = 100.00%; on call-backs 2 / 5 = 40.00%.
Grid workers (closed on time, as the other rankings, orders them): 甲 1 reported, 1 due, 1 closed
and on time (100.00%), 1 rated, 满意 100.00%; 乙 2 reported, 2 due, 1 closed and on time (50.00%),
1 rated, 满意 0.00%: 甲 first. The hotline cases and the wall case
(filed by staff and by a resident) rank no grid worker.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.cases.services import callback_record, case_rate
from huizhi.cases.states import Rating, Source, Status
from huizhi.stats import metrics, tables
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import month_period
from tests.factories import PATHS, CaseFactory, UserFactory, advance, case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = month_period(date(2026, 11, 1))
REPORTED = datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)
READ = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)


def _call(world, case, satisfaction=None):
    callback_record(
        actor=world.staff, case_id=case.pk, reached=satisfaction is not None, satisfaction=satisfaction or ""
    )


@pytest.fixture
def world():
    with time_machine.travel(REPORTED, tick=False):
        w = small_street()
        w.gridworker.full_name = "网格员甲"
        w.gridworker.save()
        w.second = UserFactory(role=Role.GRID_WORKER, over=w.grid, full_name="网格员乙")
        hotline = {"source": Source.HOTLINE, "actor": w.staff}
        h1, h2, h5 = (case_in(Status.CLOSED, w, **hotline) for _ in range(3))
        h3 = CaseFactory(place=w.building, category=w.category, **hotline)
        w.h4 = CaseFactory(place=w.building, category=w.category, **hotline)
        p1 = case_in(Status.CLOSED, w)
        w.p2 = case_in(Status.DISPATCHED, w, actor=w.second)
        p3 = case_in(Status.CLOSED, w, actor=w.second)
        r1 = case_in(Status.CLOSED, w, source=Source.WALL, actor=w.resident)
    late = h3.accept_due_at + timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        for action in PATHS[Status.CLOSED]:
            h3 = advance(h3, action, w)
    with time_machine.travel(late + timedelta(hours=1), tick=False):
        _call(w, h1, Rating.SATISFIED)
        _call(w, h2, Rating.BASICALLY_SATISFIED)
        _call(w, h3, Rating.UNSATISFIED)
        _call(w, h5)
        _call(w, p1, Rating.SATISFIED)
        _call(w, p3, Rating.UNSATISFIED)
        case_rate(actor=w.resident, case_id=r1.pk, rating=Rating.SATISFIED)
    return w


def test_the_hotline_rates_count_hotline_cases_only(world):
    with time_machine.travel(READ, tick=False):
        counts = metrics.case_counts(Scope(world.community), NOVEMBER)
    assert (counts.hotline_accept_due, counts.hotline_responded) == (5, 3)
    assert str(counts.rate("hotline_response")) == "60.00%"
    assert (counts.hotline_rated, counts.hotline_resolved, counts.hotline_satisfied) == (3, 2, 1)
    assert str(counts.rate("hotline_resolved")) == "66.67%"
    assert str(counts.rate("hotline_satisfied")) == "33.33%"
    # Every source together: 受理及时率 is over all nine cases (H3 and H4 late) = 7 / 9.
    assert (counts.accepted_in_time, counts.accept_due) == (7, 9)
    for key in ("hotline_response", "hotline_resolved", "hotline_satisfied"):
        assert key in metrics.HEADLINE and metrics.DEFINITIONS[key].denominator


def test_a_month_without_hotline_cases_shows_a_dash(world):
    with time_machine.travel(READ, tick=False):
        counts = metrics.case_counts(Scope(world.community), month_period(date(2026, 10, 1)))
    for key in ("hotline_response", "hotline_resolved", "hotline_satisfied"):
        assert str(counts.rate(key)) == "—"


def test_the_satisfaction_rate_is_split_by_where_its_ratings_came_from(world):
    with time_machine.travel(READ, tick=False):
        board = tables.build(Scope(world.community), NOVEMBER)
    assert str(board.figures.cases.rate("satisfied")) == "50.00%"
    split = board.figures.cases.satisfaction_by_source()
    assert (str(split["reporter"]), str(split["callback"])) == ("100.00%", "40.00%")
    headline = board.table("headline")
    labels = [row[0] for row in headline.rows]
    at = labels.index(str(metrics.DEFINITIONS["satisfied"].label))
    reporter, callback = headline.rows[at + 1], headline.rows[at + 2]
    assert reporter[1:4] == [metrics.Rate(1, 1).percent, 1, 1]
    assert callback[1:4] == [metrics.Rate(2, 5).percent, 2, 5]


def test_grid_workers_are_ranked_by_their_patrol_reports_with_denominators(world):
    with time_machine.travel(READ, tick=False):
        rows = metrics.ranking(Scope(world.street), NOVEMBER, "gridworker")
        board = tables.build(Scope(world.community), NOVEMBER)
    by_name = {row.label: row.counts for row in rows}
    assert set(by_name) == {"网格员甲", "网格员乙"}
    first, second = by_name["网格员甲"], by_name["网格员乙"]
    assert (first.reported, first.due, first.closed, first.rated, first.satisfied) == (1, 1, 1, 1, 1)
    assert (second.reported, second.due, second.closed, second.rated, second.satisfied) == (2, 2, 1, 1, 0)
    assert (str(first.rate("closure")), str(second.rate("closure"))) == ("100.00%", "50.00%")
    assert str(second.rate("satisfied")) == "0.00%"
    assert [row.label for row in rows] == ["网格员甲", "网格员乙"]
    table = board.table("ranking-gridworker")
    assert table is not None and table in board.page_tables and table not in board.tables
    assert [row[1:6] for row in table.rows] == [["网格员甲", 1, 1, 1, 1], ["网格员乙", 2, 2, 1, 1]]


def test_the_page_shows_the_hotline_tiles_the_split_and_the_grid_workers(client, world):
    client.force_login(world.street_admin)
    with time_machine.travel(READ, tick=False):
        response = client.get(
            reverse("stats:dashboard"), {"scope": world.street.code, "period": "month", "month": "2026-11"}
        )
    page = response.content.decode()
    assert response.status_code == 200
    for key in ("hotline_response", "hotline_resolved", "hotline_satisfied"):
        assert f'data-metric="{key}"' in page and f'id="def-{key}"' in page
    assert 'data-table="ranking-gridworker"' in page and "网格员乙" in page
    assert "3 / 5" in page  # 响应率's tile: its numerator and denominator
