"""A webhook names a case's place as outward readers see it (`cases.selectors.public_place`): a case
filed at a household's room leaves with its building's code, never the room's, at every event."""

import json

import pytest

from huizhi.api.models import WebhookDelivery, WebhookSubscription
from huizhi.api.webhooks import body_of
from huizhi.cases.models import CaseEvent
from huizhi.cases.services import case_report
from huizhi.cases.states import Source
from huizhi.cases.tests import factories as f
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def household_case():
    unit = (
        Place.objects.filter(kind=PlaceKind.UNIT, code__startswith=f.HUAYUAN).select_related("parent").first()
    )
    assert unit is not None and unit.parent.kind == PlaceKind.BUILDING
    case = case_report(
        actor=f.user("huayuan_staff"),
        category=f.category(f.GARBAGE),
        title="楼道堆放杂物",
        description="家门口楼道堆放杂物。",
        source=Source.HOTLINE,
        place=unit,
    )
    return case, unit


def test_every_event_of_a_household_case_leaves_with_the_buildings_code():
    # Frozen in each event's transaction; the (unreachable) receiver is never called here.
    subscription = WebhookSubscription.objects.create(
        name="12345热线", url="http://127.0.0.1:9/hook", secret="s", place=f.place(f.HUAYUAN)
    )
    case, unit = household_case()
    f.advance(case, "accept")
    bodies = list(WebhookDelivery.objects.filter(subscription=subscription).values_list("body", flat=True))
    assert len(bodies) == 2  # report and accept
    for body in bodies:
        assert json.loads(body)["case"]["place"] == unit.parent.code
        assert unit.code not in body


def test_a_payload_frozen_late_also_stops_at_the_building():
    # A delivery made before payloads were frozen gets its body at its first attempt (_claim).
    case, unit = household_case()
    event = CaseEvent.objects.filter(case=case).select_related("case__place").latest("id")
    assert json.loads(body_of(event))["case"]["place"] == unit.parent.code
