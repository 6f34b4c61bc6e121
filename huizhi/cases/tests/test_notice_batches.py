"""The worker makes many queued notice calls at once (huizhi.core.management.commands.db_worker,
huizhi.cases.notifications.deliver_notices_of_events): each event's people are told exactly as
its own delivery tells them, a batch costs a handful of statements, and a bad call fails alone."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from huizhi.cases.models import Case, CaseEvent, Notification
from huizhi.cases.notifications import deliver_event_notifications, deliver_notices_of_events
from huizhi.core import tasks as core_tasks
from huizhi.core.management.commands import db_worker

pytestmark = pytest.mark.django_db

# Every kind of audience the notices have: a unit, a community's staff, a grid's workers, the
# commissioners of a community and of a street, a street's leaders.
ACTIONS = ["report", "accept", "dispatch", "return", "report_result", "escalate", "supervise", "overdue"]


def demo_events() -> list[int]:
    """Every demo event of ACTIONS; those the demo has none of are added to dispatched cases."""
    dispatched = Case.objects.filter(handling_unit__isnull=False).order_by("pk")[:3]
    for case, action in zip(dispatched, ["return", "escalate", "overdue"], strict=True):
        CaseEvent.objects.create(case=case, action=action, from_status=case.status, to_status=case.status)
    events = list(CaseEvent.objects.filter(action__in=ACTIONS).order_by("pk").values_list("pk", "action"))
    assert {action for _pk, action in events} == set(ACTIONS), "the demo has every kind of event"
    return [pk for pk, _action in events]


def lines() -> Counter:
    return Counter(Notification.objects.values_list("user_id", "case_id", "text", "created_at"))


def told_one_by_one(event_ids: list[int]) -> Counter:
    """The inbox lines each event's own delivery writes, left unsaved."""
    before = lines()
    with transaction.atomic():
        for event_id in event_ids:
            deliver_event_notifications.call(event_id)
        after = lines()
        transaction.set_rollback(True)
    return after - before


def test_a_batch_tells_each_event_exactly_whom_its_own_delivery_tells():
    event_ids = demo_events()
    expected = told_one_by_one(event_ids)
    assert len({user for user, *_ in expected}) > 10  # many people in many roles
    before = lines()
    counts = deliver_notices_of_events(event_ids)
    assert lines() - before == expected
    assert sum(counts) == sum(expected.values())


def test_one_worker_run_delivers_a_queue_of_notices_in_a_handful_of_statements(database_queue):
    event_ids = demo_events() * 3  # each told three times over: as many lines again each time
    expected = told_one_by_one(event_ids)
    queued = [deliver_event_notifications.enqueue(event_id).id for event_id in event_ids]
    before = lines()
    with CaptureQueriesContext(connection) as queries:
        call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert lines() - before == expected
    done = DBTaskResult.objects.filter(pk__in=queued)
    assert set(done.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sum(done.values_list("return_value", flat=True)) == sum(expected.values())
    # One at a time, each call took eight statements or more (taking it, reading, marking it done).
    assert len(queries) < len(queued) / 2, [q["sql"][:80] for q in queries.captured_queries]


def test_a_bad_call_in_a_batch_fails_alone(database_queue):
    event_ids = demo_events()[:10]
    expected = told_one_by_one(event_ids)
    good = [deliver_event_notifications.enqueue(event_id).id for event_id in event_ids[:5]]
    bad = deliver_event_notifications.enqueue(0).id  # no such event
    good += [deliver_event_notifications.enqueue(event_id).id for event_id in event_ids[5:]]
    before = lines()
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert lines() - before == expected  # told once each: the failed batch left nothing behind
    assert set(DBTaskResult.objects.filter(pk__in=good).values_list("status", flat=True)) == {"SUCCESSFUL"}
    failed = DBTaskResult.objects.get(pk=bad)
    assert failed.status == "FAILED" and failed.exception_class_path.endswith("DoesNotExist")


@task()
def one_at_a_time(n: int) -> int:
    return n * 2


def test_other_tasks_are_still_taken_one_at_a_time_and_max_tasks_is_kept(database_queue):
    queued = [one_at_a_time.enqueue(n).id for n in range(3)]
    notices = [deliver_event_notifications.enqueue(event_id).id for event_id in demo_events()[:30]]
    call_command("db_worker", batch=True, max_tasks=12, interval=0, startup_delay=False, verbosity=0)
    results = DBTaskResult.objects.filter(pk__in=queued + notices)
    assert results.filter(status="SUCCESSFUL").count() == 12
    assert sorted(DBTaskResult.objects.filter(pk__in=queued).values_list("return_value", flat=True)) == [
        0,
        2,
        4,
    ]
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert set(results.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_a_notice_whose_lines_fail_texts_no_one(monkeypatch, settings, django_capture_on_commit_callbacks):
    """Found from outside: made on its own (outside a transaction) a notice texted the reporter
    before writing its lines, so one whose lines then failed had texted all the same."""
    from huizhi.core.sms import MemorySmsBackend

    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    texted = [
        event
        for event in CaseEvent.objects.filter(case__reporter__isnull=False).select_related("case__reporter")
        if event.case.reporter.mobile
        and event.from_status != event.to_status
        and event.actor_id != event.case.reporter_id
    ]
    assert texted, "the demo has a change a reporter with a mobile is told of"

    def fails(*args, **kwargs):
        raise RuntimeError("the insert failed")

    monkeypatch.setattr(Notification.objects, "bulk_create", fails)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        deliver_notices_of_events([texted[0].pk])
    assert MemorySmsBackend.outbox == []
    monkeypatch.undo()
    settings.HUIZHI_SMS_BACKEND = "huizhi.core.sms.MemorySmsBackend"
    with django_capture_on_commit_callbacks(execute=True):
        deliver_notices_of_events([texted[0].pk])
    assert len(MemorySmsBackend.outbox) == 1


def test_a_worker_stopped_by_force_puts_its_batch_back(database_queue, monkeypatch):
    """Found from outside: a second Ctrl-C or SIGTERM during a batch left its calls RUNNING for
    ever (nothing takes a RUNNING call again)."""
    queued = [deliver_event_notifications.enqueue(event_id).id for event_id in demo_events()[:5]]

    def stopped(calls):
        raise SystemExit(1)  # what the worker's second signal raises

    monkeypatch.setitem(core_tasks._batch_handlers, deliver_event_notifications.module_path, stopped)
    with pytest.raises(SystemExit):
        call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert set(DBTaskResult.objects.filter(pk__in=queued).values_list("status", flat=True)) == {"READY"}
    monkeypatch.undo()
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert set(DBTaskResult.objects.filter(pk__in=queued).values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_calls_of_a_killed_workers_batch_are_queued_again(database_queue):
    """A worker killed outright (SIGKILL, out of memory) cannot put its batch back: the next
    worker does, once the calls have been RUNNING far longer than any batch takes."""
    from datetime import timedelta

    from django.utils import timezone

    abandoned, recent = (deliver_event_notifications.enqueue(event_id).id for event_id in demo_events()[:2])
    other = one_at_a_time.enqueue(1).id
    long_ago = timezone.now() - db_worker.ABANDONED_AFTER - timedelta(minutes=1)
    DBTaskResult.objects.filter(pk__in=[abandoned, other]).update(status="RUNNING", started_at=long_ago)
    DBTaskResult.objects.filter(pk=recent).update(status="RUNNING", started_at=timezone.now())
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    rows = DBTaskResult.objects.filter(pk__in=[abandoned, recent, other]).values_list("pk", "status")
    status = {str(pk): state for pk, state in rows}
    # Made again; a call still within a batch's time is left to its worker; a task that does not
    # run in batches may have done its work before it was killed: not made twice.
    assert (status[abandoned], status[recent], status[other]) == ("SUCCESSFUL", "RUNNING", "RUNNING")
