"""A case made from a wall item is as urgent as its supports: each change of its priority goes
through the case services and is a line on the case's timeline, naming no supporter."""

import pytest

from huizhi.cases.models import Case
from huizhi.wall import services
from huizhi.wall.models import TriageDecision
from huizhi.wall.tests.helpers import publish, resident, staff

pytestmark = pytest.mark.django_db


def test_triage_and_each_later_support_set_the_priority_on_the_timeline():
    post = publish(resident("13911120001"))
    services.post_support(actor=resident("13911120002", full_name="王秀英"), post_id=post.pk)
    post = services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="已立案")
    case = Case.objects.get(pk=post.case_id)
    first = case.events.get(action="set_priority")
    assert (case.priority, first.data, first.actor) == (1, {"priority": 1, "was": 0}, staff())

    services.post_support(actor=resident("13911120003", full_name="李建华"), post_id=post.pk)
    changes = list(case.events.filter(action="set_priority").order_by("id"))
    assert Case.objects.get(pk=case.pk).priority == 2
    assert [c.data["priority"] for c in changes] == [1, 2]
    # Who supports an item is not shown on the wall, nor on the case.
    assert changes[1].actor is None and changes[1].actor_label == ""
    assert "李建华" not in changes[1].note


def test_a_case_made_from_an_unsupported_item_has_no_priority_line():
    post = publish(resident("13911120004"))
    post = services.post_triage(actor=staff(), post_id=post.pk, outcome=TriageDecision.CASE, text="已立案")
    assert not Case.objects.get(pk=post.case_id).events.filter(action="set_priority").exists()
