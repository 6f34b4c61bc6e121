"""The worked month of cases the statistics tests read (see `month`)."""

import pytest

from huizhi.cases.services import supervision_notice_answer, supervision_notice_issue
from huizhi.cases.states import Rating, Source
from huizhi.cases.tests.factories import FENGHUANG, place, user
from huizhi.stats.tests.helpers import MON, TUE, WED, at, close, march, rate_at, report_at, step


@pytest.fixture
def month():
    """Seven cases in 花园街社区 and one in 凤凰社区; see each for what it contributes."""
    cases = {}
    # A: accepted 09:30 (in time), dispatched 09:40 → due Tue 09:40; result Mon 15:00, closed Mon 16:00
    # (on time); rated 满意. Time to accept 30 min; time to fix 09:00→16:00 = 3 h + 2 h = 5 h.
    a = report_at(march(MON, 9))
    a = step(march(MON, 9, 30), a, "accept")
    a = step(march(MON, 9, 40), a, "dispatch")
    a = close(a, started=march(MON, 14), resulted=march(MON, 15), verified=march(MON, 16))
    rate_at(a, march(MON, 17), Rating.SATISFIED)
    cases["A"] = a
    # B: accepted 11:00 (late), dispatched 11:00 → due Tue 11:00; result Wed 09:30, closed Wed 10:00
    # (late); rated 基本满意. Time to accept 2 h; to fix Mon 6.5 h + Tue 7 h + Wed 1.5 h = 15 h.
    b = report_at(march(MON, 9))
    b = step(march(MON, 11), b, "accept")
    b = step(march(MON, 11), b, "dispatch")
    b = close(b, started=march(TUE, 9), resulted=march(WED, 9, 30), verified=march(WED, 10))
    rate_at(b, march(WED, 11), Rating.BASICALLY_SATISFIED)
    cases["B"] = b
    # C: accepted and dispatched 09:10; sent back for rework Mon 14:30 (clock restarts); closed Mon 16:00;
    # rated 不满意 Mon 16:30, which reopens it (clock restarts → due Tue 16:30); closed again Tue 10:00
    # and rated 满意. It counts once: closed on time, reworked, satisfied.
    # Time to accept 10 min; to fix Mon 09:00 → Tue 10:00 = 6.5 h + 1.5 h = 8 h.
    c = report_at(march(MON, 9))
    c = step(march(MON, 9, 10), c, "accept")
    c = step(march(MON, 9, 10), c, "dispatch")
    c = step(march(MON, 9, 20), c, "start")
    c = step(march(MON, 10), c, "report_result")
    c = step(march(MON, 14, 30), c, "verify_failed")
    c = close(c, started=march(MON, 15), resulted=march(MON, 15, 30), verified=march(MON, 16))
    rate_at(c, march(MON, 16, 30), Rating.UNSATISFIED)
    c = close(c, started=march(TUE, 8, 30), resulted=march(TUE, 9, 30), verified=march(TUE, 10))
    rate_at(c, march(TUE, 11), Rating.SATISFIED)
    cases["C"] = c
    # D: accepted and dispatched 09:05 (due Tue 09:05); suspended Mon 10:00 with 6 h 05 min left,
    # resumed Wed 10:00 → due Thu 09:05; closed Wed 16:00: on time, because suspended time is not
    # overdue time. Time to accept 5 min; to fix 19 h less 14 h suspended = 5 h.
    d = report_at(march(MON, 9))
    d = step(march(MON, 9, 5), d, "accept")
    d = step(march(MON, 9, 5), d, "dispatch")
    d = step(march(MON, 10), d, "suspend")
    d = step(march(WED, 10), d, "resume")
    d = close(d, started=march(WED, 14), resulted=march(WED, 15), verified=march(WED, 16))
    cases["D"] = d
    # E: never accepted: due to be accepted (10:00 has passed), not in time.
    cases["E"] = report_at(march(MON, 9))
    # F: accepted and dispatched 09:05 (due Tue 09:05), never handled: due to close, not closed.
    # Two supervision notices: one answered on time, one never answered.
    f = report_at(march(MON, 9), source=Source.HOTLINE)
    f = step(march(MON, 9, 5), f, "accept")
    f = step(march(MON, 9, 5), f, "dispatch")
    with at(march(MON, 10)):
        first = supervision_notice_issue(
            actor=user("commissioner"), case_id=f.pk, requirement="请尽快处理", reply_due_at=march(MON, 12)
        )
    with at(march(MON, 11)):
        supervision_notice_answer(actor=user("repair_crew"), notice_id=first.pk, reply="已安排人员")
    with at(march(TUE, 10)):
        supervision_notice_issue(
            actor=user("commissioner"), case_id=f.pk, requirement="仍未处理", reply_due_at=march(TUE, 12)
        )
    cases["F"] = f
    # G: rejected 09:20: decided in time, never due to close. Time to accept 20 min.
    g = report_at(march(MON, 9))
    cases["G"] = step(march(MON, 9, 20), g, "reject")
    # H: in 凤凰社区: counts for the street, not for 花园街社区.
    h = report_at(march(MON, 9), where=place(FENGHUANG))
    cases["H"] = step(march(MON, 9, 10), h, "accept", actor=user("fenghuang_staff"))
    return cases
