"""The watch over elders: adding and taking off (history kept), watchers assigned and unassigned,
the phone log that reveals only the elders a watcher watches, and the not-reached alert."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import selectors, services
from huizhi.care.kinds import ContactOutcome, WatcherKind
from huizhi.care.models import (
    CareAlert,
    Volunteer,
    WatchContact,
    WatchedResident,
    Watcher,
)
from huizhi.care.tests.conftest import (
    FENGHUANG_GRID_1,
    FENGHUANG_GRID_2,
    HUAYUAN,
    make_resident,
    miss_twice,
    page,
    person,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db


def test_taking_off_the_watch_keeps_history_closes_the_alert_and_leaves_the_queues(
    staff, grid_worker, alerted
):
    now = timezone.now() + timedelta(days=30)  # long overdue by then
    assert alerted in selectors.overdue_contacts(staff, now)
    coverage_before = selectors.watch_coverage(staff, now).watched
    entry = services.watch_remove(actor=staff, watched_id=alerted.pk, reason="搬去子女家同住")
    entry = WatchedResident.objects.get(pk=entry.pk)
    assert not entry.is_active and entry.ended_by == staff and entry.end_reason == "搬去子女家同住"
    assert entry.ended_at is not None
    alert = CareAlert.objects.get(watched=entry)
    assert alert.cleared_by == staff and "搬去子女家同住" in alert.cleared_note
    assert not selectors.active_alerts(staff).filter(pk=alert.pk).exists()
    assert WatchContact.objects.filter(watched=entry).count() == 2  # history kept
    assert Watcher.objects.filter(watched=entry).exists()
    assert entry not in selectors.overdue_contacts(staff, now)
    assert entry not in selectors.to_contact_today(grid_worker, now)
    assert selectors.watch_coverage(staff, now).watched == coverage_before - 1
    assert entry.pk not in {w.pk for w in WatchedResident.objects.overdue(now)}
    with refused("not_watched"):
        services.watch_contact_log(actor=grid_worker, resident=entry.resident, outcome=ContactOutcome.WELL)
    with refused("wrong_state"):
        services.watch_remove(actor=staff, watched_id=entry.pk, reason="再次")
    with refused("wrong_state"):
        services.watcher_assign(
            actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER
        )


def test_a_resident_taken_off_is_put_back_by_a_person_not_by_the_tags(staff, alerted):
    services.watch_remove(actor=staff, watched_id=alerted.pk, reason="住院后转入养老院")
    assert services.watch_list_build(actor=staff, community_code=alerted.community_code) == 0
    assert alerted.resident in selectors.watch_candidates(staff, timezone.localdate())
    again = services.watch_add(actor=staff, resident=alerted.resident)
    assert again.pk != alerted.pk and again.is_active
    assert WatchedResident.objects.filter(resident=alerted.resident).count() == 2
    with refused("duplicate"):
        services.watch_add(actor=staff, resident=alerted.resident)


def test_taking_off_needs_a_reason_and_the_community_s_staff(staff, grid_worker, alerted):
    for reason in ("", "   ", "<script>x</script>", "因" * 301):
        with refused("bad_input"):
            services.watch_remove(actor=staff, watched_id=alerted.pk, reason=reason)
    for actor in (person("huayuan_staff"), person("street"), grid_worker):
        with refused("not_allowed"):
            services.watch_remove(actor=actor, watched_id=alerted.pk, reason="搬走")
    assert WatchedResident.objects.get(pk=alerted.pk).is_active
    assert alerted.alerts.active().count() == 1


def test_watchers_are_unassigned_by_the_community_s_staff(staff, grid_worker, alerted):
    watcher = alerted.watchers.get(user=grid_worker)
    with refused("not_allowed"):
        services.watcher_unassign(actor=person("huayuan_staff"), watcher_id=watcher.pk)
    with refused("not_allowed"):
        services.watcher_unassign(actor=grid_worker, watcher_id=watcher.pk)
    services.watcher_unassign(actor=staff, watcher_id=watcher.pk)
    assert not alerted.watchers.exists()
    assert WatchContact.objects.filter(watched=alerted, by=grid_worker).count() == 2  # their visits stay


def test_watch_pages_add_remove_and_unassign(en_client, staff, grid_worker, alerted):
    elder = make_resident(birth=years_ago(82), name="页面新增老人")
    en_client.force_login(staff)
    assert "/console/care/watch/add/" in page(en_client.get("/console/care/watch/"))
    form = page(en_client.get("/console/care/watch/add/"))
    assert "页面新增老人" in form and alerted.resident.name not in form  # already watched: not offered
    response = en_client.post("/console/care/watch/add/", {"resident": elder.pk})
    entry = WatchedResident.objects.get(resident=elder, is_active=True)
    assert response["Location"] == f"/console/care/watch/{entry.pk}/"

    detail = page(en_client.get(f"/console/care/watch/{alerted.pk}/"))
    watcher = alerted.watchers.get()
    assert f"/console/care/watchers/{watcher.pk}/remove/" in detail and 'id="watch-remove"' in detail
    en_client.post(f"/console/care/watchers/{watcher.pk}/remove/")
    assert not alerted.watchers.exists()

    response = en_client.post(f"/console/care/watch/{alerted.pk}/remove/", {"reason": ""}, follow=True)
    assert "Say why" in page(response) and WatchedResident.objects.get(pk=alerted.pk).is_active
    response = en_client.post(f"/console/care/watch/{alerted.pk}/remove/", {"reason": "已故"}, follow=True)
    shown = page(response)
    assert "data-end-reason" in shown and "已故" in shown and 'id="watch-remove"' not in shown
    assert 'class="care-alert"' not in shown
    assert f'data-watched="{alerted.pk}"' not in page(en_client.get("/console/care/watch/"))


def test_watch_pages_refuse_who_may_not_change_the_watch(client, grid_worker, alerted):
    client.force_login(grid_worker)
    assert client.get("/console/care/watch/add/").status_code == 403
    assert client.post(f"/console/care/watch/{alerted.pk}/remove/", {"reason": "x"}).status_code == 403
    watcher = alerted.watchers.get()
    assert client.post(f"/console/care/watchers/{watcher.pk}/remove/").status_code == 403
    client.force_login(person("huayuan_staff"))
    assert client.post(f"/console/care/watch/{alerted.pk}/remove/", {"reason": "x"}).status_code == 404
    assert WatchedResident.objects.get(pk=alerted.pk).is_active and alerted.watchers.exists()


def test_the_phone_log_does_not_reveal_names_of_people_the_watcher_does_not_watch(en_client):
    client = en_client
    stranger = make_resident(birth=years_ago(45), grid_code=HUAYUAN + "001", name="花园秘密住户")
    watched_elsewhere = make_resident(
        birth=years_ago(85), lives_alone=True, grid_code=HUAYUAN + "001", name="花园独居老人"
    )
    services.watch_add(actor=person("huayuan_staff"), resident=watched_elsewhere)
    client.force_login(person("care_party"))  # a resident watcher of 凤凰社区
    shown = ""
    for pk in (stranger.pk, watched_elsewhere.pk):
        response = client.post(
            reverse("care:watch_log"),
            {"resident": pk, "outcome": ContactOutcome.WELL, "method": "call"},
            follow=True,
        )
        shown += page(response)
    # Both refused with the same words, which name nobody.
    assert shown.count("You are not a watcher of that person") == 2
    assert "花园秘密住户" not in shown and "花园独居老人" not in shown


def test_a_watcher_cannot_log_for_an_elder_they_do_not_watch(en_client, staff):
    client = en_client
    """Verified: a resident watcher posting another elder's pk is refused and nothing is saved."""
    elder = make_resident(birth=years_ago(86), lives_alone=True, grid_code=FENGHUANG_GRID_2)
    entry = services.watch_add(actor=staff, resident=elder)
    client.force_login(person("care_volunteer"))
    response = client.post(
        reverse("care:watch_log"),
        {"resident": elder.pk, "outcome": ContactOutcome.NOT_REACHED, "method": "call"},
        follow=True,
    )
    assert "not a watcher" in page(response) or "不是" in page(response)
    assert not WatchContact.objects.filter(watched=entry).exists()
    entry.refresh_from_db()
    assert entry.misses == 0


def test_two_misses_alert_and_a_reached_contact_clears_it(staff):
    """Verified: not reached ×2 raises one alert notified to the grid worker and community staff;
    the third miss adds none; the next reached contact clears it and resets the count."""
    worker = resident_user("test_grid_worker")
    role_grant(user=worker, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_1))
    elder = make_resident(birth=years_ago(82), lives_alone=True, name="测试守望对象")
    entry = services.watch_add(actor=staff, resident=elder)
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=worker, kind=WatcherKind.GRID_WORKER)
    miss_twice(worker, elder)
    services.watch_contact_log(actor=worker, resident=elder, outcome=ContactOutcome.NOT_REACHED)
    alerts = CareAlert.objects.filter(watched=entry)
    assert alerts.count() == 1 and alerts.get().is_active
    from huizhi.cases.models import Notification

    assert Notification.objects.filter(user=worker, text__contains="测试守望对象").exists()
    assert Notification.objects.filter(user=staff, text__contains="测试守望对象").exists()
    services.watch_contact_log(actor=worker, resident=elder, outcome=ContactOutcome.IN_HOSPITAL)
    entry.refresh_from_db()
    assert entry.misses == 0 and not alerts.filter(cleared_at__isnull=True).exists()


def test_another_community_s_staff_cannot_change_volunteers_or_watch(client):
    """Verified: 花园 staff get 404 for 凤凰's volunteer and watch entries by pk."""

    volunteer = Volunteer.objects.filter(place_code__startswith="341102001001").first()
    entry = WatchedResident.objects.filter(place_code__startswith="341102001001", is_active=True).first()
    client.force_login(person("huayuan_staff"))
    assert client.post(reverse("care:volunteer", args=[volunteer.pk]), {"skills": "x"}).status_code == 404
    assert client.post(reverse("care:watch_remove", args=[entry.pk]), {"reason": "x"}).status_code == 404
    before = WatchedResident.objects.count()
    make_resident(birth=years_ago(88), lives_alone=True)  # a new candidate for 凤凰's list
    client.post(reverse("care:watch_build"), {"community": "341102001001"})
    assert WatchedResident.objects.count() == before
    entry.refresh_from_db()
    assert entry.is_active
    assert client.get(reverse("care:watched", args=[entry.pk])).status_code == 404


def test_a_watcher_posting_a_missing_pk_gets_the_same_refusal_as_for_someone_else_s_elder(en_client):
    client = en_client
    client.force_login(person("care_party"))
    stranger = make_resident(birth=years_ago(50), grid_code=HUAYUAN + "001", name="花园住户丙")
    shown = []
    for pk in (stranger.pk, 987654321):
        response = client.post(
            reverse("care:watch_log"),
            {"resident": pk, "outcome": ContactOutcome.WELL, "method": "call"},
            follow=True,
        )
        shown.append([str(m) for m in response.context["messages"]])
    assert (
        shown[0] == shown[1] == ["You are not a watcher of that person; a visit cannot be logged for them."]
    )
