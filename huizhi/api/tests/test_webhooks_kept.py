"""The active webhook subscriptions are kept per process (every case event looks them up) and
follow every write of a subscription."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from huizhi.api.models import WebhookDelivery, WebhookSubscription
from huizhi.api.webhooks import active_subscriptions
from huizhi.cases.tests.factories import reported_case
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def subscribe(**fields) -> WebhookSubscription:
    street = Place.objects.get(kind="street")
    return WebhookSubscription.objects.create(
        name="热线", url="https://hotline.example/hook", secret="s" * 32, place=street, **fields
    )


def test_a_case_event_reads_no_subscription_once_they_are_kept():
    subscribe()
    reported_case()  # the first reads them
    with CaptureQueriesContext(connection) as queries:
        case = reported_case()
    assert not [q for q in queries.captured_queries if "api_webhooksubscription" in q["sql"]]
    assert WebhookDelivery.objects.filter(event__case=case).count() == 1


def test_a_subscription_added_paused_or_removed_is_followed_at_once():
    reported_case()  # kept: none
    subscription = subscribe()
    assert WebhookDelivery.objects.filter(event__case=reported_case()).count() == 1
    subscription.is_active = False
    subscription.save()
    assert WebhookDelivery.objects.filter(event__case=reported_case()).count() == 0
    subscription.is_active = True
    subscription.save()
    assert active_subscriptions.get() == [subscription]
    subscription.delete()
    assert active_subscriptions.get() == []
