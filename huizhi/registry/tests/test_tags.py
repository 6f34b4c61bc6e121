"""Age tags (60+, 80+, child 0–3, school-age) follow the calendar: they are derived from the birth
date when read, so a resident gains or loses one on their birthday without anything being written.

Time is frozen with time-machine either side of midnight in Asia/Shanghai.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from huizhi.registry.models import Resident
from huizhi.registry.tags import Tag
from huizhi.registry.tests.conftest import YANGTIAN_11, add_resident, user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVE = datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
BIRTHDAY = datetime(2026, 12, 1, 0, 1, tzinfo=SHANGHAI)


def label(tag: str) -> str:
    with translation.override("zh-hans"):
        return str(Tag(tag).label)


def shown_with_tag(client, tag: str) -> set[int]:
    page = client.get(reverse("registry:residents"), {"tag": tag, "place": YANGTIAN_11}).content.decode()
    return {int(pk) for pk in re.findall(r'data-resident="(\d+)"', page)}


def tags_on_page(client, resident: Resident) -> set[str]:
    page = client.get(reverse("registry:resident", args=[resident.pk])).content.decode()
    return set(re.findall(r'<span class="tag">([^<]+)</span>', page))


@pytest.mark.parametrize(
    "birth, tag, on_the_eve, on_the_day",
    [
        (date(1946, 12, 1), Tag.AGE_80, False, True),
        (date(1966, 12, 1), Tag.AGE_60, False, True),
        (date(2020, 12, 1), Tag.SCHOOL_AGE, False, True),
        (date(2008, 12, 1), Tag.SCHOOL_AGE, True, False),  # turns 18
        (date(2023, 12, 1), Tag.CHILD_0_3, True, False),  # turns 3
        (date(2026, 11, 30), Tag.CHILD_0_3, True, True),  # a newborn
    ],
    ids=["turns 80", "turns 60", "turns 6", "turns 18", "turns 3", "newborn"],
)
def test_an_age_tag_changes_on_the_birthday_without_a_write(client, birth, tag, on_the_eve, on_the_day):
    with time_machine.travel(EVE, tick=False):  # a newborn of the 30th can be recorded only from then
        resident = add_resident(YANGTIAN_11, "801", 85, birth=birth, gender="F", mobile="")
    written = Resident.objects.filter(pk=resident.pk).values_list("updated_at", flat=True).get()
    for moment, expected in ((EVE, on_the_eve), (BIRTHDAY, on_the_day)):
        with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as captured:
            client.force_login(user("huayuan_staff"))
            assert (resident.pk in shown_with_tag(client, tag)) is expected, moment
            assert (label(tag) in tags_on_page(client, resident)) is expected, moment
        assert not [
            q["sql"]
            for q in captured
            if "registry_resident" in q["sql"] and not q["sql"].startswith("SELECT")
        ]
    assert Resident.objects.filter(pk=resident.pk).values_list("updated_at", flat=True).get() == written


def test_turning_80_moves_the_household_to_the_front_of_the_grid_workers_list(client):
    resident = add_resident(YANGTIAN_11, "802", 86, birth=date(1946, 12, 1), gender="M", mobile="")
    for moment, vulnerable in ((EVE, False), (BIRTHDAY, True)):
        with time_machine.travel(moment, tick=False):
            client.force_login(user("gridworker"))
            page = client.get(reverse("registry:my_households")).content.decode()
        section = re.search(
            rf'<section class="([^"]+)" data-household="{resident.household_id}">(.*?)</section>', page, re.S
        )
        assert ("vulnerable" in section.group(1)) is vulnerable, moment
        assert (label(Tag.AGE_80) in section.group(2)) is vulnerable, moment


def test_the_household_list_filters_by_an_age_tag_of_any_member(client):
    resident = add_resident(YANGTIAN_11, "803", 87, birth=date(1946, 12, 1), gender="M", mobile="")
    add_resident(YANGTIAN_11, "803", 88, birth=date(1990, 2, 2), gender="F", mobile="")
    with time_machine.travel(BIRTHDAY, tick=False):
        client.force_login(user("huayuan_staff"))
        page = client.get(reverse("registry:households"), {"tag": Tag.AGE_80}).content.decode()
    households = {int(pk) for pk in re.findall(r'data-household="(\d+)"', page)}
    assert resident.household_id in households
    for household in households:  # and only households that have someone 80 or older
        assert Resident.objects.filter(household_id=household, birth_date__lte=date(1946, 12, 1)).exists()
