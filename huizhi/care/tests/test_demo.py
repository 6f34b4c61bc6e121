"""The demo care services load as DESIGN §12 describes: 凤凰社区's station, watch, childcare, summer class."""

import pytest
from django.utils import timezone

from huizhi.care.kinds import ServiceKind
from huizhi.care.models import (
    CareAlert,
    CareSession,
    ChildcareClass,
    SummerSession,
    VolunteerHours,
    WatchedResident,
)

pytestmark = pytest.mark.django_db


def test_demo_has_every_care_service_of_fenghuang():
    now = timezone.now()
    sessions = CareSession.objects.filter(station__name="凤凰社区养老服务站")
    assert set(sessions.values_list("service__kind", flat=True)) == set(ServiceKind.values)
    assert sessions.filter(starts_at__gt=now).exists() and sessions.filter(starts_at__lt=now).exists()
    assert WatchedResident.objects.overdue(now).exists()
    assert WatchedResident.objects.filter(due_at__gte=now).exists()
    assert CareAlert.objects.active().filter(kind="not_reached").count() == 1
    near_full = {k.name: (k.enrolments.count(), k.max_children) for k in ChildcareClass.objects.all()}
    assert near_full == {"乳儿班": (9, 10), "托小班": (14, 15), "托大班": (18, 20)}
    assert SummerSession.objects.values("kind").distinct().count() == 4
    assert VolunteerHours.objects.filter(confirmed_at__isnull=False).exists()
    assert VolunteerHours.objects.filter(confirmed_at__isnull=True).exists()
