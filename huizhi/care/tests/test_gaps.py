"""The gaps closed after the first cut of care: volunteer registration and skills, taking an elder
off the watch (history kept) and unassigning watchers, acknowledging an unauthorised pick-up, and
the childcare daily carer roster with its ratio at check-in. Services at their boundaries, who is
allowed and refused, bad input, and the pages as a person uses them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import selectors, services
from huizhi.care.kinds import AgeBand, ContactOutcome, WatcherKind
from huizhi.care.models import (
    CareAlert,
    CarerDayOff,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareCentre,
    ChildcareClass,
    Volunteer,
    WatchContact,
    WatchedResident,
    Watcher,
)
from huizhi.care.tests.conftest import (
    FENGHUANG_GRID_1,
    HUAYUAN,
    make_resident,
    months_ago,
    person,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff():
    return person("fenghuang_staff")


# --- 1. volunteer registration ----------------------------------------------------------------------


def test_staff_register_a_resident_of_their_community_once_with_skills(staff):
    resident = make_resident(birth=years_ago(35), name="新志愿者甲")
    volunteer = services.volunteer_register(actor=staff, resident=resident, skills=" 理发、手工 ")
    assert volunteer.skills == "理发、手工" and volunteer.place_code == resident.place_code
    assert Resident.objects.get(pk=resident.pk).volunteer
    with refused("duplicate") as info:
        services.volunteer_register(actor=staff, resident=resident, skills="唱歌")
    assert "新志愿者甲 is already a volunteer." in info.value.messages
    assert Volunteer.objects.filter(resident=resident).count() == 1


def test_a_resident_of_another_community_is_refused_with_the_reason(staff):
    outsider = make_resident(birth=years_ago(40), grid_code=HUAYUAN + "001", name="花园居民")
    with refused("outside") as info:
        services.volunteer_register(actor=staff, resident=outsider, skills="理发")
    assert "花园居民 is not registered in your community" in info.value.messages[0]
    assert not Volunteer.objects.filter(resident=outsider).exists()
    # Their own community's staff may.
    services.volunteer_register(actor=person("huayuan_staff"), resident=outsider)


@pytest.mark.parametrize(
    "username", ["street", "fenghuang_gridworker", "care_operator", "care_party", "resident"]
)
def test_only_community_staff_register_volunteers(username):
    resident = make_resident(birth=years_ago(30))
    with refused("not_allowed"):
        services.volunteer_register(actor=person(username), resident=resident)
    assert not Volunteer.objects.filter(resident=resident).exists()


def test_bad_skills_are_refused_and_save_nothing(staff):
    resident = make_resident(birth=years_ago(30))
    for skills in ("<script>alert(1)</script>", "技" * 201):
        with refused("bad_input"):
            services.volunteer_register(actor=staff, resident=resident, skills=skills)
    assert not Volunteer.objects.filter(resident=resident).exists()
    assert not Resident.objects.get(pk=resident.pk).volunteer


def test_skills_are_edited_by_the_volunteer_s_community_only(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30)))
    services.volunteer_update(actor=staff, volunteer_id=volunteer.pk, skills="心理疏导")
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "心理疏导"
    for username in ("huayuan_staff", "street"):
        with refused("not_allowed"):
            services.volunteer_update(actor=person(username), volunteer_id=volunteer.pk, skills="x")
    with refused("bad_input"):
        services.volunteer_update(actor=staff, volunteer_id=volunteer.pk, skills="<b>x</b>")
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "心理疏导"


def test_registration_page_finds_registers_and_refuses_with_reason(en_client, staff):
    resident = make_resident(birth=years_ago(33), name="查找测试人")
    outsider = make_resident(birth=years_ago(33), grid_code=HUAYUAN + "001", name="查找外人")
    en_client.force_login(staff)
    found = page(en_client.get("/console/care/volunteers/register/", {"q": "查找"}))
    assert f'data-resident="{resident.pk}"' in found
    assert f'data-resident="{outsider.pk}"' not in found  # not in this community's registry
    response = en_client.post(
        "/console/care/volunteers/register/", {"resident": resident.pk, "skills": "理发"}
    )
    volunteer = Volunteer.objects.get(resident=resident)
    assert response.status_code == 302 and response["Location"] == f"/console/care/volunteers/{volunteer.pk}/"
    again = en_client.post("/console/care/volunteers/register/", {"resident": resident.pk, "skills": ""})
    assert "查找测试人 is already a volunteer." in page(again)
    listed = page(en_client.get("/console/care/volunteers/register/", {"q": "查找测试人"}))
    assert f"/console/care/volunteers/{volunteer.pk}/" in listed  # already registered: a link, no form
    response = en_client.post("/console/care/volunteers/register/", {"resident": outsider.pk, "skills": ""})
    assert "That resident is not in your community&#x27;s registry." in page(response)
    assert not Volunteer.objects.filter(resident=outsider).exists()
    response = en_client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "家电维修"})
    assert response.status_code == 302
    assert "家电维修" in page(en_client.get(f"/console/care/volunteers/{volunteer.pk}/"))
    response = en_client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "<i>x</i>"})
    assert "cannot contain HTML" in page(response)
    assert Volunteer.objects.get(pk=volunteer.pk).skills == "家电维修"


def test_registration_page_is_for_staff_and_skills_are_read_only_for_the_street(client, staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30)))
    client.force_login(person("street"))
    assert client.get("/console/care/volunteers/register/").status_code == 403
    assert client.get(f"/console/care/volunteers/{volunteer.pk}/").status_code == 200
    assert client.post(f"/console/care/volunteers/{volunteer.pk}/", {"skills": "x"}).status_code == 403
    client.force_login(person("huayuan_staff"))
    assert client.get(f"/console/care/volunteers/{volunteer.pk}/").status_code == 404


# --- 2. the watch: add, take off, unassign -------------------------------------------------------------


@pytest.fixture
def grid_worker():
    user = resident_user("gaps_grid_worker")
    role_grant(user=user, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_1))
    return user


@pytest.fixture
def alerted(staff, grid_worker):
    """An elder with a watcher, not reached twice: an open alert."""
    entry = services.watch_add(actor=staff, resident=make_resident(birth=years_ago(86), lives_alone=True))
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    for _ in range(2):
        services.watch_contact_log(
            actor=grid_worker, resident=entry.resident, outcome=ContactOutcome.NOT_REACHED
        )
    assert entry.alerts.active().count() == 1
    return entry


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


# --- 3. unauthorised pick-up alert ---------------------------------------------------------------------


@pytest.fixture
def centre():
    return ChildcareCentre.objects.get(name="凤凰社区托育中心")


def _klass(centre, band, carers: int, name: str = "") -> ChildcareClass:
    klass = ChildcareClass.objects.create(centre=centre, band=band, name=name or f"补缺{band}")
    for i in range(carers):
        services.carer_roster(actor=person("fenghuang_staff"), klass_id=klass.pk, name=f"保育员{i}")
    return klass


def _enrol(klass, months: int, name: str | None = None):
    return services.childcare_enrol(
        actor=person("fenghuang_staff"),
        klass_id=klass.pk,
        child=make_resident(birth=months_ago(months), name=name),
        starts_on=timezone.localdate(),
        adults=[("妈妈甲", "妈妈")],
    )


@pytest.fixture
def pickup_alert(staff, centre) -> CareAlert:
    enrolment = _enrol(_klass(centre, AgeBand.OLDER, carers=1), 30, name="小红")
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="陌生人")
    return CareAlert.objects.get(enrolment=enrolment)


def test_staff_acknowledge_the_pick_up_alert_with_a_note(staff, pickup_alert):
    assert selectors.active_alerts(staff).filter(pk=pickup_alert.pk).exists()
    alert = services.care_alert_clear(actor=staff, alert_id=pickup_alert.pk, note="已核实，联系了家长")
    alert = CareAlert.objects.get(pk=alert.pk)
    assert alert.cleared_by == staff and alert.cleared_at is not None
    assert alert.cleared_note == "已核实，联系了家长"
    assert not selectors.active_alerts(staff).filter(pk=alert.pk).exists()
    with refused("wrong_state"):
        services.care_alert_clear(actor=staff, alert_id=alert.pk, note="again")


@pytest.mark.parametrize("username", ["huayuan_staff", "street", "care_operator", "fenghuang_gridworker"])
def test_only_who_runs_the_centre_clears_its_alert(username, pickup_alert):
    with refused("not_allowed"):
        services.care_alert_clear(actor=person(username), alert_id=pickup_alert.pk, note="看过了")
    assert CareAlert.objects.get(pk=pickup_alert.pk).is_active


def test_clearing_needs_a_note_and_not_reached_alerts_clear_themselves(staff, pickup_alert, alerted):
    for note in ("", "<b>x</b>", "注" * 301):
        with refused("bad_input"):
            services.care_alert_clear(actor=staff, alert_id=pickup_alert.pk, note=note)
    assert CareAlert.objects.get(pk=pickup_alert.pk).is_active
    watch_alert = alerted.alerts.get()
    with refused("wrong_state"):
        services.care_alert_clear(actor=staff, alert_id=watch_alert.pk, note="看过了")
    assert CareAlert.objects.get(pk=watch_alert.pk).is_active


def test_the_alert_is_cleared_from_the_top_of_the_childcare_page(en_client, staff, pickup_alert):
    en_client.force_login(staff)
    shown = page(en_client.get("/console/care/childcare/"))
    assert f'data-clear-alert="{pickup_alert.pk}"' in shown
    response = en_client.post(
        f"/console/care/alerts/{pickup_alert.pk}/clear/", {"note": "", "next": "/console/care/childcare/"}
    )
    assert CareAlert.objects.get(pk=pickup_alert.pk).is_active
    response = en_client.post(
        f"/console/care/alerts/{pickup_alert.pk}/clear/",
        {"note": "家长确认不认识此人", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/console/care/childcare/"  # never off the site
    shown = page(en_client.get("/console/care/childcare/"))
    assert f'data-alert="{pickup_alert.pk}"' not in shown
    assert f'data-alert="{pickup_alert.pk}"' not in page(en_client.get("/console/care/watch/"))


def test_who_may_not_clear_sees_no_form_and_is_refused(client, pickup_alert):
    client.force_login(person("street"))
    shown = page(client.get("/console/care/childcare/"))
    assert f'data-alert="{pickup_alert.pk}"' in shown and "data-clear-alert" not in shown
    client.post(f"/console/care/alerts/{pickup_alert.pk}/clear/", {"note": "看过了"})
    client.force_login(person("huayuan_staff"))
    assert client.post(f"/console/care/alerts/{pickup_alert.pk}/clear/", {"note": "x"}).status_code == 404
    assert CareAlert.objects.get(pk=pickup_alert.pk).is_active


# --- 4. daily carer roster ---------------------------------------------------------------------------


def test_check_in_keeps_the_day_s_children_within_the_rostered_carers(staff, centre):
    klass = _klass(centre, AgeBand.INFANT, carers=2)
    first, second = klass.carers.order_by("id")
    enrolments = [_enrol(klass, 8) for _ in range(6)]
    today = timezone.localdate()
    for e in enrolments[:3]:
        services.childcare_check_in(actor=staff, enrolment_id=e.pk)
    services.carer_day_unroster(actor=staff, carer_id=first.pk, day=today, reason="病假")
    with refused("ratio") as info:
        services.childcare_check_in(actor=staff, enrolment_id=enrolments[3].pk)
    assert "1 carers on today's roster and 3 children checked in" in info.value.messages[0]
    assert "1:3" in info.value.messages[0]
    assert not ChildcareAttendance.objects.filter(enrolment=enrolments[3]).exists()
    # Back on the roster: the fourth child comes in; now the second carer cannot go off today.
    services.carer_day_roster(actor=staff, carer_id=first.pk, day=today)
    services.childcare_check_in(actor=staff, enrolment_id=enrolments[3].pk)
    with refused("ratio") as info:
        services.carer_day_unroster(actor=staff, carer_id=second.pk, day=today)
    assert "4 children checked in" in info.value.messages[0] and "need 2 carers" in info.value.messages[0]
    # A child collected: three remain, one carer is enough.
    services.childcare_pick_up(actor=staff, enrolment_id=enrolments[0].pk, collected_by="妈妈甲")
    services.carer_day_unroster(actor=staff, carer_id=second.pk, day=today)
    assert CarerDayOff.objects.get(carer=second, day=today).taken_off_by == staff


def test_a_class_with_no_carer_on_the_roster_checks_nobody_in(staff, centre):
    klass = _klass(centre, AgeBand.OLDER, carers=1)
    enrolment = _enrol(klass, 30)
    services.carer_day_unroster(actor=staff, carer_id=klass.carers.get().pk, day=timezone.localdate())
    with refused("ratio"):
        services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)


def test_day_roster_bad_input_and_who_may_change_it(staff, centre):
    klass = _klass(centre, AgeBand.TODDLER, carers=1)
    carer = klass.carers.get()
    today = timezone.localdate()
    with refused("wrong_state"):
        services.carer_day_unroster(actor=staff, carer_id=carer.pk, day=today - timedelta(days=1))
    with refused("duplicate"):
        services.carer_day_roster(actor=staff, carer_id=carer.pk, day=today)  # on it already
    with refused("bad_input"):
        services.carer_day_unroster(actor=staff, carer_id=carer.pk, day=today, reason="<b>x</b>")
    for username in ("huayuan_staff", "street", "care_operator"):
        with refused("not_allowed"):
            services.carer_day_unroster(actor=person(username), carer_id=carer.pk, day=today)
    future = today + timedelta(days=3)
    services.carer_day_unroster(actor=staff, carer_id=carer.pk, day=future, reason="年假")
    with refused("duplicate"):
        services.carer_day_unroster(actor=staff, carer_id=carer.pk, day=future)
    assert list(CarerDayOff.objects.filter(carer=carer).values_list("day", flat=True)) == [future]


def test_a_carer_cannot_leave_the_class_when_today_s_roster_would_break_the_ratio(staff, centre):
    klass = _klass(centre, AgeBand.OLDER, carers=2)
    first, second = klass.carers.order_by("id")
    enrolments = [_enrol(klass, 30) for _ in range(3)]
    for e in enrolments:
        services.childcare_check_in(actor=staff, enrolment_id=e.pk)
    services.carer_day_unroster(actor=staff, carer_id=second.pk, day=timezone.localdate())
    with refused("ratio"):
        services.carer_unroster(actor=staff, carer_id=first.pk)  # nobody would be left today
    services.carer_unroster(actor=staff, carer_id=second.pk)  # already off today: may leave
    assert list(klass.carers.all()) == [first]


def test_roster_pages(en_client, staff, centre):
    klass = _klass(centre, AgeBand.INFANT, carers=1, name="补缺乳儿班")
    carer = klass.carers.get()
    enrolment = _enrol(klass, 8, name="小花")
    today = timezone.localdate().isoformat()
    en_client.force_login(staff)
    roster_url = f"/console/care/childcare/classes/{klass.pk}/roster/"
    assert f'data-carer="{carer.pk}"' in page(en_client.get(roster_url))
    response = en_client.post(
        "/console/care/childcare/roster/off/",
        {"carer": carer.pk, "day": today, "reason": "培训", "next": roster_url},
    )
    assert response["Location"] == roster_url
    shown = page(en_client.get(roster_url))
    assert f'data-carer="{carer.pk}" data-off' in shown and "培训" in shown
    register = page(en_client.get("/console/care/childcare/"))
    assert f'data-carer="{carer.pk}" data-off' in register
    response = en_client.post(f"/console/care/childcare/enrolments/{enrolment.pk}/check-in/", follow=True)
    assert "cannot be checked in until another carer is rostered" in page(response)
    assert not ChildcareAttendance.objects.filter(enrolment=enrolment).exists()
    en_client.post("/console/care/childcare/roster/on/", {"carer": carer.pk, "day": today})
    en_client.post(f"/console/care/childcare/enrolments/{enrolment.pk}/check-in/")
    assert ChildcareAttendance.objects.filter(enrolment=enrolment).exists()
    response = en_client.post(
        "/console/care/childcare/roster/off/", {"carer": carer.pk, "day": "bad"}, follow=True
    )
    assert "Choose a carer and a day." in page(response)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = en_client.post(
        "/console/care/childcare/roster/off/", {"carer": carer.pk, "day": past}, follow=True
    )
    assert "has passed" in page(response)
    assert not CarerDayOff.objects.filter(carer=carer).exists()


def test_roster_pages_refuse_who_does_not_run_the_centre(client, staff, centre):
    klass = _klass(centre, AgeBand.TODDLER, carers=1)
    carer = klass.carers.get()
    today = timezone.localdate().isoformat()
    client.force_login(person("street"))
    assert client.get(f"/console/care/childcare/classes/{klass.pk}/roster/").status_code == 403
    assert (
        client.post("/console/care/childcare/roster/off/", {"carer": carer.pk, "day": today}).status_code
        == 403
    )
    client.force_login(person("huayuan_staff"))
    assert (
        client.post("/console/care/childcare/roster/off/", {"carer": carer.pk, "day": today}).status_code
        == 404
    )
    assert ChildcareCarer.objects.filter(pk=carer.pk).exists() and not CarerDayOff.objects.exists()
