"""Places and people the registry tests share, on top of the demo street (root conftest).

The demo has residents in 扬天小区 11栋 (花园街社区, grid 341102001003001), 三里亭人家 4栋 and the
first compounds of 凤凰社区. `mingguang` adds one household in the *other* grid of 花园街社区, so a
grid worker's scope can be told apart from their community's.
"""

from datetime import date

import pytest

from huizhi.accounts.models import User
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tests.sheets import id_number, mobile

STREET = "341102001"
FENGHUANG = "341102001001"  # 凤凰社区
SANLITING = "341102001002"  # 三里亭社区
HUAYUAN = "341102001003"  # 花园街社区
GRID_1 = "341102001003001"  # 花园街第1网格: 扬天小区 (the grid worker's)
GRID_2 = "341102001003002"  # 花园街第2网格: 明光新村
YANGTIAN_11 = "341102001003001001011"
MINGGUANG_1 = "341102001003002001001"

# Where each demo login's registry reaches ("" = everywhere); the others may not open the registry.
REGISTRY_SCOPE = {
    "admin": "",
    "street": STREET,
    "huayuan_staff": HUAYUAN,
    "fenghuang_staff": FENGHUANG,
    "sanliting_staff": SANLITING,
    "gridworker": GRID_1,
}
NO_REGISTRY = ["liaison", "commissioner", "repair_crew", "representative", "care_operator", "resident"]


def user(username: str) -> User:
    return User.objects.get(username=username)


def building(code: str) -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, code=code)


def add_resident(building_code: str, room: str, seq: int, *, birth=date(1970, 5, 6), gender="M", **fields):
    household = household_for_unit(building=building(building_code), room=room)
    return resident_create(
        household=household,
        name=fields.pop("name", f"测试{seq:02d}"),
        id_number=id_number(seq, birth, gender),
        mobile=fields.pop("mobile", mobile(seq)),
        **fields,
    )


@pytest.fixture
def mingguang(db) -> Resident:
    """A resident of 明光新村 1栋 101: 花园街社区, but not the grid worker's grid."""
    return add_resident(MINGGUANG_1, "101", 90, name="明光居民")


def in_scope(code: str):
    """Active residents under `code`, found by their place code (independent of the permission code)."""
    return Resident.objects.filter(place_code__startswith=code, is_active=True)
