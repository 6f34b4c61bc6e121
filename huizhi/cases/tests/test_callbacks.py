"""Call-backs (回访): the due list, scoped both ways; recording reached and not reached; the timeline
line; a second call after someone was reached refused; the page."""

import pytest
from django.urls import reverse

from huizhi.accounts.roles import Role
from huizhi.cases.models import CallBack
from huizhi.cases.selectors import callbacks_due, callees_for
from huizhi.cases.services import CaseActionError, callback_record
from huizhi.cases.services.callbacks import MAX_ATTEMPTS
from huizhi.cases.states import Action, Rating, Source, Status
from tests.factories import UserFactory, case_in, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def world():
    return small_street()


def test_closed_patrol_case_is_due_for_staff_over_it_and_not_for_staff_elsewhere(world):
    closed = case_in(Status.CLOSED, world)
    case_in(Status.HANDLED, world)  # not closed yet
    case_in(Status.CLOSED, world, source=Source.WALL, actor=world.resident)  # residents rate their own
    other = small_street()
    assert list(callbacks_due(world.staff)) == [closed]
    assert list(callbacks_due(world.street_admin)) == [closed]
    assert list(callbacks_due(other.staff)) == []
    assert list(callbacks_due(world.gridworker)) == []  # staff's work, not the grid worker's


def test_reached_call_back_records_satisfaction_on_the_timeline_and_leaves_the_list(world):
    case = case_in(Status.CLOSED, world)
    callback = callback_record(
        actor=world.staff, case_id=case.pk, reached=True, satisfaction=Rating.SATISFIED, note="居民表示满意"
    )
    assert (callback.reached, callback.satisfaction, callback.called_by) == (True, "satisfied", world.staff)
    event = case.events.last()
    assert event.action == Action.CALLBACK
    assert event.data["satisfaction"] == "satisfied" and event.note == "居民表示满意"
    assert event.from_status == event.to_status == Status.CLOSED
    assert list(callbacks_due(world.staff)) == []


def test_not_reached_stays_due_and_is_tried_up_to_the_limit(world):
    case = case_in(Status.CLOSED, world)
    callback = callback_record(actor=world.staff, case_id=case.pk, reached=False)
    assert (callback.reached, callback.satisfaction) == (False, "")
    [due] = callbacks_due(world.staff)
    assert due.attempts == 1
    for _ in range(MAX_ATTEMPTS - 1):
        callback_record(actor=world.staff, case_id=case.pk, reached=False)
    assert list(callbacks_due(world.staff)) == []
    with pytest.raises(CaseActionError) as refused:
        callback_record(actor=world.staff, case_id=case.pk, reached=False)
    assert refused.value.code == "already_called_back"


def test_a_second_call_back_after_someone_was_reached_is_refused(world):
    case = case_in(Status.CLOSED, world)
    callback_record(actor=world.staff, case_id=case.pk, reached=True, satisfaction=Rating.UNSATISFIED)
    with pytest.raises(CaseActionError) as refused:
        callback_record(actor=world.staff, case_id=case.pk, reached=True, satisfaction=Rating.SATISFIED)
    assert refused.value.code == "already_called_back"
    assert CallBack.objects.get(case=case).satisfaction == Rating.UNSATISFIED
    assert case.events.filter(action=Action.CALLBACK).count() == 1


@pytest.mark.parametrize(
    ("who", "code"),
    [("other_staff", "not_allowed"), ("gridworker", "not_allowed"), ("crew_member", "not_allowed")],
)
def test_only_staff_over_the_place_call_back(world, who, code):
    case = case_in(Status.CLOSED, world)
    actor = small_street().staff if who == "other_staff" else getattr(world, who)
    with pytest.raises(CaseActionError) as refused:
        callback_record(actor=actor, case_id=case.pk, reached=False)
    assert refused.value.code == code
    assert not CallBack.objects.filter(case=case).exists()


def test_open_cases_other_sources_and_bad_answers_are_refused(world):
    handled = case_in(Status.HANDLED, world)
    wall = case_in(Status.CLOSED, world, source=Source.WALL, actor=world.resident)
    closed = case_in(Status.CLOSED, world)
    cases = [
        (dict(case_id=handled.pk, reached=False), "wrong_state"),
        (dict(case_id=wall.pk, reached=False), "wrong_source"),
        (dict(case_id=closed.pk, reached=True), "missing_satisfaction"),
        (dict(case_id=closed.pk, reached=False, satisfaction=Rating.SATISFIED), "bad_input"),
    ]
    for kwargs, code in cases:
        with pytest.raises(CaseActionError) as refused:
            callback_record(actor=world.staff, **kwargs)
        assert refused.value.code == code
    assert not CallBack.objects.filter(case__in=[handled, wall, closed]).exists()


def test_who_to_call_the_resident_reporter_masked_to_staff_outside_else_the_residents(world):
    resident = UserFactory(full_name="王小明", mobile="13912345678")
    by_resident = case_in(Status.CLOSED, world, source=Source.HOTLINE, actor=resident)
    by_worker = case_in(Status.CLOSED, world)
    callees = callees_for([by_resident, by_worker], world.staff)
    assert callees[by_resident.pk].masked_mobile == "139****5678"
    assert callees[by_resident.pk].mobile == "13912345678"  # staff over the case see particulars
    assert callees[by_resident.pk].label == "王小明"
    assert callees[by_worker.pk].residents_of == by_worker.place_code and not callees[by_worker.pk].mobile
    outsider = UserFactory(role=Role.COMMUNITY_STAFF, over=small_street().community)
    hidden = callees_for([by_resident], outsider)[by_resident.pk]
    assert hidden.mobile == "" and hidden.label == "王**"


def test_the_page_lists_due_and_records_a_call_back(client, world, django_assert_max_num_queries):
    case = case_in(Status.CLOSED, world)
    client.force_login(world.staff)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("cases:callbacks"))
    assert page.status_code == 200
    assert f'data-case="{case.pk}"'.encode() in page.content
    response = client.post(
        reverse("cases:callbacks"),
        {"case": case.pk, "reached": "yes", "satisfaction": "basically", "note": "基本满意"},
    )
    assert response.status_code == 302
    assert CallBack.objects.get(case=case).satisfaction == Rating.BASICALLY_SATISFIED
    page = client.get(reverse("cases:callbacks"))
    assert f'data-case="{case.pk}"'.encode() not in page.content
    assert b'id="none-due"' in page.content


def test_the_page_is_refused_to_those_who_do_not_call_back(client, world):
    case = case_in(Status.CLOSED, world)
    for user in (world.gridworker, world.crew_member, world.resident):
        client.force_login(user)
        assert client.get(reverse("cases:callbacks")).status_code == 403
    client.force_login(small_street().staff)
    response = client.post(reverse("cases:callbacks"), {"case": case.pk, "reached": "no"})
    assert response.status_code == 404
    assert not CallBack.objects.filter(case=case).exists()
