"""Exactly-once filing: a client that retries after a lost answer files nothing twice.

A write the client sees as a reset connection may well have been saved; its retry, carrying the
same idempotency key, gets the first answer instead of filing the case again.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from huizhi.api.idempotency import WINDOW
from huizhi.api.keys import api_key_create
from huizhi.api.models import IdempotentRequest
from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
OPEN311 = "/open311/v2/requests.json"


@pytest.fixture
def raw_key() -> str:
    return api_key_create(name="12345热线", place=f.place(f.HUAYUAN))[1]


@pytest.fixture
def api(raw_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


def filing(**fields) -> dict:
    return {
        "category": f.GARBAGE,
        "title": "东门垃圾",
        "description": "东门垃圾堆积。",
        "place": f.YANGTIAN,
        **fields,
    }


def test_a_rest_retry_with_the_same_key_gets_the_first_answer_and_files_nothing(api):
    before = Case.objects.count()
    first = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="hotline-20261205-0001")
    again = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="hotline-20261205-0001")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == before + 1


def test_without_a_key_each_post_files_a_case(api):
    before = Case.objects.count()
    api.post(CASES, filing(), format="json")
    api.post(CASES, filing(), format="json")
    assert Case.objects.count() == before + 2


def test_the_same_key_with_another_request_is_a_422_and_files_nothing(api):
    api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    before = Case.objects.count()
    response = api.post(CASES, filing(title="别的"), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == before


def test_a_refused_filing_is_not_remembered_so_the_fixed_retry_files(api):
    refused = api.post(CASES, filing(place="341102001001"), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.filter(key="k2").exists()
    fixed = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert fixed.status_code == 201


def test_keys_are_per_client(api, raw_key):
    other = APIClient()
    other.credentials(HTTP_X_API_KEY=api_key_create(name="另一系统", place=f.place(f.HUAYUAN))[1])
    a = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    b = other.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "bad\x01key"])
def test_a_malformed_key_is_a_400(api, key):
    response = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY=key)
    if key.strip():
        assert response.status_code == 400
    else:
        assert response.status_code == 201  # an empty header is no key


@pytest.mark.parametrize("how", ["header", "field"])
def test_an_open311_retry_gets_the_first_answer(raw_key, how):
    data = {
        "api_key": raw_key,
        "service_code": f.GARBAGE,
        "description": "东门垃圾堆积。",
        "address_id": f.YANGTIAN,
    }
    extra = {"HTTP_IDEMPOTENCY_KEY": "req-77"} if how == "header" else {}
    if how == "field":
        data["client_request_id"] = "req-77"
    before = Case.objects.count()
    first = APIClient().post(OPEN311, data, **extra)
    again = APIClient().post(OPEN311, data, **extra)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert Case.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_demo")
def test_two_concurrent_retries_file_one_case():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database cannot hold two writers at once (see test_concurrency)")
    raw = api_key_create(name="12345热线", place=f.place(f.HUAYUAN))[1]
    before = Case.objects.count()
    answers = []

    def post():
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=raw)
        answers.append(client.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="race"))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert Case.objects.count() == before + 1


def test_an_idempotent_retry_may_move_its_key_to_the_header(raw_key):
    data = {
        "service_code": f.GARBAGE,
        "description": "东门垃圾。",
        "address_id": f.YANGTIAN,
        "client_request_id": "r1",
    }
    first = APIClient().post(OPEN311, {**data, "api_key": raw_key})
    again = APIClient().post(OPEN311, data, HTTP_X_API_KEY=raw_key)
    assert first.status_code == again.status_code == 201
    assert first.content == again.content


def test_a_key_older_than_the_window_files_again(api):
    """An expired key names nothing: the same key a day and more later is a first request (found and
    dropped in the filing's own transaction, no separate delete before every filing)."""
    first = api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="daily-0001")
    IdempotentRequest.objects.filter(key="daily-0001").update(
        created_at=timezone.now() - WINDOW - timedelta(minutes=1)
    )
    again = api.post(CASES, filing(title="次日"), format="json", HTTP_IDEMPOTENCY_KEY="daily-0001")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    replay = api.post(CASES, filing(title="次日"), format="json", HTTP_IDEMPOTENCY_KEY="daily-0001")
    assert replay.json()["id"] == again.json()["id"], "the new answer is the one kept now"


def test_a_filing_with_a_key_runs_no_delete(api):
    with CaptureQueriesContext(connection) as queries:
        assert api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="k-fast").status_code == 201
    assert not [q for q in queries.captured_queries if q["sql"].startswith("DELETE")]


def test_the_daily_job_forgets_the_answers_older_than_the_window(api):
    for n in range(3):
        api.post(CASES, filing(title=f"东门{n}"), format="json", HTTP_IDEMPOTENCY_KEY=f"old-{n}")
    api.post(CASES, filing(), format="json", HTTP_IDEMPOTENCY_KEY="recent")
    IdempotentRequest.objects.filter(key__startswith="old-").update(
        created_at=timezone.now() - WINDOW - timedelta(hours=1)
    )
    out = StringIO()
    call_command("forget_idempotency_keys", stdout=out)
    assert out.getvalue().startswith("3 answers older than")
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]
