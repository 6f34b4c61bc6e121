"""A small street with a self-governance network: one building with a region and two groups of
households (residents registered in them), the group's liaison, and everyone who reads the
network or helps it — community staff, the street, a commissioner, a representative, a member
unit's account — besides those who may not: a resident, a repair crew, staff of another community.

Built through the real services (places, accounts, registry) on tests/factories.py's small street."""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place, Region
from huizhi.places.services import group_create, region_create
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Household
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.wall import services as wall
from huizhi.wall.models import Post
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    OrganisationFactory,
    SmallStreet,
    UserFactory,
    small_street,
)

_numbers = itertools.count(700)

# Full names given to the registered residents: none may appear on the network's pages.
RESIDENT_NAMES = ["欧阳秀英", "司马建国", "诸葛玉兰", "上官德胜"]


def register(building: Place, room: str, name: str) -> Household:
    n = next(_numbers)
    household = household_for_unit(building=building, room=room)
    resident_create(
        household=household,
        name=name,
        id_number=make_id_number("110105", date(1948, 1, 1) + timedelta(days=n), n, "M"),
    )
    return household


@dataclass
class Network:
    street: SmallStreet
    region: Region
    group: Group  # 第1组: rooms 101, 102 (101 the central household)
    other_group: Group  # 第2组: room 201
    households: list[Household]
    liaison: User
    other_liaison: User
    commissioner: User
    representative: User
    member_unit: Organisation
    unit_account: User
    foreign_staff: User  # community staff of another community of the same street

    @property
    def building(self) -> Place:
        return self.street.building


def build_network() -> Network:
    world = small_street()
    building = world.building
    households = [
        register(building, "101", RESIDENT_NAMES[0]),
        register(building, "102", RESIDENT_NAMES[1]),
        register(building, "201", RESIDENT_NAMES[2]),
    ]
    register(building, "101", RESIDENT_NAMES[3])  # a second person in the central household
    units = [h.unit for h in households]
    region = region_create(name="测试自治大区", place=building)
    group = group_create(
        name="测试第1自治小组",
        place=building,
        region=region,
        central_household=units[0],
        households=units[:2],
    )
    other_group = group_create(
        name="测试第2自治小组",
        place=building,
        region=region,
        central_household=units[2],
        households=units[2:],
    )
    unit = OrganisationFactory(
        kind=OrganisationKind.MEMBER_UNIT, name="测试市第一医院党委", place=world.community
    )
    other_community = CommunityFactory(parent=world.street)
    return Network(
        street=world,
        region=region,
        group=group,
        other_group=other_group,
        households=households,
        liaison=UserFactory(role=Role.BUILDING_LIAISON, over=group, full_name="测试联络员"),
        other_liaison=UserFactory(role=Role.BUILDING_LIAISON, over=other_group),
        commissioner=UserFactory(role=Role.DISCIPLINE_COMMISSIONER, over=world.community),
        representative=UserFactory(role=Role.REPRESENTATIVE, over=world.community, full_name="测试代表"),
        member_unit=unit,
        unit_account=UserFactory(role=Role.HANDLING_UNIT, over=unit),
        foreign_staff=UserFactory(role=Role.COMMUNITY_STAFF, over=other_community),
    )


@pytest.fixture
def net() -> Network:
    return build_network()


def open_post(net: Network, title: str = "测试楼道灯不亮", place: Place | None = None) -> Post:
    """A public item on the wall at the network's building, posted by a new resident."""
    author = UserFactory()
    draft = wall.post_draft(
        actor=author,
        category=net.street.category,
        title=title,
        description=f"{title}，已经好几天了，请社区帮忙看看。",
        place=place or net.building,
    )
    return wall.post_submit(actor=author, post_id=draft.pk)


def other_building(net: Network) -> Place:
    return BuildingFactory(parent=net.street.compound)


def unit_of(household: Household) -> Place:
    return Place.objects.get(pk=household.unit_id, kind=PlaceKind.UNIT)
