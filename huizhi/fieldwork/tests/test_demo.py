"""The demo grid worker's week loads as DESIGN §15 and issue 18 describe: patrols with routes, an
overdue visit list, two fixes on the spot (one checked)."""

import pytest
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.states import Source, Status
from huizhi.fieldwork import selectors
from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit
from huizhi.site.demo import fieldwork as demo_fieldwork

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(media):
    # Until the lead adds it to load_demo(), the loader runs here on top of the demo street.
    if not Patrol.objects.exists():
        demo_fieldwork.load()
    return User.objects.get(username="gridworker")


def test_the_demo_grid_worker_patrolled_every_day_of_the_past_week(week):
    patrols = Patrol.objects.filter(worker=week)
    today = timezone.localdate()
    days = {timezone.localtime(p.started_at).date() for p in patrols}
    assert len(days) == 7 and today not in days and not patrols.filter(ended_at__isnull=True).exists()
    assert all(p.check_ins.count() >= 3 for p in patrols)
    assert CheckIn.objects.filter(patrol__worker=week, far=True).count() == 1
    # The check-ins lie inside their patrol, in order.
    for patrol in patrols:
        moments = list(patrol.check_ins.order_by("id").values_list("at", flat=True))
        assert (
            moments == sorted(moments) and patrol.started_at <= moments[0] and moments[-1] <= patrol.ended_at
        )


def test_the_demo_has_two_fixes_on_the_spot_found_on_patrol_one_checked(week):
    fixes = list(SpotFix.objects.filter(worker=week).select_related("case", "patrol"))
    assert len(fixes) == 2
    for fix in fixes:
        assert fix.case.source == Source.PATROL and fix.case.status == Status.CLOSED
        assert fix.patrol.started_at <= fix.case.created_at <= fix.patrol.ended_at
        assert fix.case in selectors.reports_during([fix.patrol])[fix.patrol.pk]
    assert sorted(fix.check_result for fix in fixes) == ["", "ok"]


def test_the_demo_visit_list_has_overdue_and_recent_households(week):
    rows = selectors.worklist(week)
    assert any(row.is_overdue for row in rows) and any(not row.is_overdue for row in rows)
    assert rows[0].is_overdue  # overdue first
    assert any(row.last_visit is None for row in rows)
    assert Visit.objects.filter(worker=week).exists()
