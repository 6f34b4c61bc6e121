"""Care test helpers on the demo street: people of exact ages in 凤凰社区, the demo logins, and
what several care subjects share (凤凰社区's staff, station, childcare centre and summer term; a
watched elder with an open alert; a pick-up alert; classes, enrolments and sessions made to order)."""

import itertools
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.care import services
from huizhi.care.kinds import AgeBand, ContactOutcome, WatcherKind, born_by
from huizhi.care.models import (
    CareAlert,
    CareSession,
    CareStation,
    ChildcareCentre,
    ChildcareClass,
    SummerTerm,
    Volunteer,
)
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tags import _years_ago

FENGHUANG = "341102001001"
FENGHUANG_GRID_1 = "341102001001001"
FENGHUANG_GRID_2 = "341102001001002"
HUAYUAN = "341102001003"

_sequence = itertools.count(400)
_rooms = itertools.count(1)


def person(username: str) -> User:
    return User.objects.get(username=username)


def years_ago(years: int, days: int = 0) -> date:
    return _years_ago(timezone.localdate(), years) - timedelta(days=days)


def months_ago(months: int, on: date | None = None, days: int = 0) -> date:
    """The birth date of a child exactly `months` old on `on` (minus `days` days: a little older)."""
    on = on or timezone.localdate()
    # The latest birth date `months` old on `on`; on the 29th to the 31st a day of the 28th would be
    # some days older, and "a day short of 12 months" would still be 12 months old.
    return born_by(on, months) - timedelta(days=days)


def building_in(grid_code: str) -> Place:
    return Place.objects.filter(kind=PlaceKind.BUILDING, code__startswith=grid_code).order_by("code").first()


def make_resident(
    *,
    birth: date,
    grid_code: str = FENGHUANG_GRID_1,
    household=None,
    name: str | None = None,
    account: User | None = None,
    **tags,
) -> Resident:
    if household is None:
        household = household_for_unit(building=building_in(grid_code), room=f"T{next(_rooms)}")
    seq = next(_sequence)
    resident = resident_create(
        household=household,
        name=name or f"测试{seq}",
        id_number=make_id_number("341102", birth, seq, "F"),
        **tags,
    )
    if account is not None:
        Resident.objects.filter(pk=resident.pk).update(account=account)
        resident.account = account
    return resident


def resident_user(username: str) -> User:
    return user_create(username=username, password="x-test-password")


@pytest.fixture
def en_client(client, settings):
    """A browser that asked for English (the messages the lead translates stay comparable)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def _english():
    """Service messages in English, so assertions hold once the Chinese catalogue is filled in."""
    from django.utils import translation

    with translation.override("en"):
        yield


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff():
    return person("fenghuang_staff")


@pytest.fixture
def grid_worker():
    user = resident_user("watch_grid_worker")
    role_grant(user=user, role=Role.GRID_WORKER, place=Place.objects.get(code=FENGHUANG_GRID_1))
    return user


@pytest.fixture
def alerted(staff, grid_worker):
    """An elder with a watcher, not reached twice: an open alert."""
    entry = services.watch_add(actor=staff, resident=make_resident(birth=years_ago(86), lives_alone=True))
    services.watcher_assign(actor=staff, watched_id=entry.pk, user=grid_worker, kind=WatcherKind.GRID_WORKER)
    miss_twice(grid_worker, entry.resident)
    assert entry.alerts.active().count() == 1
    return entry


def miss_twice(actor, resident, **fields):
    """Two scheduled contacts that did not reach the elder: the first five hours ago (more than the
    default gap of four), the second now."""
    with time_machine.travel(timezone.now() - timedelta(hours=5), tick=False):
        services.watch_contact_log(
            actor=actor, resident=resident, outcome=ContactOutcome.NOT_REACHED, **fields
        )
    return services.watch_contact_log(
        actor=actor, resident=resident, outcome=ContactOutcome.NOT_REACHED, **fields
    )


@pytest.fixture
def centre():
    return ChildcareCentre.objects.get(name="凤凰社区托育中心")


def make_class(centre, band, carers: int, name: str = "") -> ChildcareClass:
    """A class of `band` in `centre` with `carers` carers on its roster."""
    klass = ChildcareClass.objects.create(centre=centre, band=band, name=name or f"测试{band}")
    for i in range(carers):
        services.carer_roster(actor=person("fenghuang_staff"), klass_id=klass.pk, name=f"保育员{i}")
    return klass


def make_enrolment(klass, months: int, name: str | None = None):
    return services.childcare_enrol(
        actor=person("fenghuang_staff"),
        klass_id=klass.pk,
        child=make_resident(birth=months_ago(months), name=name),
        starts_on=timezone.localdate(),
        adults=[("妈妈甲", "妈妈")],
    )


@pytest.fixture
def pickup_alert(staff, centre) -> CareAlert:
    enrolment = make_enrolment(make_class(centre, AgeBand.OLDER, carers=1), 30, name="小红")
    services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)
    from huizhi.care.tests.test_services import refused  # here: test_services imports this module

    with refused("unauthorised"):
        services.childcare_pick_up(actor=staff, enrolment_id=enrolment.pk, collected_by="陌生人")
    return CareAlert.objects.get(enrolment=enrolment)


@pytest.fixture
def station():
    return CareStation.objects.get(name="凤凰社区养老服务站")


@pytest.fixture
def term():
    """The demo's term open for enrolment before it starts: the coming summer's."""
    return SummerTerm.objects.get(community_code=FENGHUANG, starts_on__gt=timezone.localdate())


@pytest.fixture
def running_term(staff):
    """A term made by the test, running today whatever the month (a week ago to five weeks ahead:
    the rules do not ask for summer), with a session today and three children enrolled."""
    today = timezone.localdate()
    community = Place.objects.get(code=FENGHUANG)
    term = SummerTerm.objects.create(
        name="测试托管班",
        community=community,
        community_code=community.code,
        starts_on=today - timedelta(days=7),
        ends_on=today + timedelta(days=35),
        capacity=30,
    )
    morning = timezone.make_aware(datetime.combine(today, time(9)))
    services.summer_session_create(
        actor=staff,
        term=term,
        kind="science",
        title="测试讲座",
        starts_at=morning,
        ends_at=morning + timedelta(hours=2),
        venue="活动室",
        lead=Volunteer.objects.filter(place_code__startswith=FENGHUANG, is_active=True).first(),
    )
    for _ in range(3):
        services.summer_enrol(actor=staff, term_id=term.pk, child=make_resident(birth=years_ago(8)))
    return term


def make_session(station, capacity: int, starts=None) -> CareSession:
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


def make_elder_user(username: str, **fields):
    account = resident_user(username)
    me = make_resident(birth=years_ago(70), account=account, **fields)
    return account, me
