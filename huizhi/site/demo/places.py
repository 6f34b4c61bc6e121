"""Langya Street's communities, 78 red grids, 45 grid party branches and 160 compounds
(119 without a property company), with 扬天小区 building 11 and 三里亭人家 building 4."""

import hashlib
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

# The synthetic lattice: one row of grids per community, around 118.33 E, 32.31 N. A grid is its
# cell drawn as a street's would be: every lattice vertex moved a little and every edge bent at a
# point along it, the same for both grids that share it, so the grids still tile the street's
# rectangle with no gap or overlap. Some lattice lines stay straight: the roads grids follow.
CELL_LON, CELL_LAT = 0.004, 0.0035
ORIGIN_LON = 118.33 - GRIDS_PER_COMMUNITY * CELL_LON / 2
ORIGIN_LAT = 32.31 - len(COMMUNITIES) * CELL_LAT / 2
ROAD_COLUMNS = {4, 9}  # lattice columns kept straight: north–south roads
ROAD_ROWS = {3}  # a lattice row kept straight: an east–west road (花园街社区 | 琅琊新村社区)
VERTEX_SHIFT = 0.18  # how far a vertex moves, at most, in fractions of the cell, each way
EDGE_BEND = 0.1  # how far an edge's point lies off the line between its vertices, at most
EDGE_SLIDE = 0.15  # how far that point lies from the edge's middle, along it, at most
# Where a grid's compounds sit inside its cell (fractions of the unmoved cell): at least 0.3 of a
# cell from its sides, more than a vertex's shift and an edge's bend together, so each stays in
# its own grid (huizhi/site/tests/test_demo_grids.py checks it with grid_for_point).
COMPOUND_SPOTS = [(0.3, 0.3), (0.7, 0.65), (0.35, 0.7)]

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


def _wobble(*key) -> float:
    """A fixed number in [-1, 1) for `key`: the same on every run and every machine."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1


def _lattice_origin(column: int, row: int) -> tuple[float, float]:
    """The unmoved south-west corner of the lattice cell (column, row)."""
    return ORIGIN_LON + column * CELL_LON, ORIGIN_LAT + row * CELL_LAT


def _vertex(i: int, j: int) -> tuple[float, float]:
    """Lattice vertex (i, j), moved: not across the street's outline nor across a road."""
    lon, lat = _lattice_origin(i, j)
    if i not in (0, GRIDS_PER_COMMUNITY) and i not in ROAD_COLUMNS:
        lon += _wobble("lon", i, j) * VERTEX_SHIFT * CELL_LON
    if j not in (0, len(COMMUNITIES)) and j not in ROAD_ROWS:
        lat += _wobble("lat", i, j) * VERTEX_SHIFT * CELL_LAT
    return lon, lat


def _edge_point(start: tuple[int, int], end: tuple[int, int]) -> tuple[float, float]:
    """The bend of the lattice edge from vertex `start` to the next vertex east or north, `end`."""
    (x0, y0), (x1, y1) = _vertex(*start), _vertex(*end)
    t = 0.5 + _wobble("along", *start, *end) * EDGE_SLIDE
    lon, lat = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    bend = _wobble("off", *start, *end) * EDGE_BEND
    if start[1] == end[1]:  # an east–west edge bends north or south, unless it is outline or road
        if start[1] not in (0, len(COMMUNITIES)) and start[1] not in ROAD_ROWS:
            lat += bend * CELL_LAT
    elif start[0] not in (0, GRIDS_PER_COMMUNITY) and start[0] not in ROAD_COLUMNS:
        lon += bend * CELL_LON
    return lon, lat


def _cell_polygon(column: int, row: int) -> dict:
    """The grid of lattice cell (column, row): a GeoJSON Polygon, its ring counter-clockwise and
    closed. Neighbours compute the shared vertices and edge points alike (rounded alike), so
    their rings hold the same points along the edge they share."""
    sw, se, ne, nw = (column, row), (column + 1, row), (column + 1, row + 1), (column, row + 1)
    ring = [
        _vertex(*sw),
        _edge_point(sw, se),
        _vertex(*se),
        _edge_point(se, ne),
        _vertex(*ne),
        _edge_point(nw, ne),
        _vertex(*nw),
        _edge_point(sw, nw),
    ]
    ring.append(ring[0])
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
            grids.append(
                place_create(
                    kind=PlaceKind.GRID,
                    code=child_code(community.code, PlaceKind.GRID, seq),
                    name=f"{short}第{seq}网格",
                    parent=community,
                    boundary=_cell_polygon(seq - 1, row),
                )
            )
    # Branches go to the lowest-numbered grids of every community in turn, 45 in all.
    by_turn = sorted(grids, key=lambda g: (g.code[-3:], g.code))
    for grid in by_turn[:GRID_PARTY_BRANCHES]:
        organisation_create(kind=OrganisationKind.GRID_PARTY_BRANCH, name=f"{grid.name}党支部", place=grid)
    return grids


def _load_compounds(street: Place, communities: dict[str, Place], grids: list[Place]) -> dict[str, Place]:
    companies = [
        organisation_create(kind=OrganisationKind.PROPERTY_COMPANY, name=name, place=street)
        for name in PROPERTY_COMPANIES
    ]
    total = COMPOUNDS_WITHOUT_PROPERTY + COMPOUNDS_WITH_PROPERTY
    # Two compounds in every grid, a third in the first few, until there are `total`.
    # A grid's place in `grids` is its lattice cell: row by community, column by number.
    slots = [(grid, spot, at) for spot in range(len(COMPOUND_SPOTS)) for at, grid in enumerate(grids)][:total]
    slots.sort(key=lambda slot: (slot[0].code, slot[1]))
    names = _compound_names()
    named = {
        (communities["花园街社区"].code, 0): (YANGTIAN, False, 12),
        (communities["三里亭社区"].code, 0): (SANLITING_RENJIA, True, 6),
    }
    compounds: dict[str, Place] = {}
    with_property_left = COMPOUNDS_WITH_PROPERTY - sum(1 for v in named.values() if v[1])
    for index, (grid, spot, at) in enumerate(slots):
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
        row, column = divmod(at, GRIDS_PER_COMMUNITY)
        lon0, lat0 = _lattice_origin(column, row)
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
