"""A small street with homes: residents registered in rooms, some with accounts (tests/factories.py
builds the places and staff; homes are built here through the registry's services)."""

import itertools
from datetime import date, timedelta

import pytest

from huizhi.accounts.models import User
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from tests.factories import BuildingFactory, UserFactory, small_street

_numbers = itertools.count(1)


def home(building, room: str, *, account: bool = True, mobile: bool = False) -> User | Resident:
    """A resident registered in `room` of `building`; with `account`, a linked sign-in (returned)."""
    n = next(_numbers)
    household = household_for_unit(building=building, room=room)
    resident = resident_create(
        household=household,
        name=f"住户{n}",
        id_number=make_id_number("110101", date(1960, 1, 1) + timedelta(days=n), n, "F"),
    )
    if not account:
        return resident
    user = UserFactory(mobile=f"1370000{n:04d}" if mobile else "")
    Resident.objects.filter(pk=resident.pk).update(account=user)
    return user


@pytest.fixture
def world():
    """small_street() and a second building in the same compound."""
    street = small_street()
    street.other_building = BuildingFactory(parent=street.compound)
    return street
