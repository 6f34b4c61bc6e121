"""Outgoing webhooks: each case event, signed with HMAC-SHA256, posted to the systems subscribed to
its place, and retried with exponential backoff until it is taken or we give up.

The payload is frozen when the event happens, in the event's own transaction (`freeze_deliveries`,
a subscriber of huizhi.cases.outbound), so every attempt sends the same bytes and signature. The
POST itself runs after commit, as a task, outside any transaction and with short timeouts: a slow
receiver never holds a database lock, and never makes a case action wait on SQLite's write lock.

A delivery moves pending → sending → delivered, or → failed (then pending again when its backoff has
passed) and finally gave_up. Each move is one conditional UPDATE, so two workers handed the same
delivery never send it twice at once: only one of them turns it from pending to sending.
`next_attempt_at` is when the sweep (`retry_due_webhooks`) may next pick the delivery up: the end of
a failed attempt's backoff, or of the lease of one in flight or queued (whose task may have died).
"""

import hashlib
import hmac
import http.client
import json
import urllib.parse
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from huizhi.api.models import WebhookDelivery, WebhookSubscription
from huizhi.cases.models import CaseEvent
from huizhi.cases.selectors import public_place
from huizhi.core.kept import KeptCopy
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.places.codes import is_within

SIGNATURE_HEADER = "X-Huizhi-Signature"
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then 60, 120, 240, 480: about 15 minutes in all
# A receiver gets this long to accept the connection, and then to send each part of its answer.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 5
# A delivery queued or in flight for longer than this is presumed lost (its worker died) and the
# sweep sends it again; far longer than one attempt can take with the timeouts above.
LEASE_SECONDS = 120

Status = WebhookDelivery.Status


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(event: CaseEvent) -> dict:
    """What subscribers are told of `event`: the case as it is at that moment. The title is free text
    someone typed, so mobiles and ID numbers in it are masked before it leaves."""
    case = event.case
    return {
        "event": event.action,
        "event_id": event.pk,
        "occurred_at": event.created_at.isoformat(),
        "case": {
            "id": case.pk,
            "reference": case.reference,
            "title": mask_typed_personal_numbers(case.title),
            "status": case.status,
            "from_status": event.from_status,
            "category": case.category.code,
            "place": public_place(case.place).code,  # never a household's room
            "handling_unit": case.handling_unit.name if case.handling_unit_id else None,
        },
    }


def body_of(event: CaseEvent) -> str:
    return json.dumps(payload(event), ensure_ascii=False, sort_keys=True)


def _active() -> list[WebhookSubscription]:
    return list(WebhookSubscription.objects.filter(is_active=True).select_related("place"))


# Every case event looks them up and they change when an operator edits one: kept per process,
# following every write of a subscription (huizhi.api.apps).
active_subscriptions = KeptCopy("api:webhook-subscriptions-version", _active)


def _subscriptions_for(event: CaseEvent, active: list) -> list:
    """Of the `active` subscriptions, those whose scope holds the event's case and that want its
    action."""
    code = event.case.place_code
    return [
        subscription
        for subscription in active
        if is_within(code, subscription.place.code)
        and (not subscription.actions or event.action in subscription.actions)
    ]


def wants_deliveries(event: CaseEvent) -> bool:
    """Whether `freeze_deliveries` may have anything to do: asked before the outbound list opens its
    savepoint for it, so an event no one subscribed to costs no round trips (most of them). It
    never queries: it runs outside that savepoint, where a failed query would abort the filing's
    whole transaction; without a current kept list it says yes, and the list is loaded inside."""
    active = active_subscriptions.peek()
    return active is None or bool(_subscriptions_for(event, active))


def freeze_deliveries(event: CaseEvent) -> list[int]:
    """Inside the event's transaction: a pending delivery, with the payload as it is now, for every
    active subscription whose scope holds the case and that wants the action; sent after commit."""
    subscriptions = _subscriptions_for(event, active_subscriptions.get())
    if not subscriptions:
        return []
    body = body_of(event)
    lease_end = timezone.now() + timedelta(seconds=LEASE_SECONDS)
    created = [
        WebhookDelivery.objects.create(
            subscription=subscription, event=event, body=body, next_attempt_at=lease_end
        ).pk
        for subscription in subscriptions
    ]
    transaction.on_commit(lambda: _enqueue(created), robust=True)
    return created


def _enqueue(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, now ours to send, or None when it is not pending (another worker has it, or it
    is done, or waiting for its backoff)."""
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=timezone.now() + timedelta(seconds=LEASE_SECONDS),
    )
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.body:
        # Made before payloads were frozen: freeze it at its first attempt, so retries still match.
        delivery.body = body_of(
            CaseEvent.objects.select_related("case__category", "case__place", "case__handling_unit").get(
                pk=delivery.event_id
            )
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(body=delivery.body)
    return delivery


def _post(url: str, body: bytes, headers: dict) -> int:
    """The receiver's HTTP status; OSError (timeouts included) or HTTPException when it gives none.
    Redirects are not followed: a subscription names the URL that takes the events."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        connection.connect()
        connection.sock.settimeout(READ_TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt, if the delivery is pending; returns its status after it. On failure the delivery
    waits for its backoff, and `retry_due_webhooks` queues it again."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return WebhookDelivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or ""
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(delivery.subscription.secret, body),
        "X-Huizhi-Event": json.loads(body)["event"],
        "X-Huizhi-Delivery": str(delivery.pk),
        "User-Agent": "huizhi-webhooks/1",
    }
    # No transaction is open here: the receiver may take its time without holding any lock.
    try:
        code = _post(delivery.subscription.url, body, headers)
        error = "" if 200 <= code < 300 else f"HTTP {code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        code, error = None, (str(exc) or type(exc).__name__)[:300]
    now = timezone.now()
    if not error:
        outcome = {"status": Status.DELIVERED, "delivered_at": now, "next_attempt_at": None}
    elif delivery.attempts >= MAX_ATTEMPTS:
        outcome = {"status": Status.GAVE_UP, "next_attempt_at": None}
    else:
        backoff = timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1))
        outcome = {"status": Status.FAILED, "next_attempt_at": now + backoff}
    # Only if it is still our attempt (a sweep may have presumed it lost and handed it on).
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts).update(
        last_status_code=code, last_error=error, **outcome
    )
    return outcome["status"]


def retry_due_webhooks(now=None) -> int:
    """Queue again every delivery whose backoff has passed, or that was queued or in flight for
    longer than a lease (its worker died); run it every minute. Returns how many were queued."""
    now = now or timezone.now()
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    # Lost in flight on its last attempt: there is no attempt left to make.
    WebhookDelivery.objects.filter(due, status=Status.SENDING, attempts__gte=MAX_ATTEMPTS).update(
        status=Status.GAVE_UP, next_attempt_at=None, last_error="no answer recorded"
    )
    candidates = WebhookDelivery.objects.filter(
        due, status__in=(Status.PENDING, Status.FAILED, Status.SENDING)
    ).values_list("pk", "status")
    count = 0
    for delivery_id, status in list(candidates):
        # Conditional, so two sweeps at once queue each delivery once.
        taken = WebhookDelivery.objects.filter(due, pk=delivery_id, status=status).update(
            status=Status.PENDING, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
        )
        if taken:
            deliver_webhook.enqueue(delivery_id)
            count += 1
    return count
