"""Care test helpers on the demo street: people of exact ages in 凤凰社区, and the demo logins."""

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.accounts.services import user_create
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
    year, month = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(year, month + 1, min(on.day, 28)) - timedelta(days=days)


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
