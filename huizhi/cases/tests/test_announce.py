"""A case saved is always announced: with the database task queue, the notice task is queued in
the same transaction as the event, so a web worker that dies between the commit and its response
still leaves the task for a worker; and an event undone leaves no task behind."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from huizhi.cases.models import Notification
from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def file_case(db):
    """Files a case in a small street whose community has staff to tell."""
    world = small_street()
    return lambda: CaseFactory(place=world.building, category=world.category, actor=world.gridworker)


def notices_queued() -> int:
    return DBTaskResult.objects.ready().filter(task_path__endswith="deliver_event_notifications").count()


def test_the_notice_task_is_queued_with_the_event_not_after_the_commit(
    file_case, database_queue, django_capture_on_commit_callbacks
):
    before = notices_queued()
    # The test's transaction never commits and no on-commit callback runs: as if the process died
    # right after the commit. The task is there all the same.
    with django_capture_on_commit_callbacks(execute=False):
        file_case()
    assert notices_queued() == before + 1


def test_an_event_rolled_back_leaves_no_task(file_case, database_queue):
    before = notices_queued()
    with pytest.raises(RuntimeError), transaction.atomic():
        file_case()
        raise RuntimeError("the filing failed after the event")
    assert notices_queued() == before


def test_a_queued_notice_is_delivered_by_a_worker(file_case, database_queue, monkeypatch):
    from django.core.management import call_command

    from huizhi.core.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    case = file_case()
    before = Notification.objects.filter(case=case).count()
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    assert Notification.objects.filter(case=case).count() > before


def test_in_process_tasks_still_wait_for_the_commit(file_case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = file_case()
    assert not Notification.objects.filter(case=case).exists()
    assert callbacks
