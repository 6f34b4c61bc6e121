"""The residents import as a task: the page stores the upload and queues it, a worker imports it
and counts its progress on the job, and the job's page follows it to the result.

In the test run tasks go through django-tasks' immediate backend, queued at the commit of the
request's transaction (`core/tasks.py`); pytest-django's transaction never commits, so a test
runs the captured commit callbacks when it wants the worker to have run. One test queues through
the database backend and runs the real `db_worker`.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django_tasks import task_backends
from django_tasks_db.models import DBTaskResult

from huizhi.accounts.roles import Role
from huizhi.core.management.commands import db_worker
from huizhi.places.models import Place
from huizhi.registry.models import ImportJob, Resident
from huizhi.registry.services import importing
from huizhi.registry.services.households import id_lookup_hash
from huizhi.registry.tasks import run_registry_import
from huizhi.registry.tests.conftest import HUAYUAN, user
from huizhi.registry.tests.sheets import person_row, xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rows(count: int, first: int = 40) -> list[dict]:
    return [person_row(first + i, room=f"8单元{i + 1:02d}") for i in range(count)]


def _upload(client, data: bytes, name: str = "花园街居民.xlsx"):
    return client.post(reverse("registry:import"), {"file": SimpleUploadedFile(name, data)})


def _progress(client, job: ImportJob) -> dict:
    response = client.get(reverse("registry:import_progress", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def _page(client, job: ImportJob) -> str:
    response = client.get(reverse("registry:import_result", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return escape(translation.gettext(message))


def test_an_upload_is_queued_then_imported_with_its_progress_shown_until_done(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    staff = user("huayuan_staff")
    client.force_login(staff)
    rows = _rows(7)
    data = xlsx(rows)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _upload(client, data)
    job = ImportJob.objects.get(user=staff)
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_result", args=[job.pk]
    )

    # Queued: nothing imported yet, the sheet kept encrypted for the worker, the page waiting.
    assert (job.status, job.place_code, len(queued)) == (ImportJob.Status.QUEUED, HUAYUAN, 1)
    assert bytes(job.upload) != data and rows[0]["公民身份号码"].encode() not in bytes(job.upload)
    assert not Resident.objects.filter(id_hash=id_lookup_hash(rows[0]["公民身份号码"])).exists()
    page = _page(client, job)
    assert 'id="import-running"' in page and zh("Waiting for its turn…") in page
    assert 'http-equiv="refresh"' in page  # without script the page reloads itself
    assert _progress(client, job) == {
        "status": "queued",
        "phase": "queued",
        "processed": 0,
        "total": 0,
        "percent": None,
    }

    # The worker runs; what the page's script reads while it checks rows, every two rows here.
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    seen, keep_alive = [], importing._keep_alive

    def and_look(*args, **kwargs):
        keep_alive(*args, **kwargs)
        seen.append(_progress(client, job))

    monkeypatch.setattr(importing, "_keep_alive", and_look)
    queued[0]()  # the commit: the immediate backend runs the task
    assert [(p["phase"], p["processed"], p["total"], p["percent"]) for p in seen] == [
        ("checking", 0, 7, 0),  # the sheet is read: 7 rows to check
        ("checking", 2, 7, 28),
        ("checking", 4, 7, 57),
        ("checking", 6, 7, 85),
        ("saving", 7, 7, None),  # one transaction, no count inside it
    ]

    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed, job.created, job.rejected) == ("done", 7, 7, 7, 0)
    assert job.upload is None  # the sheet is not kept once imported
    assert _progress(client, job)["status"] == "done"
    page = _page(client, job)
    assert 'id="import-running"' not in page and 'http-equiv="refresh"' not in page
    assert dict(re.findall(r'data-figure="(\w+)">(\d+)<', page))["created"] == "7"
    assert Resident.objects.filter(id_hash__in=[id_lookup_hash(r["公民身份号码"]) for r in rows]).count() == 7


@pytest.mark.parametrize(
    "data, reason",
    [
        (lambda: xlsx(_rows(1), headers=["小区", "楼栋", "房号", "姓名"]), "columns"),
        (lambda: xlsx([], headers=[]), "The sheet is empty."),
    ],
    ids=["columns missing", "empty sheet"],
)
def test_a_workbook_the_task_cannot_use_ends_failed_with_the_reason_on_its_page(
    client, data, reason, django_capture_on_commit_callbacks
):
    client.force_login(user("huayuan_staff"))
    before = Resident.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, data())
    assert response.status_code == 302  # a workbook: queued; its columns are read by the task
    job = ImportJob.objects.get()
    assert (job.status, job.upload, job.finished_at is not None) == (ImportJob.Status.FAILED, None, True)
    if reason == "columns":
        with translation.override("zh-hans"):
            reason = translation.gettext("The sheet is missing these columns: %(columns)s.") % {
                "columns": "性别、出生日期、公民身份号码"
            }
        assert job.message == reason
    page = _page(client, job)
    assert re.search(r'id="import-failed">(.*?)</p>', page, re.S).group(1) == (
        escape(reason) if reason == job.message else zh(reason)
    )
    assert _progress(client, job)["status"] == "failed"
    listed = client.get(reverse("registry:import")).content.decode()
    assert f'data-import="{job.pk}" data-status="failed"' in listed
    assert Resident.objects.count() == before


def test_a_task_delivered_twice_imports_once(client, django_capture_on_commit_callbacks):
    client.force_login(user("huayuan_staff"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx(_rows(3)))
    job = ImportJob.objects.get()
    finished = job.finished_at
    assert run_registry_import.call(job.pk) == "done"  # claimed already: returned as it is
    job.refresh_from_db()
    assert (job.created, job.finished_at) == (3, finished)


def test_through_the_database_queue_a_worker_process_imports_it(client, monkeypatch):
    """Queued in the request's transaction as a task row; `db_worker` takes it and imports."""
    # Between tasks a worker closes connections that are not in autocommit; here that connection is
    # the test's own transaction (PostgreSQL would close it under the test).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    client.force_login(user("huayuan_staff"))
    database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database):
        assert type(task_backends["default"]).__name__ == "DatabaseBackend"
        _upload(client, xlsx(_rows(4)))
        job = ImportJob.objects.get()
        task_row = DBTaskResult.objects.get()
        assert (job.status, task_row.args_kwargs["args"]) == (ImportJob.Status.QUEUED, [job.pk])
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job.refresh_from_db()
    task_row.refresh_from_db()
    assert (job.status, job.created, task_row.status) == ("done", 4, "SUCCESSFUL")


# --- who sees what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["gridworker", "street", "liaison", "resident"])
def test_only_community_staff_open_an_import_and_its_progress(
    client, username, django_capture_on_commit_callbacks
):
    client.force_login(user("huayuan_staff"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx(_rows(1)))
    job = ImportJob.objects.get()
    urls = [reverse(f"registry:{name}", args=[job.pk]) for name in ("import_result", "import_progress")]
    assert [client.get(url).status_code for url in urls] == [200, 200]  # allowed: the importer
    client.force_login(user(username))
    assert [client.get(url).status_code for url in urls] == [403, 403]  # refused: not community staff
    assert (
        client.post(
            reverse("registry:import"), {"file": SimpleUploadedFile("a.xlsx", xlsx(_rows(1)))}
        ).status_code
        == 403
    )
    assert ImportJob.objects.count() == 1


def test_a_job_is_seen_by_staff_of_its_community_and_by_no_other_community(
    client, django_capture_on_commit_callbacks
):
    bad = person_row(49, **{"手机号码": "0550-3012345"})  # one row refused: a rejected-rows file to guard
    client.force_login(user("huayuan_staff"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx([bad, *_rows(2)]), name="花园街-五月.xlsx")
    job = ImportJob.objects.get()
    assert job.rejected == 1
    urls = [
        reverse(f"registry:{name}", args=[job.pk])
        for name in ("import_result", "import_progress", "import_rejected")
    ]
    colleague = UserFactory(role=Role.COMMUNITY_STAFF, over=Place.objects.get(code=HUAYUAN))
    for who, status, listed in [
        (colleague, 200, True),
        (user("sanliting_staff"), 404, False),
        (user("fenghuang_staff"), 404, False),
    ]:
        client.force_login(who)
        assert [client.get(url).status_code for url in urls] == [status] * 3, who.username
        page = client.get(reverse("registry:import")).content.decode()
        assert ("花园街-五月.xlsx" in page) is listed
        if who == colleague:  # a colleague's upload says whose it is
            assert str(user("huayuan_staff")) in page


def test_an_uploader_moved_to_another_community_no_longer_opens_the_old_import(
    client, django_capture_on_commit_callbacks
):
    """The rejected rows hold ID numbers: who reads them follows the role over the place, not who
    once uploaded them."""
    uploader = UserFactory(role=Role.COMMUNITY_STAFF, over=Place.objects.get(code=HUAYUAN))
    client.force_login(uploader)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, xlsx([person_row(49, **{"手机号码": "0550-3012345"}), *_rows(2)]))
    job = ImportJob.objects.get()
    urls = [
        reverse(f"registry:{name}", args=[job.pk])
        for name in ("import_result", "import_progress", "import_rejected")
    ]
    assert [client.get(url).status_code for url in urls] == [200] * 3

    assignment = uploader.roles.get()
    assignment.place = Place.objects.get(code=user("sanliting_staff").roles.first().place.code)
    assignment.save()
    uploader = type(uploader).objects.get(pk=uploader.pk)  # scopes are read once per user object
    client.force_login(uploader)
    assert [client.get(url).status_code for url in urls] == [404] * 3
