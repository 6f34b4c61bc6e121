"""Outgoing webhooks: each case event, signed with HMAC-SHA256, posted to the systems subscribed to
its place, and retried with exponential backoff until it is taken or we give up."""

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from huizhi.api.models import WebhookDelivery, WebhookSubscription
from huizhi.cases.models import CaseEvent

SIGNATURE_HEADER = "X-Huizhi-Signature"
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30  # then 60, 120, 240, 480: about 15 minutes in all
TIMEOUT_SECONDS = 5


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC of the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(event: CaseEvent) -> dict:
    case = event.case
    return {
        "event": event.action,
        "event_id": event.pk,
        "occurred_at": event.created_at.isoformat(),
        "case": {
            "id": case.pk,
            "reference": case.reference,
            "title": case.title,
            "status": case.status,
            "from_status": event.from_status,
            "category": case.category.code,
            "place": case.place.code,
            "handling_unit": case.handling_unit.name if case.handling_unit_id else None,
        },
    }


def fan_out(event_id: int) -> list[int]:
    """A pending delivery for every active subscription whose scope holds the case and that wants the action."""
    event = CaseEvent.objects.select_related("case").get(pk=event_id)
    code = event.case.place_code
    created = []
    for subscription in WebhookSubscription.objects.filter(is_active=True).select_related("place"):
        if not code.startswith(subscription.place.code):
            continue
        if subscription.actions and event.action not in subscription.actions:
            continue
        delivery, new = WebhookDelivery.objects.get_or_create(subscription=subscription, event=event)
        if new:
            created.append(delivery.pk)
    for delivery_id in created:
        deliver_webhook.enqueue(delivery_id)
    return created


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - admin-set URL
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        return response.status


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt; on failure the delivery is scheduled again (retry_due_webhooks picks it up)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related(
                "subscription", "event__case__category", "event__case__place", "event__case__handling_unit"
            )
            .get(pk=delivery_id)
        )
        if delivery.status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.GAVE_UP):
            return delivery.status
        subscription = delivery.subscription
        body = json.dumps(payload(delivery.event), ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(subscription.secret, body),
            "X-Huizhi-Event": delivery.event.action,
            "X-Huizhi-Delivery": str(delivery.pk),
            "User-Agent": "huizhi-webhooks/1",
        }
        delivery.attempts += 1
        try:
            code = _post(subscription.url, body, headers)
            ok, error = 200 <= code < 300, ""
        except urllib.error.HTTPError as exc:
            code, ok, error = exc.code, False, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            code, ok, error = None, False, str(getattr(exc, "reason", exc))[:300]
        delivery.last_status_code, delivery.last_error = code, error
        now = timezone.now()
        if ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                WebhookDelivery.Status.DELIVERED,
                now,
                None,
            )
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.GAVE_UP, None
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = now + timedelta(
                seconds=FIRST_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
            )
        delivery.save()
        return delivery.status


def retry_due_webhooks(now=None) -> int:
    """Send again every failed delivery whose backoff has passed; run it every minute with the sweep."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        Q(status=WebhookDelivery.Status.FAILED) | Q(status=WebhookDelivery.Status.PENDING),
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True),
    ).values_list("pk", flat=True)
    count = 0
    for delivery_id in list(due):
        deliver_webhook.enqueue(delivery_id)
        count += 1
    return count
