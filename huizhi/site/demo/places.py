"""Langya Street's communities, 78 red grids, 45 grid party branches and 160 compounds
(119 without a property company), with 扬天小区 building 11 and 三里亭人家 building 4."""

from dataclasses import dataclass

from huizhi.places.codes import child_code
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Place
from huizhi.places.services import group_create, organisation_create, place_create, region_create

DISTRICT = ("341102", "琅琊区")
STREET = ("341102001", "琅琊街道")
COMMUNITIES = ["凤凰社区", "三里亭社区", "花园街社区", "琅琊新村社区", "丰乐社区", "醉翁社区"]
GRIDS_PER_COMMUNITY = 13  # 6 × 13 = 78 red grids
GRID_PARTY_BRANCHES = 45
COMPOUNDS_WITHOUT_PROPERTY = 119
COMPOUNDS_WITH_PROPERTY = 41

# The synthetic lattice: one row of grids per community, around 118.33 E, 32.31 N.
CELL_LON, CELL_LAT = 0.004, 0.0035
ORIGIN_LON = 118.33 - GRIDS_PER_COMMUNITY * CELL_LON / 2
ORIGIN_LAT = 32.31 - len(COMMUNITIES) * CELL_LAT / 2
# Where a grid's compounds sit inside its cell (fractions of the cell).
COMPOUND_SPOTS = [(0.3, 0.3), (0.7, 0.65), (0.5, 0.85)]

PROPERTY_COMPANIES = [
    "滁州安居物业服务有限公司",
    "琅琊物业管理有限公司",
    "醉翁物业服务有限公司",
    "丰乐物业服务有限公司",
    "清流物业服务有限公司",
]
NAME_STEMS = [
    "建设",
    "龙蟠",
    "丰山",
    "南谯",
    "清流",
    "花园",
    "紫薇",
    "明湖",
    "东坡",
    "西涧",
    "琅琊",
    "醉翁",
    "天长",
    "凤阳",
    "来安",
    "全椒",
    "明光",
    "定远",
    "南湖",
    "北湖",
    "东湖",
    "新华",
    "人民",
    "解放",
    "会峰",
    "世纪",
    "龙池",
    "城南",
    "城北",
    "菱溪",
    "柏子",
    "扬子",
    "胜利",
    "永乐",
    "向阳",
    "红旗",
    "团结",
    "光明",
    "和平",
    "幸福",
]
WELFARE_HOUSING = [
    "粮食局宿舍",
    "供电公司宿舍",
    "卫生局宿舍",
    "水利局宿舍",
    "交通局宿舍",
    "邮电宿舍",
    "教育局宿舍",
    "农机宿舍",
]

# The article's places.
YANGTIAN = "扬天小区"  # 花园街社区; building 11 is where the drain blocked
SANLITING_RENJIA = "三里亭人家"  # 三里亭社区; building 4 runs 2 regions, 12 groups, 12 central households


@dataclass
class DemoStreet:
    street: Place
    communities: dict[str, Place]
    grids: list[Place]
    compounds: dict[str, Place]


def _square(lon: float, lat: float) -> dict:
    ring = [
        [lon, lat],
        [lon + CELL_LON, lat],
        [lon + CELL_LON, lat + CELL_LAT],
        [lon, lat + CELL_LAT],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def _compound_names():
    """Plausible, unique compound names: residential compounds, then old welfare housing."""
    for stem in NAME_STEMS:
        yield f"{stem}小区"
    for stem in NAME_STEMS:
        yield f"{stem}新村"
    for stem in NAME_STEMS:
        for housing in WELFARE_HOUSING:
            yield f"{stem}路{housing}"


def load() -> DemoStreet:
    district = place_create(kind=PlaceKind.DISTRICT, code=DISTRICT[0], name=DISTRICT[1])
    street = place_create(kind=PlaceKind.STREET, code=STREET[0], name=STREET[1], parent=district)
    communities = {
        name: place_create(
            kind=PlaceKind.COMMUNITY,
            code=child_code(street.code, PlaceKind.COMMUNITY, i),
            name=name,
            parent=street,
        )
        for i, name in enumerate(COMMUNITIES, start=1)
    }
    for community in communities.values():
        organisation_create(
            kind=OrganisationKind.PARTY_COMMITTEE, name=f"{community.name}党委", place=community
        )
        organisation_create(
            kind=OrganisationKind.REPAIR_CREW, name=f"{community.name}红色汇治维修队", place=community
        )

    grids = _load_grids(communities)
    compounds = _load_compounds(street, communities, grids)
    _load_self_governance(compounds[SANLITING_RENJIA])
    _load_other_organisations(street, communities)
    return DemoStreet(street=street, communities=communities, grids=grids, compounds=compounds)


def _load_grids(communities: dict[str, Place]) -> list[Place]:
    grids = []
    for row, community in enumerate(communities.values()):
        short = community.name.removesuffix("社区")
        for seq in range(1, GRIDS_PER_COMMUNITY + 1):
            lon = ORIGIN_LON + (seq - 1) * CELL_LON
            lat = ORIGIN_LAT + row * CELL_LAT
            grids.append(
                place_create(
                    kind=PlaceKind.GRID,
                    code=child_code(community.code, PlaceKind.GRID, seq),
                    name=f"{short}第{seq}网格",
                    parent=community,
                    boundary=_square(lon, lat),
                )
            )
    # Branches go to the lowest-numbered grids of every community in turn, 45 in all.
    by_turn = sorted(grids, key=lambda g: (g.code[-3:], g.code))
    for grid in by_turn[:GRID_PARTY_BRANCHES]:
        organisation_create(kind=OrganisationKind.GRID_PARTY_BRANCH, name=f"{grid.name}党支部", place=grid)
    return grids


def _cell_origin(grid: Place) -> tuple[float, float]:
    return grid.boundary["coordinates"][0][0]


def _load_compounds(street: Place, communities: dict[str, Place], grids: list[Place]) -> dict[str, Place]:
    companies = [
        organisation_create(kind=OrganisationKind.PROPERTY_COMPANY, name=name, place=street)
        for name in PROPERTY_COMPANIES
    ]
    total = COMPOUNDS_WITHOUT_PROPERTY + COMPOUNDS_WITH_PROPERTY
    # Two compounds in every grid, a third in the first few, until there are `total`.
    slots = [(grid, spot) for spot in range(len(COMPOUND_SPOTS)) for grid in grids][:total]
    slots.sort(key=lambda slot: (slot[0].code, slot[1]))
    names = _compound_names()
    named = {
        (communities["花园街社区"].code, 0): (YANGTIAN, False, 12),
        (communities["三里亭社区"].code, 0): (SANLITING_RENJIA, True, 6),
    }
    compounds: dict[str, Place] = {}
    with_property_left = COMPOUNDS_WITH_PROPERTY - sum(1 for v in named.values() if v[1])
    for index, (grid, spot) in enumerate(slots):
        community_code = grid.parent.code
        first_of_community = grid.code.endswith("001") and spot == 0
        if first_of_community and (community_code, 0) in named:
            name, has_property, buildings = named[(community_code, 0)]
        else:
            name = next(names)
            # Every fourth compound has a property company, until the 41 are placed.
            has_property = with_property_left > 0 and index % 4 == 3
            with_property_left -= has_property
            buildings = 3 + index % 4
        lon0, lat0 = _cell_origin(grid)
        fx, fy = COMPOUND_SPOTS[spot]
        compound = place_create(
            kind=PlaceKind.COMPOUND,
            code=child_code(grid.code, PlaceKind.COMPOUND, spot + 1),
            name=name,
            parent=grid,
            lon=round(lon0 + fx * CELL_LON, 6),
            lat=round(lat0 + fy * CELL_LAT, 6),
            has_property_company=has_property,
            property_company=companies[index % len(companies)] if has_property else None,
        )
        if has_property and index % 3 == 0:
            organisation_create(
                kind=OrganisationKind.OWNERS_COMMITTEE, name=f"{name}业主委员会", place=compound
            )
        for number in range(1, buildings + 1):
            place_create(
                kind=PlaceKind.BUILDING,
                code=child_code(compound.code, PlaceKind.BUILDING, number),
                name=f"{number}栋",
                parent=compound,
                lon=compound.lon,
                lat=compound.lat,
            )
        compounds[name] = compound
    return compounds


def _load_self_governance(compound: Place) -> None:
    """三里亭人家 building 4: 2 regions (争先, 创优), 12 groups of 6 households, 12 central households."""
    building = compound.children.get(name="4栋")
    units = []
    for entrance in range(1, 4):
        for floor in range(1, 7):
            for door in range(1, 5):
                seq = len(units) + 1
                units.append(
                    place_create(
                        kind=PlaceKind.UNIT,
                        code=child_code(building.code, PlaceKind.UNIT, seq),
                        name=f"{entrance}单元{floor}0{door}",
                        parent=building,
                    )
                )
    regions = [
        region_create(name="争先自治大区", place=building),
        region_create(name="创优自治大区", place=building),
    ]
    for number in range(1, 13):
        households = units[(number - 1) * 6 : number * 6]
        group_create(
            name=f"第{number}自治小组",
            place=building,
            region=regions[(number - 1) // 6],
            central_household=households[0],
            households=households,
        )


def _load_other_organisations(street: Place, communities: dict[str, Place]) -> None:
    fenghuang = communities["凤凰社区"]
    for name in [
        "滁州市供电公司党委",
        "琅琊区人民医院党总支",
        "滁州市第三中学党支部",
        "琅琊区市场监管局党支部",
    ]:
        organisation_create(kind=OrganisationKind.MEMBER_UNIT, name=name, place=street)
    organisation_create(kind=OrganisationKind.TWO_NEW, name="琅琊明德律师事务所党支部", place=street)
    organisation_create(kind=OrganisationKind.DEPARTMENT, name="琅琊区城市管理局", place=street)
    organisation_create(kind=OrganisationKind.DEPARTMENT, name="琅琊区住房和城乡建设局", place=street)
    organisation_create(
        kind=OrganisationKind.SERVICE_OPERATOR,
        name="颐康养老服务有限公司（凤凰社区养老服务站）",
        place=fenghuang,
    )
    organisation_create(kind=OrganisationKind.SERVICE_OPERATOR, name="凤凰社区托育中心", place=fenghuang)
    organisation_create(kind=OrganisationKind.REPRESENTATIVE_STUDIO, name="朱家和工作室", place=fenghuang)
