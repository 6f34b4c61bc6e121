"""Care services on the demo street: the rules at their boundaries, and that a refusal saves nothing.

Data is built through the real services (registry's resident_create, the care services); the demo's
凤凰社区 station, childcare centre and summer term are used where they exist.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant
from huizhi.care import selectors, services
from huizhi.care.kinds import AgeBand, ContactOutcome, Risk, ServiceKind, WatcherKind
from huizhi.care.models import (
    CareAlert,
    CareSession,
    CareStation,
    ChildcareAttendance,
    ChildcareCentre,
    ChildcareClass,
    ChildcareEnrolment,
    SummerEnrolment,
    SummerTerm,
    Volunteer,
    VolunteerActivity,
    VolunteerHours,
    WatchContact,
    WatchedResident,
)
from huizhi.care.services import CareError
from huizhi.care.tests.conftest import (
    FENGHUANG,
    FENGHUANG_GRID_1,
    HUAYUAN,
    make_resident,
    months_ago,
    person,
    resident_user,
    years_ago,
)
from huizhi.cases.models import Case, Notification
from huizhi.cases.selectors import waiting_for
from huizhi.cases.states import Source, Status
from huizhi.places.models import Place
from huizhi.registry.models import Resident

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def refused(code: str):
    """pytest.raises for a CareError with this code."""

    class _Check:
        def __enter__(self):
            self.raises = pytest.raises(CareError)
            self.info = self.raises.__enter__()
            return self.info

        def __exit__(self, *exc):
            result = self.raises.__exit__(*exc)
            assert self.info.value.code == code, self.info.value.messages
            return result

    return _Check()


# --- the empty-nest watch -------------------------------------------------------------------------


@pytest.fixture
def staff():
    return person("fenghuang_staff")


@pytest.fixture
def grid_worker():
    user = resident_user("fh_grid_worker_test")
    role_grant(user=user, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_1))
    return user


def test_risk_sets_the_cadence(staff):
    cases = [
        (dict(birth=years_ago(84), lives_alone=True), Risk.HIGH, 2),
        (dict(birth=years_ago(81)), Risk.ELEVATED, 4),
        (dict(birth=years_ago(66), lives_alone=True), Risk.ELEVATED, 4),
        (dict(birth=years_ago(66), empty_nest=True), Risk.NORMAL, 7),
    ]
    for fields, risk, days in cases:
        watched = services.watch_add(actor=staff, resident=make_resident(**fields))
        assert (watched.risk, watched.cadence_days) == (risk, days)


def test_watch_refuses_who_the_registry_gives_no_reason_to_watch(staff):
    young_alone = make_resident(birth=years_ago(59, days=300), lives_alone=True)
    plain_elder = make_resident(birth=years_ago(70))
    for resident in (young_alone, plain_elder):
        with refused("wrong_age"):
            services.watch_add(actor=staff, resident=resident)
    assert not WatchedResident.objects.filter(resident__in=[young_alone, plain_elder]).exists()


def test_watch_list_is_built_from_the_tags_once(staff):
    eighty = make_resident(birth=years_ago(80))
    nest = make_resident(birth=years_ago(61), empty_nest=True)
    not_elderly = make_resident(birth=years_ago(50), lives_alone=True)
    other_community = make_resident(birth=years_ago(85), grid_code=HUAYUAN + "001")
    WatchedResident.objects.filter(place_code__startswith=FENGHUANG).delete()
    added = services.watch_list_build(actor=staff, community_code=FENGHUANG)
    watched = set(WatchedResident.objects.values_list("resident_id", flat=True))
    assert {eighty.pk, nest.pk} <= watched
    assert not {not_elderly.pk, other_community.pk} & watched
    assert added >= 2
    assert services.watch_list_build(actor=staff, community_code=FENGHUANG) == 0
    with refused("not_allowed"):
        services.watch_list_build(actor=staff, community_code=HUAYUAN)


def test_watchers_must_be_of_the_elder_s_grid_or_community(staff, grid_worker):
    elder = services.watch_add(actor=staff, resident=make_resident(birth=years_ago(82), lives_alone=True))
    services.watcher_assign(actor=staff, watched_id=elder.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    with refused("duplicate"):
        services.watcher_assign(
            actor=staff, watched_id=elder.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER
        )
    stranger = resident_user("not_a_party_member")
    make_resident(birth=years_ago(40), account=stranger)
    with refused("bad_input"):
        services.watcher_assign(
            actor=staff, watched_id=elder.pk, user=stranger, kind=WatcherKind.PARTY_MEMBER
        )
    member = resident_user("party_member_test")
    make_resident(birth=years_ago(45), account=member, party_member=True)
    services.watcher_assign(actor=staff, watched_id=elder.pk, user=member, kind=WatcherKind.PARTY_MEMBER)
    assert list(elder.watchers.values_list("user__username", flat=True)) == [
        "fh_grid_worker_test",
        "party_member_test",
    ]
    with refused("not_allowed"):
        services.watcher_assign(
            actor=person("huayuan_staff"), watched_id=elder.pk, user=member, kind=WatcherKind.PARTY_MEMBER
        )


@pytest.fixture
def watched(staff, grid_worker):
    elder = make_resident(birth=years_ago(83), lives_alone=True, name="守望对象")
    entry = services.watch_add(actor=staff, resident=elder)
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    return entry


def _log(actor, watched, outcome, note="已联系"):
    return services.watch_contact_log(actor=actor, resident=watched.resident, outcome=outcome, note=note)


def test_cadence_and_the_overdue_queue(time_machine, staff, grid_worker, watched):
    start = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    time_machine.move_to(start, tick=False)
    watched.due_at = start  # newly added: due at once
    watched.save(update_fields=["due_at"])
    time_machine.move_to(start + timedelta(minutes=1), tick=False)
    assert watched in selectors.to_contact_today(grid_worker, timezone.now())
    assert watched in selectors.overdue_contacts(staff, timezone.now())

    _log(grid_worker, watched, ContactOutcome.WELL)
    watched.refresh_from_db()
    assert watched.due_at == start + timedelta(minutes=1) + timedelta(days=2)  # 80+ living alone: 2 days
    assert watched not in selectors.overdue_contacts(staff, timezone.now())
    assert watched not in selectors.to_contact_today(grid_worker, timezone.now())

    time_machine.move_to(start + timedelta(days=2), tick=False)  # due at 10:01 today: on today's list
    assert watched in selectors.to_contact_today(grid_worker, timezone.now())
    assert watched not in selectors.overdue_contacts(staff, timezone.now())

    time_machine.move_to(start + timedelta(days=2, minutes=2), tick=False)
    now = timezone.now()
    assert watched in selectors.overdue_contacts(staff, now)
    assert watched in selectors.overdue_contacts(grid_worker, now)
    grids = dict((grid.code, n) for grid, n in selectors.overdue_by_grid(staff, now))
    assert grids.get(FENGHUANG_GRID_1, 0) >= 1
    watchers = dict((user.username, n) for user, n in selectors.overdue_by_watcher(staff, now))
    assert watchers["fh_grid_worker_test"] == 1
    # Another community's staff have no such queue.
    assert watched not in selectors.overdue_contacts(person("huayuan_staff"), now)


def test_two_misses_in_a_row_raise_one_alert_until_someone_is_reached(
    time_machine, staff, grid_worker, watched
):
    time_machine.move_to(timezone.now() - timedelta(days=1), tick=False)
    _log(grid_worker, watched, ContactOutcome.NOT_REACHED)
    assert not CareAlert.objects.filter(watched=watched).exists()

    time_machine.shift(timedelta(hours=5))  # the next scheduled contact, not a second tap
    _log(grid_worker, watched, ContactOutcome.NOT_REACHED)
    alert = CareAlert.objects.get(watched=watched)
    assert alert.is_active and "守望对象" in alert.text
    assert alert in selectors.active_alerts(staff)
    assert alert in selectors.active_alerts(grid_worker)
    assert alert not in selectors.active_alerts(person("huayuan_staff"))
    told = set(Notification.objects.filter(text=alert.text).values_list("user__username", flat=True))
    assert {"fenghuang_staff", "fh_grid_worker_test"} <= told

    time_machine.shift(timedelta(hours=5))
    _log(grid_worker, watched, ContactOutcome.NOT_REACHED)  # a third miss: still the one alert
    assert CareAlert.objects.filter(watched=watched).count() == 1

    _log(grid_worker, watched, ContactOutcome.IN_HOSPITAL, note="住院中，家属已告知")
    alert.refresh_from_db()
    watched.refresh_from_db()
    assert alert.cleared_at is not None and alert.cleared_by == grid_worker
    assert watched.misses == 0
    assert alert not in selectors.active_alerts(staff)

    _log(grid_worker, watched, ContactOutcome.NOT_REACHED)  # one miss after contact: no new alert
    assert not CareAlert.objects.active().filter(watched=watched).exists()


def test_misses_not_in_a_row_raise_nothing(grid_worker, watched):
    for outcome in (ContactOutcome.NOT_REACHED, ContactOutcome.WELL, ContactOutcome.NOT_REACHED):
        _log(grid_worker, watched, outcome)
    assert not CareAlert.objects.filter(watched=watched).exists()


def test_needs_help_opens_a_case_in_one_step(grid_worker, watched):
    contact = _log(grid_worker, watched, ContactOutcome.NEEDS_HELP, note="老人腿脚不便，需要助浴服务")
    case = contact.case
    assert case.source == Source.VISIT and case.status == Status.REPORTED
    assert case.reporter == grid_worker and case.community.code == FENGHUANG
    assert "守望对象" in case.title and case.description == "老人腿脚不便，需要助浴服务"


def test_needs_help_without_a_note_saves_nothing(grid_worker, watched):
    cases_before = Case.objects.count()
    with refused("bad_input"):
        _log(grid_worker, watched, ContactOutcome.NEEDS_HELP, note="  ")
    assert Case.objects.count() == cases_before
    assert not WatchContact.objects.filter(watched=watched).exists()


def test_a_visit_for_someone_not_on_the_watch_list_is_refused(grid_worker):
    stranger = make_resident(birth=years_ago(85), lives_alone=True)
    with refused("not_watched"):
        services.watch_contact_log(actor=grid_worker, resident=stranger, outcome=ContactOutcome.WELL)
    assert not WatchContact.objects.filter(watched__resident=stranger).exists()


def test_only_watchers_grid_workers_and_staff_log_contacts(watched):
    for outsider in ("huayuan_staff", "gridworker", "care_operator", "street"):
        with refused("not_allowed"):
            _log(person(outsider), watched, ContactOutcome.WELL)
    assert not watched.contacts.exists()


# --- the elderly care station ----------------------------------------------------------------------


@pytest.fixture
def station():
    return CareStation.objects.get(name="凤凰社区养老服务站")


def _session(station, capacity: int) -> CareSession:
    service = station.services.get(name="太极拳晨练")
    starts = timezone.now() + timedelta(days=1)
    return services.care_session_create(
        actor=person("care_operator"),
        service=service,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        venue="活动室",
        capacity=capacity,
        lead="吴秀英",
    )


def test_session_capacity_at_its_boundary(station):
    operator = person("care_operator")
    session = _session(station, capacity=10)
    elders = [make_resident(birth=years_ago(65 + i)) for i in range(11)]
    for elder in elders[:9]:
        services.session_enrol(actor=operator, session_id=session.pk, resident=elder)
    services.session_enrol(actor=operator, session_id=session.pk, resident=elders[9])  # the 10th fits
    with refused("full"):
        services.session_enrol(actor=operator, session_id=session.pk, resident=elders[10])
    session.refresh_from_db()
    assert (session.enrolled_count, session.enrolments.count()) == (10, 10)
    assert not session.enrolments.filter(resident=elders[10]).exists()


def test_enrolment_is_for_elders_of_the_catchment(station):
    operator = person("care_operator")
    session = _session(station, capacity=5)
    services.session_enrol(actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(60)))
    with refused("wrong_age"):
        services.session_enrol(
            actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(59, days=-3))
        )
    with refused("outside"):
        services.session_enrol(
            actor=operator,
            session_id=session.pk,
            resident=make_resident(birth=years_ago(70), grid_code=HUAYUAN),
        )
    elder = make_resident(birth=years_ago(70))
    services.session_enrol(actor=operator, session_id=session.pk, resident=elder)
    with refused("duplicate"):
        services.session_enrol(actor=operator, session_id=session.pk, resident=elder)
    session.refresh_from_db()
    assert session.enrolled_count == 2


def test_an_elder_with_an_account_enrols_themself_but_not_others(station):
    session = _session(station, capacity=5)
    account = resident_user("elder_self")
    me = make_resident(birth=years_ago(72), account=account)
    neighbour = make_resident(birth=years_ago(75))
    services.session_enrol(actor=account, session_id=session.pk, resident=me)
    with refused("not_allowed"):
        services.session_enrol(actor=account, session_id=session.pk, resident=neighbour)


def test_only_the_station_s_operator_plans_sessions(station):
    service = station.services.first()
    starts = timezone.now() + timedelta(days=1)
    for outsider in ("fenghuang_staff", "street", "repair_crew"):
        with refused("not_allowed"):
            services.care_session_create(
                actor=person(outsider),
                service=service,
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                venue="x",
                capacity=5,
                lead="x",
            )


def test_bad_session_input_is_refused(station):
    service = station.services.first()
    operator = person("care_operator")
    now = timezone.now()
    bad = [
        dict(starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1), capacity=5),
        dict(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1), capacity=5),
        dict(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2), capacity=0),
    ]
    before = CareSession.objects.count()
    for fields in bad:
        with refused("bad_input"):
            services.care_session_create(
                actor=operator, service=service, venue="活动室", lead="吴秀英", **fields
            )
    assert CareSession.objects.count() == before


def test_check_in_opens_an_hour_before_the_session(time_machine, station):
    operator = person("care_operator")
    session = _session(station, capacity=3)
    enrolment = services.session_enrol(
        actor=operator, session_id=session.pk, resident=make_resident(birth=years_ago(68))
    )
    time_machine.move_to(session.starts_at - timedelta(hours=1, minutes=1), tick=False)
    with refused("wrong_state"):
        services.session_check_in(actor=operator, enrolment_id=enrolment.pk)
    time_machine.move_to(session.starts_at - timedelta(minutes=10), tick=False)
    assert services.session_check_in(actor=operator, enrolment_id=enrolment.pk).attended_at is not None
    with refused("duplicate"):
        services.session_check_in(actor=operator, enrolment_id=enrolment.pk)


def test_home_service_filed_by_staff_reaches_the_operator_s_task_list(station):
    elder = make_resident(birth=years_ago(81), lives_alone=True)
    request = services.home_service_request(
        actor=person("fenghuang_staff"),
        station=station,
        resident=elder,
        kind=ServiceKind.DAILY_LIVING,
        description="需要助浴",
    )
    case = request.case
    assert case.source == Source.CARE and case.status == Status.DISPATCHED
    assert case.handling_unit == station.operator
    assert case in waiting_for(person("care_operator"))


def test_home_service_filed_by_the_operator_waits_for_the_community(station):
    elder = make_resident(birth=years_ago(75))
    request = services.home_service_request(
        actor=person("care_operator"),
        station=station,
        resident=elder,
        kind=ServiceKind.REPAIR,
        description="水龙头漏水",
    )
    assert request.case.status == Status.REPORTED and request.case.source == Source.CARE
    with refused("not_allowed"):
        services.home_service_request(
            actor=person("huayuan_staff"),
            station=station,
            resident=elder,
            kind=ServiceKind.REPAIR,
            description="x",
        )
    with refused("wrong_age"):
        services.home_service_request(
            actor=person("care_operator"),
            station=station,
            resident=make_resident(birth=years_ago(40)),
            kind=ServiceKind.REPAIR,
            description="x",
        )


# --- childcare -------------------------------------------------------------------------------------


@pytest.fixture
def centre():
    return ChildcareCentre.objects.get(name="凤凰社区托育中心")


def _klass(centre, band, carers: int) -> ChildcareClass:
    klass = ChildcareClass.objects.create(centre=centre, band=band, name=f"测试{band}")
    for i in range(carers):
        services.carer_roster(actor=person("fenghuang_staff"), klass_id=klass.pk, name=f"保育员{i}")
    return klass


def _child(months: int, days: int = 0, **fields):
    return make_resident(birth=months_ago(months, days=days), **fields)


def _enrol(klass, child, adults=(("妈妈甲", "妈妈"),)):
    return services.childcare_enrol(
        actor=person("fenghuang_staff"),
        klass_id=klass.pk,
        child=child,
        starts_on=timezone.localdate(),
        adults=list(adults),
    )


@pytest.mark.parametrize(
    ("band", "limit", "carers"), [(AgeBand.INFANT, 10, 4), (AgeBand.TODDLER, 15, 3), (AgeBand.OLDER, 20, 3)]
)
def test_class_size_limit_at_its_boundary(centre, band, limit, carers):
    klass = _klass(centre, band, carers)
    months = {AgeBand.INFANT: 8, AgeBand.TODDLER: 18, AgeBand.OLDER: 30}[band]
    for _ in range(limit):
        _enrol(klass, _child(months))
    with refused("full"):
        _enrol(klass, _child(months))
    assert klass.enrolments.count() == limit


def test_carer_ratio_at_its_boundary(centre):
    staff = person("fenghuang_staff")
    klass = _klass(centre, AgeBand.INFANT, carers=1)
    for _ in range(3):
        _enrol(klass, _child(8))  # 1:3 — the third fits
    with refused("ratio") as info:
        _enrol(klass, _child(8))
    assert "1:3" in info.value.messages[0]
    second = services.carer_roster(actor=staff, klass_id=klass.pk, name="保育员乙")
    _enrol(klass, _child(8))
    with refused("ratio"):
        services.carer_unroster(actor=staff, carer_id=second.pk)  # 4 children need 2 carers
    assert klass.carers.count() == 2
    with refused("duplicate"):
        services.carer_roster(actor=staff, klass_id=klass.pk, name="保育员乙")


def test_carer_can_be_taken_off_when_the_ratio_still_holds(centre):
    staff = person("fenghuang_staff")
    klass = _klass(centre, AgeBand.TODDLER, carers=2)
    for _ in range(5):
        _enrol(klass, _child(14))
    services.carer_unroster(actor=staff, carer_id=klass.carers.last().pk)  # 5 children, 1 carer at 1:5
    assert klass.carers.count() == 1


def test_age_bands_at_their_boundaries(centre):
    infant = _klass(centre, AgeBand.INFANT, carers=4)
    with refused("wrong_age") as info:
        _enrol(infant, _child(5))
    assert "is 5 months old" in info.value.messages[0]
    assert "6 to 12 months" in info.value.messages[0]
    _enrol(infant, _child(6))  # exactly 6 months: in
    _enrol(infant, _child(12, days=-1))  # a day short of 12 months: still in
    with refused("wrong_age"):
        _enrol(infant, _child(12))  # 12 months: the 托小班's
    toddler = _klass(centre, AgeBand.TODDLER, carers=3)
    _enrol(toddler, _child(12))
    with refused("wrong_age"):
        _enrol(toddler, _child(24))
    with refused("outside"):
        _enrol(toddler, _child(14, grid_code=HUAYUAN))


def test_enrolment_names_an_adult_and_a_child_is_in_one_class(centre):
    klass = _klass(centre, AgeBand.OLDER, carers=1)
    child = _child(26)
    with refused("bad_input"):
        _enrol(klass, child, adults=[("", "")])
    _enrol(klass, child)
    with refused("duplicate"):
        _enrol(klass, child)
    assert ChildcareEnrolment.objects.filter(child=child).count() == 1


def test_pick_up_by_an_authorised_adult_only(centre):
    staff = person("fenghuang_staff")
    klass = _klass(centre, AgeBand.OLDER, carers=1)
    enrolment = _enrol(klass, _child(30, name="小明"), adults=[("李娟", "妈妈"), ("李建国", "外公")])
    with refused("wrong_state"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="李娟")
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    with refused("duplicate"):
        services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)

    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="王陌生")
    day = ChildcareAttendance.objects.get(enrolment=enrolment)
    assert day.picked_up_at is None  # the child stays
    alert = CareAlert.objects.get(enrolment=enrolment)
    assert "王陌生" in alert.text and "小明" in alert.text
    assert Notification.objects.filter(user=staff, text=alert.text).exists()

    day = services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by=" 李建国 ")
    assert day.collected_by.name == "李建国" and day.released_by == staff
    with refused("duplicate"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="李娟")


# --- summer class ---------------------------------------------------------------------------------


def test_a_parent_enrols_their_own_school_age_child(term):
    account = resident_user("parent_test")
    parent = make_resident(birth=years_ago(38), account=account)
    child = make_resident(birth=years_ago(9), household=parent.household)
    toddler = make_resident(birth=years_ago(4), household=parent.household)
    other = make_resident(birth=years_ago(9))
    enrolment = services.summer_enrol(actor=account, term_id=term.pk, child=child, parent=parent)
    assert enrolment.parent == parent
    with refused("wrong_age"):
        services.summer_enrol(actor=account, term_id=term.pk, child=toddler, parent=parent)
    with refused("not_allowed"):
        services.summer_enrol(actor=account, term_id=term.pk, child=other, parent=parent)
    with refused("duplicate"):
        services.summer_enrol(actor=account, term_id=term.pk, child=child, parent=parent)


def test_summer_term_capacity_at_its_boundary(term):
    staff = person("fenghuang_staff")
    taken = term.enrolments.count()
    SummerTerm.objects.filter(pk=term.pk).update(capacity=taken + 1)
    services.summer_enrol(actor=staff, term_id=term.pk, child=make_resident(birth=years_ago(8)))
    with refused("full"):
        services.summer_enrol(actor=staff, term_id=term.pk, child=make_resident(birth=years_ago(8)))
    assert SummerEnrolment.objects.filter(term=term).count() == taken + 1


def test_summer_sessions_stay_in_the_term_and_keep_a_register(running_term):
    term = running_term
    staff = person("fenghuang_staff")
    lead = Volunteer.objects.filter(place_code__startswith=FENGHUANG).first()
    outside = timezone.make_aware(datetime.combine(term.ends_on + timedelta(days=1), datetime.min.time()))
    with refused("bad_input"):
        services.summer_session_create(
            actor=staff,
            term=term,
            kind="science",
            title="x",
            starts_at=outside,
            ends_at=outside + timedelta(hours=1),
            venue="x",
            lead=lead,
        )
    today = term.sessions.get(starts_at__date=timezone.localdate())
    enrolment = term.enrolments.first()
    with refused("wrong_state"):
        services.summer_sign_out(actor=staff, session_id=today.pk, enrolment_id=enrolment.pk)
    services.summer_sign_in(actor=staff, session_id=today.pk, enrolment_id=enrolment.pk)
    with refused("duplicate"):
        services.summer_sign_in(actor=staff, session_id=today.pk, enrolment_id=enrolment.pk)
    row = services.summer_sign_out(actor=staff, session_id=today.pk, enrolment_id=enrolment.pk)
    assert row.signed_out_at >= row.signed_in_at
    with refused("not_allowed"):
        services.summer_sign_in(actor=person("huayuan_staff"), session_id=today.pk, enrolment_id=enrolment.pk)


# --- volunteers -----------------------------------------------------------------------------------


def test_hours_for_a_future_date_are_refused_and_points_come_from_confirmed_hours():
    staff = person("fenghuang_staff")
    community = Place.objects.get(code=FENGHUANG)
    volunteer = services.volunteer_register(
        actor=staff, resident=make_resident(birth=years_ago(30), name="新志愿者"), skills="理发"
    )
    assert Resident.objects.get(pk=volunteer.resident_id).volunteer
    today = timezone.localdate()
    activity = services.volunteer_activity_create(
        actor=staff, community=community, title="义诊", held_on=today
    )
    with refused("future"):
        services.hours_log(
            actor=staff,
            volunteer_id=volunteer.pk,
            activity_id=activity.pk,
            served_on=today + timedelta(days=1),
            hours=2,
        )
    for hours in ("0", "25", "abc"):
        with refused("bad_input"):
            services.hours_log(
                actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours=hours
            )
    assert not VolunteerHours.objects.filter(volunteer=volunteer).exists()

    row = services.hours_log(
        actor=staff, volunteer_id=volunteer.pk, activity_id=activity.pk, served_on=today, hours="2.5"
    )
    ranked = {v.pk: v for v in selectors.volunteer_ranking(staff)}
    assert ranked[volunteer.pk].confirmed_hours is None  # not confirmed yet: no points
    with refused("not_allowed"):
        services.hours_confirm(actor=person("street"), hours_id=row.pk)
    services.hours_confirm(actor=staff, hours_id=row.pk)
    ranked = {v.pk: v for v in selectors.volunteer_ranking(staff)}
    assert ranked[volunteer.pk].confirmed_hours == Decimal("2.5")
    assert selectors.points_for(ranked[volunteer.pk].confirmed_hours) == 25
    with refused("duplicate"):
        services.hours_confirm(actor=staff, hours_id=row.pk)
    assert VolunteerActivity.objects.filter(organiser=staff, title="义诊").exists()
