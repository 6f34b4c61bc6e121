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


@pytest.mark.parametrize("hour", [1, 9, 23])  # before Monday's first session, just before it, that night
def test_the_demo_station_has_sessions_held_and_to_come_whatever_the_hour_on_a_monday(hour):
    """The demo's fortnight of sessions starts at this week's Monday, or a week earlier before
    Monday's first session (09:30): loaded on a Monday at 01:00 it once had none held."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    from huizhi.accounts.models import User
    from huizhi.site.demo import care as demo_care

    monday = datetime(2026, 12, 7, hour, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(monday, tick=False):
        station = demo_care._station(  # a second station beside the loaded one, made at that hour
            User.objects.get(username="fenghuang_staff"), User.objects.get(username="care_operator")
        )
        now = timezone.now()
    sessions = CareSession.objects.filter(station=station)
    assert sessions.filter(starts_at__lt=now).exists() and sessions.filter(starts_at__gt=now).exists()
