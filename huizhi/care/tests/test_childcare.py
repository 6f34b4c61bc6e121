"""The childcare centre: enrolment by age band on the start day, check-in within the rostered
carers, pick-up only by a named adult (a stranger raises an alert staff acknowledge), and the
daily carer roster."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.care import selectors, services
from huizhi.care.kinds import AgeBand
from huizhi.care.models import (
    CareAlert,
    CarerDayOff,
    ChildcareAttendance,
    ChildcareCarer,
    ChildcareEnrolment,
)
from huizhi.care.tests.conftest import (
    make_class,
    make_enrolment,
    make_resident,
    months_ago,
    page,
    person,
)
from huizhi.care.tests.test_services import refused

pytestmark = pytest.mark.django_db


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


def test_check_in_keeps_the_day_s_children_within_the_rostered_carers(staff, centre):
    klass = make_class(centre, AgeBand.INFANT, carers=2)
    first, second = klass.carers.order_by("id")
    enrolments = [make_enrolment(klass, 8) for _ in range(6)]
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
    klass = make_class(centre, AgeBand.OLDER, carers=1)
    enrolment = make_enrolment(klass, 30)
    services.carer_day_unroster(actor=staff, carer_id=klass.carers.get().pk, day=timezone.localdate())
    with refused("ratio"):
        services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)


def test_day_roster_bad_input_and_who_may_change_it(staff, centre):
    klass = make_class(centre, AgeBand.TODDLER, carers=1)
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
    klass = make_class(centre, AgeBand.OLDER, carers=2)
    first, second = klass.carers.order_by("id")
    enrolments = [make_enrolment(klass, 30) for _ in range(3)]
    for e in enrolments:
        services.childcare_check_in(actor=staff, enrolment_id=e.pk)
    services.carer_day_unroster(actor=staff, carer_id=second.pk, day=timezone.localdate())
    with refused("ratio"):
        services.carer_unroster(actor=staff, carer_id=first.pk)  # nobody would be left today
    services.carer_unroster(actor=staff, carer_id=second.pk)  # already off today: may leave
    assert list(klass.carers.all()) == [first]


def test_roster_pages(en_client, staff, centre):
    klass = make_class(centre, AgeBand.INFANT, carers=1, name="补缺乳儿班")
    carer = klass.carers.get()
    enrolment = make_enrolment(klass, 8, name="小花")
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
    klass = make_class(centre, AgeBand.TODDLER, carers=1)
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


def test_a_backdated_start_does_not_let_a_child_of_the_wrong_age_in(staff, centre):
    klass = make_class(centre, AgeBand.OLDER, 1)
    too_old = make_resident(birth=months_ago(40), name="超龄幼儿")
    with refused("wrong_age"):
        services.childcare_enrol(
            actor=staff,
            klass_id=klass.pk,
            child=too_old,
            starts_on=timezone.localdate() - timedelta(days=365),
            adults=[("妈妈", "母亲")],
        )


def test_the_enrol_page_refuses_a_too_old_child_even_with_a_past_start(client, staff, centre):
    klass = make_class(centre, AgeBand.INFANT, 1)
    too_old = make_resident(birth=months_ago(20), name="超龄幼儿乙")  # a toddler, not an infant
    client.force_login(staff)
    # The form lists the community's 0–3 children; back-date the start to when they were 10 months.
    client.post(
        reverse("care:childcare_enrol", args=[klass.pk]),
        {
            "child": too_old.pk,
            "starts_on": (timezone.localdate() - timedelta(days=305)).isoformat(),
            "adult_1": "妈妈",
            "relationship_1": "母亲",
        },
    )
    assert not ChildcareEnrolment.objects.filter(child=too_old).exists()


def test_band_edges_and_exact_limits_hold_on_the_start_day(staff, centre):
    """Verified: 6 months is in 乳儿班, 12 months is not; the 10th infant fits with 4 carers,
    the 11th is refused as full; a 4th infant with 1 carer is refused by the ratio 1:3."""
    klass = make_class(centre, AgeBand.INFANT, 1)
    today = timezone.localdate()

    def enrol(child):
        return services.childcare_enrol(
            actor=staff, klass_id=klass.pk, child=child, starts_on=today, adults=[("妈妈", "母亲")]
        )

    enrol(make_resident(birth=months_ago(6)))
    with refused("wrong_age"):
        enrol(make_resident(birth=months_ago(12)))
    with refused("wrong_age"):
        enrol(make_resident(birth=months_ago(6) + timedelta(days=1)))  # a day short of 6 months
    enrol(make_resident(birth=months_ago(8)))
    enrol(make_resident(birth=months_ago(8)))
    with refused("ratio"):
        enrol(make_resident(birth=months_ago(8)))
    for i in range(3):
        services.carer_roster(actor=staff, klass_id=klass.pk, name=f"加配{i}")
    for _ in range(7):
        enrol(make_resident(birth=months_ago(9)))
    assert klass.enrolments.current().count() == 10
    with refused("full"):
        enrol(make_resident(birth=months_ago(9)))


def test_pick_up_by_a_stranger_is_refused_alerts_and_the_child_stays(staff, centre):
    """Verified: a name not on the enrolment is refused, an alert is raised, the child stays in."""
    klass = make_class(centre, AgeBand.TODDLER, 1)
    child = make_resident(birth=months_ago(18))
    enrolment = services.childcare_enrol(
        actor=staff,
        klass_id=klass.pk,
        child=child,
        starts_on=timezone.localdate(),
        adults=[("王 芳", "母亲")],
    )
    day = services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="王芳芳")
    day.refresh_from_db()
    assert day.picked_up_at is None
    assert CareAlert.objects.filter(enrolment=enrolment, cleared_at__isnull=True).count() == 1
    services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="王芳")
    day.refresh_from_db()
    assert day.collected_by.name == "王 芳"


def test_another_community_s_staff_cannot_touch_the_centre_by_pk(client, staff, centre):
    """Verified: IDOR through pks in URLs and POST fields is closed for childcare."""
    klass = make_class(centre, AgeBand.TODDLER, 1)
    enrolment = services.childcare_enrol(
        actor=staff,
        klass_id=klass.pk,
        child=make_resident(birth=months_ago(18)),
        starts_on=timezone.localdate(),
        adults=[("妈妈", "母亲")],
    )
    carer = klass.carers.first()
    client.force_login(person("huayuan_staff"))
    assert client.post(reverse("care:childcare_check_in", args=[enrolment.pk])).status_code == 404
    assert client.post(reverse("care:carer_remove", args=[carer.pk])).status_code == 404
    assert client.get(reverse("care:childcare_enrol", args=[klass.pk])).status_code == 404
    response = client.post(
        reverse("care:childcare_pick_up"), {"enrolment": enrolment.pk, "collected_by": "妈妈"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("care:carer_day_off"), {"carer": carer.pk, "day": timezone.localdate().isoformat()}
    )
    assert response.status_code == 404
    assert not enrolment.days.exists() and klass.carers.count() == 1


def test_a_start_before_today_is_refused_even_for_a_child_of_the_right_age(staff, centre):
    klass = make_class(centre, AgeBand.TODDLER, 1)
    child = make_resident(birth=months_ago(18))
    with refused("bad_input") as info:
        services.childcare_enrol(
            actor=staff,
            klass_id=klass.pk,
            child=child,
            starts_on=timezone.localdate() - timedelta(days=1),
            adults=[("妈妈", "母亲")],
        )
    assert "starts today or later" in info.value.messages[0]
    assert not ChildcareEnrolment.objects.filter(child=child).exists()


def test_a_child_who_has_outgrown_the_class_is_not_checked_in_and_the_register_says_why(
    time_machine, client, staff, centre
):
    klass = make_class(centre, AgeBand.TODDLER, 1)  # 12–24 months
    child = make_resident(birth=months_ago(23), name="快满两岁")
    enrolment = services.childcare_enrol(
        actor=staff, klass_id=klass.pk, child=child, starts_on=timezone.localdate(), adults=[("妈妈", "母亲")]
    )
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)  # in the band today
    time_machine.move_to(timezone.now() + timedelta(days=45), tick=False)  # 24 months old by then
    with refused("wrong_age") as info:
        services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    assert "快满两岁 has outgrown 测试toddler" in info.value.messages[0]
    assert not enrolment.days.filter(day=timezone.localdate()).exists()
    client.force_login(staff)
    register = page(client.get(reverse("care:childcare")))
    row = register.split(f'data-enrolment="{enrolment.pk}"', 1)[1].split("</tr>", 1)[0]
    assert row.startswith(" data-outgrown") and "已超出本班年龄" in row  # "outgrown this class"
    assert reverse("care:childcare_check_in", args=[enrolment.pk]) not in row
