"""Review of the care module against DESIGN §2/§7 and issue 7.

Each test pins a property a user would notice: some were verified to hold when the review was
written, the others demonstrated a bug that has since been fixed (each fails if the bug returns).
"""

import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import services
from huizhi.care.kinds import AgeBand, ContactOutcome, ServiceKind, WatcherKind
from huizhi.care.models import (
    CareAlert,
    CareSession,
    CareStation,
    ChildcareCentre,
    ChildcareClass,
    ChildcareEnrolment,
    SessionEnrolment,
    SummerEnrolment,
    SummerSession,
    SummerTerm,
    VolunteerActivity,
    WatchContact,
    WatchedResident,
)
from huizhi.care.tests.conftest import (
    FENGHUANG_GRID_1,
    FENGHUANG_GRID_2,
    HUAYUAN,
    make_resident,
    months_ago,
    person,
    resident_user,
    years_ago,
)
from huizhi.care.tests.test_services import refused
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff():
    return person("fenghuang_staff")


@pytest.fixture
def station():
    return CareStation.objects.get(name="凤凰社区养老服务站")


@pytest.fixture
def centre():
    return ChildcareCentre.objects.get(name="凤凰社区托育中心")


@pytest.fixture
def term():
    return SummerTerm.objects.get(community_code="341102001001")


def _klass(centre, band, carers: int) -> ChildcareClass:
    klass = ChildcareClass.objects.create(centre=centre, band=band, name=f"评审{band}")
    for i in range(carers):
        services.carer_roster(actor=person("fenghuang_staff"), klass_id=klass.pk, name=f"评审保育员{i}")
    return klass


def _session(station, capacity: int, starts=None) -> CareSession:
    service = station.services.get(name="太极拳晨练")
    starts = starts or timezone.now() + timedelta(days=1)
    return services.care_session_create(
        actor=person("care_operator"),
        service=service,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        venue="活动室",
        capacity=capacity,
        lead="吴秀英",
    )


def _elder_user(username: str, **fields):
    account = resident_user(username)
    me = make_resident(birth=years_ago(70), account=account, **fields)
    return account, me


# =====================================================================================================
# Childcare: the age band is checked on a starts_on the user types, not on the day of enrolment
# =====================================================================================================


def test_a_backdated_start_does_not_let_a_child_of_the_wrong_age_in(staff, centre):
    klass = _klass(centre, AgeBand.OLDER, 1)
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
    klass = _klass(centre, AgeBand.INFANT, 1)
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
    klass = _klass(centre, AgeBand.INFANT, 1)
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


# =====================================================================================================
# Childcare pick-up and scope
# =====================================================================================================


def test_pick_up_by_a_stranger_is_refused_alerts_and_the_child_stays(staff, centre):
    """Verified: a name not on the enrolment is refused, an alert is raised, the child stays in."""
    klass = _klass(centre, AgeBand.TODDLER, 1)
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
    klass = _klass(centre, AgeBand.TODDLER, 1)
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


# =====================================================================================================
# Bad input on resident and register pages: 500 instead of a clear message
# =====================================================================================================


def test_resident_enrol_in_a_missing_session_is_not_a_server_error(client):
    account, _me = _elder_user("review_elder_missing")
    client.force_login(account)
    client.raise_request_exception = False
    response = client.post(reverse("care:enrol_session", args=[987654]))
    assert response.status_code in (302, 404)


def test_resident_enrol_summer_with_a_non_numeric_child_is_not_a_server_error(client, term):
    account = resident_user("review_parent_bad")
    make_resident(birth=years_ago(38), account=account)
    client.force_login(account)
    client.raise_request_exception = False
    response = client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": "abc"})
    assert response.status_code in (302, 400)


def test_summer_sign_in_with_a_non_numeric_enrolment_is_not_a_server_error(client, staff, term):
    session = SummerSession.objects.filter(term=term).first()
    client.force_login(staff)
    client.raise_request_exception = False
    response = client.post(reverse("care:summer_sign_in", args=[session.pk]), {"enrolment": "1x"})
    assert response.status_code in (302, 400)


def test_station_week_far_in_the_future_is_not_a_server_error(client, station):
    client.force_login(person("care_operator"))
    client.raise_request_exception = False
    response = client.get(reverse("care:station", args=[station.pk]), {"week": "9999-12-31"})
    assert response.status_code in (200, 400)


def test_administrator_creating_an_activity_gets_a_reason_not_a_500(client):
    client.force_login(person("admin"))
    client.raise_request_exception = False
    response = client.post(
        reverse("care:volunteers"), {"title": "管理员活动", "held_on": timezone.localdate().isoformat()}
    )
    # No community chosen: refused with the form shown again, and nothing saved.
    assert response.status_code in (200, 400)
    assert not VolunteerActivity.objects.filter(title="管理员活动").exists()
    assert 'name="community"' in response.content.decode()


def test_huge_ids_in_post_fields_are_refused_cleanly(client):
    """Verified: out-of-range integers in hidden fields give a message/404, not a 500."""
    client.force_login(person("fenghuang_gridworker"))
    client.raise_request_exception = False
    response = client.post(
        reverse("care:watch_log"), {"resident": str(10**30), "outcome": ContactOutcome.WELL, "method": "call"}
    )
    assert response.status_code == 302
    client.force_login(person("fenghuang_staff"))
    response = client.post(
        reverse("care:childcare_pick_up"), {"enrolment": str(10**30), "collected_by": "某人"}
    )
    assert response.status_code in (302, 404)


# =====================================================================================================
# Watch: personal data through pks on the watcher's phone
# =====================================================================================================


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
    worker = resident_user("review_grid_worker")
    role_grant(user=worker, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_1))
    elder = make_resident(birth=years_ago(82), lives_alone=True, name="评审守望对象")
    entry = services.watch_add(actor=staff, resident=elder)
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=worker, kind=WatcherKind.GRID_WORKER)
    for _ in range(3):
        services.watch_contact_log(actor=worker, resident=elder, outcome=ContactOutcome.NOT_REACHED)
    alerts = CareAlert.objects.filter(watched=entry)
    assert alerts.count() == 1 and alerts.get().is_active
    from huizhi.cases.models import Notification

    assert Notification.objects.filter(user=worker, text__contains="评审守望对象").exists()
    assert Notification.objects.filter(user=staff, text__contains="评审守望对象").exists()
    services.watch_contact_log(actor=worker, resident=elder, outcome=ContactOutcome.IN_HOSPITAL)
    entry.refresh_from_db()
    assert entry.misses == 0 and not alerts.filter(cleared_at__isnull=True).exists()


def test_the_grid_worker_s_banner_matches_the_alerts_on_the_page_it_links_to(client, staff, centre):
    worker = resident_user("review_banner_worker")
    role_grant(user=worker, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_2))
    CareAlert.objects.filter(place_code__startswith=FENGHUANG_GRID_2).update(cleared_at=timezone.now())
    klass = _klass(centre, AgeBand.TODDLER, 1)
    enrolment = services.childcare_enrol(
        actor=staff,
        klass_id=klass.pk,
        child=make_resident(birth=months_ago(18), grid_code=FENGHUANG_GRID_2),
        starts_on=timezone.localdate(),
        adults=[("妈妈", "母亲")],
    )
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="陌生人")
    client.force_login(worker)
    response = client.get(reverse("care:watch_phone"))
    banner = response.context.get("urgent_alert")
    shown = list(response.context["alerts"])
    assert (banner["count"] if banner else 0) == len(shown)


# =====================================================================================================
# Station
# =====================================================================================================


def test_the_last_place_goes_once_and_the_operator_sees_only_its_station(client, station):
    """Verified: capacity exactly full refuses the next; another operator sees no station."""
    session = _session(station, capacity=1)
    operator = person("care_operator")
    services.session_enrol(actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(66)))
    with refused("full"):
        services.session_enrol(
            actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(67))
        )
    session.refresh_from_db()
    assert session.enrolled_count == 1 == session.enrolments.count()
    from huizhi.accounts.services import user_create
    from huizhi.places.models import Organisation

    other_org = Organisation.objects.create(
        name="评审其他养老机构", kind=station.operator.kind, place=station.community
    )
    other = user_create(username="review_other_operator", password="x-test-password")
    role_grant(user=other, role=Role.SERVICE_OPERATOR, organisation=other_org)
    client.force_login(other)
    assert client.get(reverse("care:station", args=[station.pk])).status_code == 404
    assert client.get(reverse("care:session", args=[session.pk])).status_code == 404
    enrolment = SessionEnrolment.objects.get(session=session)
    assert client.post(reverse("care:session_check_in", args=[enrolment.pk])).status_code == 404


def test_a_resident_enrols_only_themself_and_only_in_their_catchment(en_client, station):
    """Verified: the resident page enrols the signed-in elder only; an elder of another community
    is refused with the reason."""
    session = _session(station, capacity=5)
    client = en_client
    account, me = _elder_user("review_elder_self")
    client.force_login(account)
    client.post(reverse("care:enrol_session", args=[session.pk]), {"resident": 1})
    assert list(session.enrolments.values_list("resident_id", flat=True)) == [me.pk]
    outsider_account = resident_user("review_elder_outside")
    make_resident(birth=years_ago(72), account=outsider_account, grid_code=HUAYUAN + "001")
    client.force_login(outsider_account)
    response = client.post(reverse("care:enrol_session", args=[session.pk]), follow=True)
    assert "not registered in this community" in page(response)
    assert session.enrolments.count() == 1


def test_check_in_an_hour_before_a_session_just_after_midnight(time_machine, station):
    day = timezone.localdate() + timedelta(days=3)
    starts = datetime.combine(day, time(0, 30), tzinfo=SHANGHAI)
    session = _session(station, capacity=3, starts=starts)
    operator = person("care_operator")
    enrolment = services.session_enrol(
        actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(70))
    )
    time_machine.move_to(starts - timedelta(minutes=45), tick=False)
    services.session_check_in(actor=operator, enrolment_id=enrolment.pk)


# =====================================================================================================
# Summer class
# =====================================================================================================


def test_a_child_cannot_enrol_a_sibling_as_their_parent(term):
    account = resident_user("review_teen")
    teen = make_resident(birth=years_ago(13), account=account)
    sibling = make_resident(birth=years_ago(7), household=teen.household)
    with refused("not_allowed"):
        services.summer_enrol(actor=account, term_id=term.pk, child=sibling, parent=teen)


def test_a_parent_cannot_enrol_another_household_s_child_from_the_page(client, term):
    """Verified: the resident page only enrols a child of the signed-in resident's household."""
    account = resident_user("review_parent")
    parent = make_resident(birth=years_ago(40), account=account)
    other_child = make_resident(birth=years_ago(9))
    client.force_login(account)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": other_child.pk})
    assert not SummerEnrolment.objects.filter(child=other_child).exists()
    own = make_resident(birth=years_ago(9), household=parent.household)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": own.pk})
    assert SummerEnrolment.objects.filter(child=own, parent=parent).exists()


# =====================================================================================================
# Volunteers: the commendation list export
# =====================================================================================================


def test_the_export_does_not_turn_typed_text_into_formulas(client, staff):
    from openpyxl import load_workbook

    resident = make_resident(birth=years_ago(33), name="公式志愿者")
    services.volunteer_register(
        actor=staff, resident=resident, skills='=HYPERLINK("http://x.example","点我")'
    )
    client.force_login(staff)
    response = client.get(reverse("care:volunteers_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows() if r[1].value == "公式志愿者")
    assert row[2].data_type == "s"  # text, never a formula
    assert row[2].value == '=HYPERLINK("http://x.example","点我")'


def test_hours_for_a_future_date_refused_and_only_the_organiser_confirms(staff):
    """Verified: tomorrow's hours are refused with 'future'; only the organiser confirms."""
    resident = make_resident(birth=years_ago(30), name="评审志愿者")
    volunteer = services.volunteer_register(actor=staff, resident=resident)
    activity = VolunteerActivity.objects.filter(organiser=staff).first()
    today = timezone.localdate()
    with refused("future"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=today + timedelta(days=1),
            hours="2",
        )
    row = services.hours_log(
        actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours="2.5"
    )
    with refused("not_allowed"):
        services.hours_confirm(actor=person("huayuan_staff"), hours_id=row.pk)
    services.hours_confirm(actor=staff, hours_id=row.pk)


def test_another_community_s_staff_cannot_change_volunteers_or_watch(client):
    """Verified: 花园 staff get 404 for 凤凰's volunteer and watch entries by pk."""
    from huizhi.care.models import Volunteer

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


def test_state_changing_care_views_refuse_get():
    """Verified: every POST-only action of care answers 405 to GET."""
    from django.test import Client

    client = Client()
    client.force_login(person("admin"))
    for name, args in [
        ("care:session_check_in", [1]),
        ("care:watch_build", []),
        ("care:watch_remove", [1]),
        ("care:watcher_remove", [1]),
        ("care:watch_log", []),
        ("care:carer_add", [1]),
        ("care:carer_remove", [1]),
        ("care:childcare_check_in", [1]),
        ("care:childcare_pick_up", []),
        ("care:carer_day_off", []),
        ("care:carer_day_on", []),
        ("care:alert_clear", [1]),
        ("care:summer_sign_in", [1]),
        ("care:summer_sign_out", [1]),
        ("care:hours_confirm", [1]),
        ("care:enrol_session", [1]),
        ("care:enrol_summer", [1]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 405, name


def test_hours_cannot_be_logged_for_an_activity_that_has_not_happened(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(31)))
    tomorrow = timezone.localdate() + timedelta(days=1)
    activity = services.volunteer_activity_create(
        actor=staff, community=Place.objects.get(code="341102001001"), title="明天的活动", held_on=tomorrow
    )
    with refused("future"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=timezone.localdate(),
            hours="3",
        )


def test_home_service_at_another_station_is_routed_to_that_station_s_operator(station):
    from huizhi.accounts.services import user_create
    from huizhi.cases.routing import default_unit
    from huizhi.places.models import Organisation

    huayuan = Place.objects.get(code=HUAYUAN)
    operator_org = Organisation.objects.create(
        name="评审花园养老运营方", kind=station.operator.kind, place=huayuan
    )
    other = CareStation.objects.create(
        name="花园街社区养老服务站", community=huayuan, community_code=HUAYUAN, operator=operator_org
    )
    operator = user_create(username="review_huayuan_operator", password="x-test-password")
    role_grant(user=operator, role=Role.SERVICE_OPERATOR, organisation=operator_org)
    elder = make_resident(birth=years_ago(78), grid_code=HUAYUAN + "001")
    made = services.home_service_request(
        actor=operator, station=other, resident=elder, kind=ServiceKind.REPAIR, description="灯坏了"
    )
    case = made.case
    routed = case.handling_unit or default_unit(case.category, case.place, case.community)
    assert routed == operator_org


# =====================================================================================================
# Follow-ups of the fixes
# =====================================================================================================


def test_a_start_before_today_is_refused_even_for_a_child_of_the_right_age(staff, centre):
    klass = _klass(centre, AgeBand.TODDLER, 1)
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
    klass = _klass(centre, AgeBand.TODDLER, 1)  # 12–24 months
    child = make_resident(birth=months_ago(23), name="快满两岁")
    enrolment = services.childcare_enrol(
        actor=staff, klass_id=klass.pk, child=child, starts_on=timezone.localdate(), adults=[("妈妈", "母亲")]
    )
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)  # in the band today
    time_machine.move_to(timezone.now() + timedelta(days=45), tick=False)  # 24 months old by then
    with refused("wrong_age") as info:
        services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    assert "快满两岁 has outgrown 评审toddler" in info.value.messages[0]
    assert not enrolment.days.filter(day=timezone.localdate()).exists()
    client.force_login(staff)
    register = page(client.get(reverse("care:childcare")))
    row = register.split(f'data-enrolment="{enrolment.pk}"', 1)[1].split("</tr>", 1)[0]
    assert row.startswith(" data-outgrown") and "已超出本班年龄" in row  # "outgrown this class"
    assert reverse("care:childcare_check_in", args=[enrolment.pk]) not in row


def test_the_ranking_puts_volunteers_without_confirmed_hours_last(staff):
    """NULL sums sort first in a descending order on PostgreSQL: the ranking must not lead with them."""
    from huizhi.care import selectors

    idle = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(30), name="阿空"))
    ranking = list(selectors.volunteer_ranking(staff))
    with_hours = [v.pk for v in ranking if v.confirmed_hours]
    assert with_hours, "the demo has confirmed hours"
    assert [v.pk for v in ranking][: len(with_hours)] == with_hours
    assert ranking[-1].confirmed_hours is None and idle.pk in {v.pk for v in ranking[len(with_hours) :]}


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


def test_hours_cannot_be_dated_before_the_activity(staff):
    volunteer = services.volunteer_register(actor=staff, resident=make_resident(birth=years_ago(32)))
    today = timezone.localdate()
    activity = services.volunteer_activity_create(
        actor=staff, community=Place.objects.get(code="341102001001"), title="昨天的活动", held_on=today
    )
    with refused("bad_input"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=today - timedelta(days=1),
            hours="2",
        )
    services.hours_log(
        actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours="2"
    )


def test_the_teen_s_care_page_offers_no_sibling_to_enrol_and_an_adult_of_the_household_enrols(client, term):
    teen_account = resident_user("review_teen_page")
    teen = make_resident(birth=years_ago(14), account=teen_account)
    sibling = make_resident(birth=years_ago(8), household=teen.household, name="托管弟弟")
    client.force_login(teen_account)
    assert "托管弟弟" not in page(client.get(reverse("care:mine")))
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": sibling.pk})
    assert not SummerEnrolment.objects.filter(child=sibling).exists()
    grandma_account = resident_user("review_grandma")
    make_resident(birth=years_ago(62), household=teen.household, account=grandma_account)
    client.force_login(grandma_account)
    client.post(reverse("care:enrol_summer", args=[term.pk]), {"child": sibling.pk})
    assert SummerEnrolment.objects.filter(child=sibling).exists()


def test_an_adult_sibling_recorded_as_a_child_of_the_head_cannot_enrol_as_parent(term):
    from huizhi.registry.models import Resident

    account = resident_user("review_adult_sibling")
    head = make_resident(birth=years_ago(45), relationship=Resident.Relationship.HEAD)
    brother = make_resident(
        birth=years_ago(20),
        household=head.household,
        account=account,
        relationship=Resident.Relationship.CHILD,
    )
    child = make_resident(
        birth=years_ago(9), household=head.household, relationship=Resident.Relationship.CHILD
    )
    with refused("not_allowed"):
        services.summer_enrol(actor=account, term_id=term.pk, child=child, parent=brother)


def test_the_administrator_chooses_the_community_of_a_new_activity(client):
    client.force_login(person("admin"))
    response = client.get(reverse("care:volunteers"))
    assert 'name="community"' in page(response)
    huayuan = Place.objects.get(code=HUAYUAN)
    response = client.post(
        reverse("care:volunteers"),
        {"title": "管理员活动", "held_on": timezone.localdate().isoformat(), "community": huayuan.pk},
    )
    assert response.status_code == 302
    activity = VolunteerActivity.objects.get(title="管理员活动")
    assert activity.community == huayuan and activity.community_code == HUAYUAN


def test_check_in_closes_when_the_session_ends(time_machine, station):
    session = _session(station, capacity=2)
    operator = person("care_operator")
    enrolment = services.session_enrol(
        actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(71))
    )
    time_machine.move_to(session.ends_at + timedelta(minutes=1), tick=False)
    with refused("wrong_state"):
        services.session_check_in(actor=operator, enrolment_id=enrolment.pk)


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1x"])
def test_the_station_week_out_of_range_falls_back_to_this_week(client, station, week):
    client.force_login(person("care_operator"))
    response = client.get(reverse("care:station", args=[station.pk]), {"week": week})
    assert response.status_code == 200
    assert response.context["monday"] == timezone.localdate() - timedelta(days=timezone.localdate().weekday())


def test_the_operator_s_request_waits_for_staff_and_staff_dispatch_to_the_station_s_operator(station):
    from huizhi.cases.services import case_transition
    from huizhi.cases.states import Status

    made = services.home_service_request(
        actor=person("care_operator"),
        station=station,
        resident=make_resident(birth=years_ago(77)),
        kind=ServiceKind.NURSING,
        description="需要上门换药",
    )
    case = made.case
    assert case.status == Status.REPORTED and case.handling_unit == station.operator
    staff = person("fenghuang_staff")
    case_transition(actor=staff, case_id=case.pk, action="accept")
    case = case_transition(actor=staff, case_id=case.pk, action="dispatch", unit=case.handling_unit)
    assert case.status == Status.DISPATCHED and case.handling_unit == station.operator
