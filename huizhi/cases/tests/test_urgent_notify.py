"""An urgent case reported in a discipline commissioner's scope puts a line in their inbox; an
ordinary one does not. Urgent: the category's limit to accept runs in natural hours (Category.is_urgent)."""

import pytest

from huizhi.accounts.roles import Role
from huizhi.cases.models import Notification
from tests.factories import CaseFactory, SubcategoryFactory, UserFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]


@pytest.fixture
def world():
    w = small_street()
    w.commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=w.community)
    w.street_commissioner = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=w.street)
    w.elsewhere = UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=small_street().community)
    return w


def _report(world, category, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return CaseFactory(place=world.building, category=category, actor=world.gridworker)


def test_an_urgent_report_reaches_the_commissioners_over_it(world, django_capture_on_commit_callbacks):
    urgent = SubcategoryFactory(natural_hours=True)
    assert urgent.is_urgent
    case = _report(world, urgent, django_capture_on_commit_callbacks)
    told = set(Notification.objects.filter(case=case).values_list("user_id", flat=True))
    assert {world.commissioner.pk, world.street_commissioner.pk, world.staff.pk} <= told
    assert world.elsewhere.pk not in told
    line = Notification.objects.get(case=case, user=world.commissioner)
    assert case.reference in line.text


def test_an_ordinary_report_does_not(world, django_capture_on_commit_callbacks):
    assert not world.category.is_urgent
    case = _report(world, world.category, django_capture_on_commit_callbacks)
    told = set(Notification.objects.filter(case=case).values_list("user_id", flat=True))
    assert world.staff.pk in told  # staff hear of every report, as before
    assert not told & {world.commissioner.pk, world.street_commissioner.pk}
