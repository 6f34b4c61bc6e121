"""The commissioner's stalled tab: open cases with no step for their category's N working hours
(Category.stall_after_hours), read from Case.last_event_at, which record_event keeps."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.cases import workcalendar
from huizhi.cases.models import Case
from huizhi.cases.selectors import supervision_queue
from huizhi.cases.services.common import record_event
from huizhi.cases.states import Action, Status
from tests.factories import CaseFactory, SubcategoryFactory, UserFactory, advance, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_0900 = datetime(
    2026, 11, 2, 9, 0, tzinfo=SHANGHAI
)  # a working day, office hours 08:30-12:00, 14:00-17:30
MONDAY_1530 = datetime(2026, 11, 2, 15, 30, tzinfo=SHANGHAI)  # 4.5 working hours after 09:00


@pytest.fixture
def world():
    w = small_street()
    w.category.stall_after_hours = 4
    w.category.save()
    w.commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=w.community)
    return w


def _file(world, **fields):
    return CaseFactory(
        **{"place": world.building, "category": world.category, "actor": world.gridworker, **fields}
    )


def test_a_case_idle_longer_than_its_category_allows_is_stalled_and_a_recent_one_is_not(world):
    with time_machine.travel(MONDAY_0900, tick=False):
        idle = _file(world)
        worked = _file(world)
        patient = _file(world, category=SubcategoryFactory(stall_after_hours=8))
        assert idle.last_event_at == MONDAY_0900
    with time_machine.travel(datetime(2026, 11, 2, 14, 30, tzinfo=SHANGHAI), tick=False):
        advance(worked, "accept", world)  # 1 working hour before 15:30
    with time_machine.travel(MONDAY_1530, tick=False):
        stalled = list(supervision_queue(world.commissioner, view="stalled"))
    assert stalled == [idle]
    assert Case.objects.get(pk=worked.pk).last_event_at == datetime(2026, 11, 2, 14, 30, tzinfo=SHANGHAI)
    assert patient not in stalled


def test_the_clock_warnings_are_not_steps(world):
    with time_machine.travel(MONDAY_0900, tick=False):
        case = _file(world)
    with time_machine.travel(datetime(2026, 11, 2, 15, 0, tzinfo=SHANGHAI), tick=False):
        record_event(
            case=case, actor=None, action=Action.OVERDUE, from_status="reported", to_status="reported"
        )
    with time_machine.travel(MONDAY_1530, tick=False):
        assert list(supervision_queue(world.commissioner, view="stalled")) == [case]


def test_closed_and_suspended_cases_are_not_stalled(world):
    with time_machine.travel(MONDAY_0900, tick=False):
        suspended = _file(world)
        for action in ("accept", "dispatch", "suspend"):
            suspended = advance(suspended, action, world)
        assert suspended.status == Status.SUSPENDED
        closed = _file(world)
        for action in ("accept", "dispatch", "start", "report_result", "verify"):
            closed = advance(closed, action, world)
    with time_machine.travel(MONDAY_1530, tick=False):
        assert list(supervision_queue(world.commissioner, view="stalled")) == []


def test_stalled_cases_are_scoped_to_the_commissioner(world):
    other = small_street()
    other_commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=other.community)
    with time_machine.travel(MONDAY_0900, tick=False):
        case = _file(world)
    with time_machine.travel(MONDAY_1530, tick=False):
        assert list(supervision_queue(world.commissioner, view="stalled")) == [case]
        assert list(supervision_queue(other_commissioner, view="stalled")) == []
        assert list(supervision_queue(world.staff, view="stalled")) == []  # not a commissioner


def test_the_stalled_tab_on_the_page(client, world):
    with time_machine.travel(MONDAY_0900, tick=False):
        case = _file(world)
    with time_machine.travel(MONDAY_1530, tick=False):
        client.force_login(world.commissioner)
        page = client.get(reverse("cases:supervision") + "?view=stalled")
        assert page.status_code == 200
        assert f'data-case="{case.pk}"'.encode() in page.content
        assert b'id="view-stalled" aria-current="page"' in page.content
        due = client.get(reverse("cases:supervision"))
        assert f'data-case="{case.pk}"'.encode() in due.content  # overdue to accept (1 working hour)
        client.force_login(world.staff)
        assert client.get(reverse("cases:supervision") + "?view=stalled").status_code == 403


@pytest.mark.parametrize(
    ("end", "hours"),
    [
        (MONDAY_1530, 4),
        (datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), 1),  # back across the night into Friday
        (datetime(2026, 11, 1, 20, 0, tzinfo=SHANGHAI), 3),  # from a Sunday evening
    ],
)
def test_before_is_the_inverse_of_between(end, hours):
    start = workcalendar.before(end, hours * 3600)
    assert start < end
    assert workcalendar.between(start, end, True) == hours * 3600
