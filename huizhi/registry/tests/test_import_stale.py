"""An import killed mid-run (kill -9, a deploy restart) does not stay "running" forever.

The import pushes its job's heartbeat (`alive_until`) ahead as it goes; a job still running past
it is marked failed with the reason when its page is read (or by `fail_stale_imports`, for a
sweep), and the user starts again. Nothing of a killed import is saved. The kill is an exception
no handler catches (like kill -9, which runs none), raised at a chosen point; the clock is
time-machine's, moved a minute per row checked.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from huizhi.registry.models import ImportJob, Resident
from huizhi.registry.services import importing, registry_import
from huizhi.registry.services.importing import SAVING_ALLOWANCE, STALE_AFTER, fail_stale_imports
from huizhi.registry.tests.conftest import user
from huizhi.registry.tests.sheets import person_row, xlsx

pytestmark = pytest.mark.django_db


class Killed(BaseException):
    """The process ends here: not an Exception, so no `except Exception` of the import sees it."""


def _rows(count: int) -> list[dict]:
    return [person_row(60 + i, room=f"6单元{i + 1:02d}") for i in range(count)]


def _result_page(client, job: ImportJob) -> str:
    return client.get(reverse("registry:import_result", args=[job.pk])).content.decode()


def test_an_import_killed_while_checking_shows_failed_with_the_reason_and_a_new_import_runs(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    staff = user("huayuan_staff")
    client.force_login(staff)
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    real_validate, checked = importing._validate, []
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:

        def a_minute_a_row_then_killed_at_the_fifth(*args):
            checked.append(1)
            clock.shift(timedelta(minutes=1))
            if len(checked) == 5:
                raise Killed
            return real_validate(*args)

        monkeypatch.setattr(importing, "_validate", a_minute_a_row_then_killed_at_the_fifth)
        with pytest.raises(Killed):
            registry_import(actor=staff, data=xlsx(_rows(9)), file_name="花园街居民.xlsx")
        job = ImportJob.objects.get(user=staff)
        # Its last heartbeat came after the fourth row, four minutes in.
        assert job.alive_until == start + timedelta(minutes=4) + STALE_AFTER

        # Killed five minutes after it started, but it beat a minute ago: it may still be running.
        page = _result_page(client, job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.RUNNING
        assert 'id="import-running"' in page and "import-figures" not in page

        clock.move_to(job.alive_until + timedelta(seconds=1))
        page = _result_page(client, job)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and job.finished_at == timezone.now()
        assert job.message and escape(job.message) in page
        assert 'id="import-failed"' in page and "import-figures" not in page  # no row of zeros
        listed = client.get(reverse("registry:import")).content.decode()
        assert re.search(rf'data-import="{job.pk}" data-status="failed"', listed)
        assert escape(job.message) in listed

    monkeypatch.setattr(importing, "_validate", real_validate)
    upload = SimpleUploadedFile("花园街居民.xlsx", xlsx(_rows(9)), content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):  # the queued task runs at the commit
        response = client.post(reverse("registry:import"), {"file": upload})
    assert response.status_code == 302
    again = ImportJob.objects.filter(user=staff).exclude(pk=job.pk).get()
    assert (again.status, again.created) == (ImportJob.Status.DONE, 9)
    assert 'data-figure="created">9<' in client.get(response["Location"]).content.decode()


def test_an_import_killed_while_saving_wrote_nothing_and_is_failed_after_the_saving_allowance(monkeypatch):
    staff = user("huayuan_staff")
    residents = Resident.objects.count()
    finished = ImportJob.objects.create(
        user=staff, file_name="earlier.xlsx", status=ImportJob.Status.DONE, alive_until=timezone.now()
    )
    real_insert_all, written = importing.insert_all, []

    def killed_after_the_first_rows(objs, *args, **kwargs):
        real_insert_all(objs[:3], *args, **kwargs)
        written.extend(objs[:3])
        raise Killed

    monkeypatch.setattr(importing, "insert_all", killed_after_the_first_rows)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        with pytest.raises(Killed):
            registry_import(actor=staff, data=xlsx(_rows(6)), file_name="花园街居民.xlsx")
        job = ImportJob.objects.exclude(pk=finished.pk).get(user=staff)
        assert (
            len(written) == 3 and Resident.objects.count() == residents
        )  # rolled back: nothing half-written
        # The save cannot beat from inside its transaction: it was given the longest a request lasts.
        assert job.alive_until == start + SAVING_ALLOWANCE

        clock.shift(STALE_AFTER + timedelta(minutes=1))
        assert fail_stale_imports() == 0
        clock.move_to(job.alive_until + timedelta(seconds=1))
        assert fail_stale_imports(ImportJob.objects.exclude(pk=job.pk)) == 0  # only the jobs given
        assert fail_stale_imports() == 1
        assert fail_stale_imports() == 0
    job.refresh_from_db()
    finished.refresh_from_db()
    assert (job.status, bool(job.message)) == (ImportJob.Status.FAILED, True)
    assert finished.status == ImportJob.Status.DONE  # a finished job is never touched
