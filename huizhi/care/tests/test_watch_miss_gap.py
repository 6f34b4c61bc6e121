"""Two "not reached" raise the alert only as two scheduled contacts, at least
HUIZHI_WATCH_MISS_GAP_HOURS apart: a second tap soon after the first is kept, not counted, and the
person logging it is told so."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.care import services
from huizhi.care.kinds import ContactOutcome, WatcherKind
from huizhi.care.models import CareAlert, WatchContact
from huizhi.care.tests.conftest import make_resident, page, years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(staff, grid_worker):
    elder = make_resident(birth=years_ago(84), lives_alone=True, name="间隔老人")
    entry = services.watch_add(actor=staff, resident=elder)
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    return entry


def _miss(actor, entry):
    return services.watch_contact_log(
        actor=actor, resident=entry.resident, outcome=ContactOutcome.NOT_REACHED
    )


def test_two_taps_a_minute_apart_are_one_miss_and_raise_no_alert(time_machine, grid_worker, entry):
    time_machine.move_to(timezone.now(), tick=False)
    first = _miss(grid_worker, entry)
    time_machine.shift(timedelta(minutes=1))
    second = _miss(grid_worker, entry)
    entry.refresh_from_db()
    assert entry.misses == 1
    assert not CareAlert.objects.filter(watched=entry).exists()
    # Both are on the record; only the second is marked as the same attempt.
    assert (first.within_gap, second.within_gap) == (False, True)
    assert WatchContact.objects.filter(watched=entry, outcome=ContactOutcome.NOT_REACHED).count() == 2
    # The gap runs from the counted miss, not from the repeat: just under four hours after the
    # first is still the same attempt.
    time_machine.shift(timedelta(hours=3, minutes=58))
    assert _miss(grid_worker, entry).within_gap
    assert not CareAlert.objects.filter(watched=entry).exists()


def test_a_second_miss_after_the_gap_raises_the_alert(time_machine, grid_worker, entry):
    time_machine.move_to(timezone.now(), tick=False)
    _miss(grid_worker, entry)
    time_machine.shift(timedelta(hours=4))
    second = _miss(grid_worker, entry)
    entry.refresh_from_db()
    assert not second.within_gap and entry.misses == 2
    assert CareAlert.objects.active().filter(watched=entry).count() == 1


def test_the_gap_is_a_setting(settings, time_machine, grid_worker, entry):
    settings.HUIZHI_WATCH_MISS_GAP_HOURS = 1
    time_machine.move_to(timezone.now(), tick=False)
    _miss(grid_worker, entry)
    time_machine.shift(timedelta(minutes=61))
    _miss(grid_worker, entry)
    assert CareAlert.objects.active().filter(watched=entry).exists()


def test_a_reached_contact_between_resets_the_count(time_machine, grid_worker, entry):
    time_machine.move_to(timezone.now(), tick=False)
    _miss(grid_worker, entry)
    time_machine.shift(timedelta(minutes=10))
    services.watch_contact_log(actor=grid_worker, resident=entry.resident, outcome=ContactOutcome.WELL)
    time_machine.shift(timedelta(minutes=10))
    again = _miss(grid_worker, entry)  # a new first miss, not a repeat of the one before
    entry.refresh_from_db()
    assert not again.within_gap and entry.misses == 1


def test_the_person_logging_a_repeat_is_told_it_does_not_count(en_client, time_machine, grid_worker, entry):
    time_machine.move_to(timezone.now(), tick=False)
    en_client.force_login(grid_worker)
    post = {"resident": entry.resident_id, "outcome": ContactOutcome.NOT_REACHED, "method": "visit"}
    first = page(en_client.post(reverse("care:watch_log"), post, follow=True))
    assert "not a second miss" not in first
    time_machine.shift(timedelta(minutes=1))
    second = page(en_client.post(reverse("care:watch_log"), post, follow=True))
    assert "not a second miss" in second and "4 hours" in second
    assert not CareAlert.objects.filter(watched=entry).exists()
