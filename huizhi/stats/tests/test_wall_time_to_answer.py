"""Time to answer on the problem wall, worked by hand.

花园街社区, March 2025: four items published Monday 08:00 — one answered directly at 09:30
(1.5 h), one made a case closed at 14:30 (6.5 h), one answered directly on Tuesday 08:00 (24 h,
by the clock: the wall's time is the resident's wait, not working time), one still waiting.
Answered 3 of 4 = 75.00%; times 1.5, 6.5, 24 → median 6.5 h. The street counts one more item, in
凤凰社区, unanswered. A handling unit's figures have no wall figures ("—"), and a month with
nothing published has no median."""

import pytest
from django.utils.translation import gettext

from huizhi.cases.tests.factories import HUAYUAN, STREET, place, repair_crew, user
from huizhi.stats import metrics, tables
from huizhi.stats.metrics import Scope
from huizhi.stats.periods import month_period
from huizhi.stats.tests.helpers import MON, READ_AT, TUE, at, close, march, scope, step

pytestmark = pytest.mark.django_db

MARCH = month_period(march(1, 0).date())


def test_wall_items_posted_answered_and_the_median_time_to_answer(settings, tmp_path):
    from huizhi.wall import services as wall
    from huizhi.wall.tests import helpers as wall_helpers

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    staff = user("huayuan_staff")
    with at(march(MON, 8)):
        author = wall_helpers.resident("13900000078")
        answered, made_case, next_day, waiting = (
            wall_helpers.publish(author, title=title)
            for title in ("楼道灯不亮", "路面坑洼", "长椅松动", "垃圾桶破损")
        )
        wall_helpers.publish(author, title="健身器材损坏", place=wall_helpers.fenghuang_compound())
    with at(march(MON, 9, 30)):
        wall.post_triage(actor=staff, post_id=answered.pk, outcome="answer", text="已联系物业更换灯泡。")
        triaged = wall.post_triage(actor=staff, post_id=made_case.pk, outcome="case", text="已立案。")
    case = step(march(MON, 10), triaged.case, "dispatch")
    close(case, started=march(MON, 11), resulted=march(MON, 12), verified=march(MON, 14, 30))
    with at(march(TUE, 8)):
        wall.post_triage(actor=staff, post_id=next_day.pk, outcome="answer", text="已加固。")
    with at(READ_AT):
        posted, rate, times = metrics.wall_figures(scope(HUAYUAN), MARCH)
        street_posted, street_rate, _times = metrics.wall_figures(scope(STREET), MARCH)
        board = tables.build(scope(HUAYUAN), MARCH)
        empty = metrics.wall_figures(scope(HUAYUAN), month_period(march(1, 0).date().replace(year=2024)))
    assert (posted, str(rate)) == (4, "75.00%")
    assert (times.count, times.median_hours) == (3, 6.5)
    assert (street_posted, str(street_rate)) == (5, "60.00%")
    assert board.figures.wall_time_to_answer.median_hours == 6.5
    label = gettext("Time to answer on the wall, median (hours)")
    assert [label, 6.5, gettext("of %(n)d items") % {"n": 3}] in board.table("other").rows
    assert metrics.wall_figures(Scope(place(HUAYUAN), unit=repair_crew()), MARCH) == (None, None, None)
    assert waiting.pk and empty[2].median_hours is None and empty[0] == 0
