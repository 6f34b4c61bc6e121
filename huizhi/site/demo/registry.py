"""Households and residents for the demo compounds. Everyone is fictional: generated names, ID
numbers that pass the GB 11643 check digit, mobiles from one made-up block (1390000xxxx)."""

import random
from datetime import timedelta

from django.utils import timezone

from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Household, Resident
from huizhi.registry.services import household_for_unit, resident_create

REGION = "341102"  # 琅琊区
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
# Given names by generation and gender, so a baby is never 建国 and a grandmother never 梓萱.
GIVEN = {
    "elder": {  # 50 and over
        "M": ["建国", "德华", "国庆", "长林", "春生", "建军", "志明", "永福"],
        "F": ["秀英", "桂兰", "玉珍", "淑芬", "凤英", "金花", "桂芳", "玉兰"],
    },
    "adult": {  # 18 to 49
        "M": ["志强", "文军", "明辉", "晓东", "海涛", "建华", "伟", "磊"],
        "F": ["丽娟", "海燕", "小红", "红梅", "晓燕", "丽华", "静", "娟"],
    },
    "child": {  # under 18
        "M": ["浩然", "宇轩", "俊杰", "子轩", "梓睿", "一鸣", "皓轩", "思远"],
        "F": ["欣怡", "梓萱", "雨桐", "子涵", "一诺", "诗涵", "语桐", "可馨"],
    },
}
# How many names each draw picks among: the number the demo drew from when it had one list, so
# the random stream, and with it every generated age and gender, stays as it was.
GIVEN_DRAW = 26


def given_name(age_years: float, gender: str, draw: int) -> str:
    generation = "child" if age_years < 18 else "adult" if age_years < 50 else "elder"
    names = GIVEN[generation][gender]
    return names[draw % len(names)]


class _People:
    """Deterministic fictional people: names, birth dates, ID numbers and mobiles."""

    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.sequence = 0

    def person(self, age_years: int, gender: str | None = None) -> dict:
        gender = gender or self.rng.choice("MF")
        today = timezone.localdate()
        birth = today - timedelta(days=int(age_years * 365.25) + self.rng.randint(0, 300))
        self.sequence += 1
        return {
            "name": self.rng.choice(SURNAMES) + given_name(age_years, gender, self.rng.randrange(GIVEN_DRAW)),
            "id_number": make_id_number(REGION, birth, self.sequence, gender),
            "mobile": f"1390000{self.sequence + 100:04d}" if age_years >= 18 else "",
        }


def _family(people: _People, household: Household, kind: str) -> None:
    """A household of a typical shape: elderly alone, elderly couple (empty nest), young family …"""
    rel = Resident.Relationship
    if kind == "alone_80":
        resident_create(
            household=household, relationship=rel.HEAD, lives_alone=True, empty_nest=True, **people.person(84)
        )
    elif kind == "empty_nest":
        resident_create(
            household=household,
            relationship=rel.HEAD,
            empty_nest=True,
            party_member=True,
            **people.person(72, "M"),
        )
        resident_create(
            household=household, relationship=rel.SPOUSE, empty_nest=True, **people.person(70, "F")
        )
    elif kind == "young_family":
        resident_create(household=household, relationship=rel.HEAD, volunteer=True, **people.person(33, "M"))
        resident_create(household=household, relationship=rel.SPOUSE, **people.person(31, "F"))
        resident_create(household=household, relationship=rel.CHILD, **people.person(1.5))
    elif kind == "school_family":
        resident_create(household=household, relationship=rel.HEAD, **people.person(41, "F"))
        resident_create(household=household, relationship=rel.CHILD, **people.person(9))
        resident_create(household=household, relationship=rel.PARENT, disabled=True, **people.person(81, "M"))
    else:
        resident_create(
            household=household, relationship=rel.HEAD, veteran=kind == "veteran", **people.person(52, "M")
        )
        resident_create(
            household=household,
            relationship=rel.SPOUSE,
            low_income=kind == "low_income",
            **people.person(50, "F"),
        )


SHAPES = [
    "alone_80",
    "empty_nest",
    "young_family",
    "school_family",
    "couple",
    "veteran",
    "low_income",
    "couple",
]


def load() -> None:
    people = _People()
    # 三里亭人家 4栋: every unit of the self-governance groups has a household.
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="4栋", parent__name="三里亭人家")
    for index, unit in enumerate(Place.objects.filter(parent=building, kind=PlaceKind.UNIT).order_by("code")):
        household = Household.objects.create(unit=unit, place_code=unit.code)
        _family(people, household, SHAPES[index % len(SHAPES)])
    # 扬天小区 11栋 (the drain story) and the first compounds of every 凤凰社区 grid (the care services).
    targets = [Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")]
    targets += list(
        Place.objects.filter(
            kind=PlaceKind.BUILDING, name="1栋", parent__parent__parent__name="凤凰社区"
        ).order_by("code")[:6]
    )
    for building in targets:
        for floor in range(1, 4):
            for door in range(1, 3):
                household = household_for_unit(building=building, room=f"{floor}0{door}")
                _family(people, household, SHAPES[(floor * 2 + door + building.pk) % len(SHAPES)])
