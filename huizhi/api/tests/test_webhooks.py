"""Webhooks: signed with HMAC-SHA256 of the body, retried with backoff on a failing receiver."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.api.models import WebhookDelivery, WebhookSubscription
from huizhi.api.webhooks import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    active_subscriptions,
    deliver_webhook,
    retry_due_webhooks,
    sign,
    wants_deliveries,
)
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import Source
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db
SECRET = "s3cret-of-the-hotline"


class Receiver:
    """A real HTTP server on loopback that fails the first `failures` requests, then accepts. Each
    request is recorded as it arrives; `on_request(headers, body)` then runs in the request's own
    thread, and the answer waits `delay` seconds (a slow receiver). Requests are served at once."""

    def __init__(self, failures: int = 0, delay: float = 0, on_request=None):
        self.failures = failures
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                code = 500 if len(receiver.received) <= receiver.failures else 204
                if on_request is not None:
                    on_request(dict(self.headers), body)
                time.sleep(delay)
                try:
                    self.send_response(code)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting (its read timeout)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def subscribe(url: str, community: str = "花园街社区", actions=()) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="12345热线",
        url=url,
        secret=SECRET,
        place=Place.objects.get(kind="community", name=community),
        actions=list(actions),
    )


def report(django_capture_on_commit_callbacks):
    building = Place.objects.get(kind="building", name="11栋", parent__name="扬天小区")
    with django_capture_on_commit_callbacks(execute=True):
        return case_report(
            actor=User.objects.get(username="gridworker"),
            category=Category.objects.get(code="0101"),
            title="垃圾未清运",
            description="11栋旁",
            source=Source.PATROL,
            place=building,
        )


def test_each_event_is_posted_signed_with_the_subscribers_secret(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        subscribe(receiver.url)
        case = report(django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            case_transition(
                actor=User.objects.get(username="huayuan_staff"), case_id=case.pk, action="accept"
            )
    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    events = [json.loads(body)["event"] for _h, body in receiver.received]
    assert events == ["report", "accept"]
    assert json.loads(receiver.received[1][1])["case"]["status"] == "accepted"
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_tampered_body_does_not_verify():
    body = b'{"event": "report"}'
    assert sign(SECRET, body) != sign(SECRET, body.replace(b"report", b"verify"))
    assert sign(SECRET, body) != sign("another secret", body)


def test_a_failing_receiver_is_retried_with_backoff_until_it_accepts(django_capture_on_commit_callbacks):
    with Receiver(failures=2) as receiver:
        subscribe(receiver.url, actions=["report"])
        report(django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
        first_wait = delivery.next_attempt_at - timezone.now()
        assert timedelta(seconds=20) < first_wait <= timedelta(seconds=30)
        assert retry_due_webhooks() == 0  # not yet due: nothing is sent early
        assert retry_due_webhooks(now=delivery.next_attempt_at) == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("failed", 2)
        assert delivery.next_attempt_at - timezone.now() > first_wait  # the wait doubles
        retry_due_webhooks(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    assert len(receiver.received) == 3
    assert len({body for _h, body in receiver.received}) == 1  # the same signed body every time


def test_it_gives_up_after_the_last_attempt(django_capture_on_commit_callbacks):
    with Receiver(failures=100) as receiver:
        subscribe(receiver.url, actions=["report"])
        report(django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert deliver_webhook.call(delivery.pk) == "failed"  # queued twice: not sent before its backoff
        assert len(receiver.received) == 1
        later = timezone.now()
        for _ in range(MAX_ATTEMPTS + 2):
            later += timedelta(days=1)
            retry_due_webhooks(now=later)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", MAX_ATTEMPTS)
    assert len(receiver.received) == MAX_ATTEMPTS


def test_an_unreachable_receiver_is_recorded_and_retried(django_capture_on_commit_callbacks):
    subscribe("http://127.0.0.1:9/nothing-listens-here", actions=["report"])
    report(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code is None and delivery.last_error


def test_subscriptions_hear_only_their_own_scope(django_capture_on_commit_callbacks):
    with Receiver() as receiver:
        subscribe(receiver.url, community="凤凰社区")
        report(django_capture_on_commit_callbacks)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def _savepoints(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("SAVEPOINT"))


def test_an_event_no_subscription_wants_opens_no_savepoint_for_webhooks(django_capture_on_commit_callbacks):
    """The outbound list asks whether there is any delivery to freeze before it calls the webhooks'
    subscriber: an event outside every subscription's scope or actions costs no round trip for them;
    one inside it gets its delivery as before."""
    subscribe("http://127.0.0.1:9/hook", actions=["close"])  # wants no report
    active_subscriptions.get()  # the process's kept list is current, as between writes
    with CaptureQueriesContext(connection) as unwanted:
        report(django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()
    subscribe("http://127.0.0.1:9/hook", actions=["report"])
    active_subscriptions.get()
    with CaptureQueriesContext(connection) as wanted:
        report(django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == 1
    # The report's subscribers share one savepoint (huizhi.cases.outbound.announce): the webhooks
    # add none of their own, and an event they do not want costs them not one statement.
    assert _savepoints(wanted.captured_queries) == _savepoints(unwanted.captured_queries)
    assert not any("api_webhook" in q["sql"] for q in unwanted.captured_queries)
    assert any("api_webhookdelivery" in q["sql"] for q in wanted.captured_queries)


def test_asking_whether_an_event_wants_deliveries_never_queries(django_assert_num_queries):
    """The question is asked outside any savepoint, inside the filing's transaction: a failed query
    there would abort the filing on PostgreSQL. Without a current kept list it answers yes (the
    list is then loaded inside freeze_deliveries' savepoint); with one, from the list."""
    subscribe("http://127.0.0.1:9/hook", actions=["close"])
    event = CaseEvent(
        case=Case(place_code=Place.objects.get(kind="community", name="花园街社区").code), action="report"
    )
    active_subscriptions.drop()
    with django_assert_num_queries(0):
        assert wants_deliveries(event) is True
    active_subscriptions.get()
    with django_assert_num_queries(0):
        assert wants_deliveries(event) is False
        event.action = "close"
        assert wants_deliveries(event) is True
