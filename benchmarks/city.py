"""City scale (issue 16): a district of 12 streets, ~2,400 grids and up to a million cases, served by
gunicorn and measured page by page. Prints figures; asserts nothing about time.

How to run:

    .venv/bin/python benchmarks/city.py --cases 10000
    .venv/bin/python benchmarks/city.py --cases 100000 --database postgres://postgres@127.0.0.1:5432/h7a_city_100k
    nice -n 10 .venv/bin/python benchmarks/city.py --cases 1000000 --requests 30
    .venv/bin/python benchmarks/city.py --cases 10000 --database sqlite:////tmp/h7a_city.sqlite3

    --cases N      cases the world holds (generated when the database holds fewer; kept between runs,
                   less the cases earlier runs of this and soak.py filed, deleted before measuring)
    --database URL PostgreSQL (default postgres://postgres@127.0.0.1:5432/h7a_city_<N>) or sqlite:///…
    --seed S       the world is the same for the same seed on the same day (times count back from midnight)
    --requests K   timed requests per page with one client, after one warm-up request
    --clients C    concurrent clients of the short concurrent run and of intake (default 8)
    --seconds T    length of each concurrent run (default 6)
    --generate-only  build the world, print its figures and stop
    --intake-only  measure intake alone (with the CPU each process spent per case), no pages

The world: 南谯区 with 12 streets; a lattice of jittered cells split among streets and communities,
cells merged in pairs or cut in two along a diagonal, so ~2,400 grids of varied sizes and shapes
(quadrilaterals, triangles, hexagons); compounds and buildings placed inside their grids. District,
streets, communities, grids and organisations are made through the places services (codes checked,
the grid index told); compounds, buildings, household units, households, residents (≈ one per
case, ID numbers and mobiles encrypted by the real field and hashed by the registry's own
functions, the rows the registry import writes), cases (written oldest first, as reports come in: ids
and rows on disk in the order of their time; over two years: ≈ 92% closed, the rest
open and recent), their full timelines through the real event kinds (report, accept, dispatch,
start, report_result, verify, rate; reworks, reopenings after an unsatisfied rating, escalations,
suspensions, supervision notices and replies, the sweep's near-due and overdue lines; deadlines
computed by the work calendar as the services compute them), wall posts (≈ 18% of cases, with
supports, and posts still waiting or answered) are written in bulk: COPY on PostgreSQL,
executemany on SQLite, through the models' own columns. Accounts: a district-level street admin
over all 12 streets, a street admin, community staff, a grid worker, a discipline commissioner, a
handling unit, residents, an API key over the district and a REST token.

Measured (after VACUUM ANALYZE; gunicorn 3 sync workers on 127.0.0.1 and one task worker, the
database task queue as deployed, debug off and the world's own keys as `deploy/local.py` gives a
production server): each page with one client (six warm-ups, so each worker has served it, then K
requests), then each with C clients for T seconds (not a page slower than
2.5 s with one client: `nan` in the table); then intake with C clients
through REST (`POST /api/v1/cases/`, an API key) and Open311 (`POST /open311/v2/requests.json`).
Console pages carry a signed-in session cookie made by the session engine. Queries per page are
counted once in-process with the Django test client. One table, then one JSON line.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import free_port, load  # noqa: E402
from common import (  # noqa: E402
    ROOT,
    BulkWriter,
    cpu_seconds,
    forget_benchmark_cases,
    percentile,
    production_environment,
    session_cookie,
    start_gunicorn,
    time_get,
    use_database,
    vacuum_analyze,
)

DISTRICT = ("341103", "南谯区")
STREET_STEMS = [
    "乌衣",
    "沙河",
    "章广",
    "大柳",
    "珠龙",
    "施集",
    "黄泥岗",
    "腰铺",
    "龙蟠",
    "丰山",
    "清流",
    "西涧",
]
COMMUNITY_STEMS = [
    "建设",
    "龙池",
    "丰乐",
    "花园",
    "紫薇",
    "明湖",
    "东坡",
    "南湖",
    "北湖",
    "东湖",
    "新华",
    "人民",
    "解放",
    "会峰",
    "世纪",
    "醉翁",
    "琅琊",
    "凤凰",
    "三里亭",
    "天长",
    "凤阳",
    "来安",
    "全椒",
    "明光",
    "定远",
    "南谯",
    "清风",
    "翠微",
    "桂花",
    "梧桐",
    "银杏",
    "香樟",
    "玉兰",
    "海棠",
    "芙蓉",
    "杏花",
    "菱湖",
    "荷塘",
    "柳巷",
    "石桥",
    "月湾",
    "星河",
    "云栖",
    "兰亭",
    "松涛",
    "竹林",
    "枫林",
    "樱园",
    "金桥",
    "银湾",
    "永安",
    "长乐",
    "太平",
    "康宁",
    "兴隆",
    "和平",
    "友谊",
    "团结",
    "光明",
    "振兴",
    "幸福",
    "朝阳",
    "春晖",
    "锦绣",
    "宝丰",
    "泰和",
    "嘉禾",
    "瑞丰",
    "益民",
]
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "新村", "苑", "公寓", "名邸", "雅居"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬建国建华志强德胜文斌国平丽华"

# The lattice: 60 × 39 cells; a street is a block of 15 × 13 of them (4 × 3 streets).
COLS, ROWS, STREET_COLS, STREET_ROWS = 60, 39, 15, 13
CELL_LON, CELL_LAT = 0.004, 0.0035
ORIGIN = (118.18, 32.22)

CLOSED, REJECTED, MERGED = 0.91, 0.007, 0.003  # the rest (8%) open
OPEN_MIX = [
    ("reported", 12),
    ("accepted", 8),
    ("dispatched", 25),
    ("handling", 40),
    ("handled", 10),
    ("suspended", 5),
]
SOURCES = [("patrol", 45), ("hotline", 27), ("wall", 18), ("visit", 5), ("care", 3), ("meeting", 2)]
REWORK, SUSPEND, SUPERVISE, ESCALATE, RATED = 0.04, 0.01, 0.025, 0.03, 0.75
UNSATISFIED = 0.06
CHUNK = 20_000
WORKERS = 3
SLOW_MS = 2500  # a page slower than this with one client is not run with C clients


# The world --------------------------------------------------------------------------------------


def _lattice(rng: random.Random):
    """Vertices of the district's lattice: uneven columns and rows, interior vertices jittered."""
    xs, ys = [0.0], [0.0]
    for _ in range(COLS):
        xs.append(xs[-1] + CELL_LON * rng.uniform(0.6, 1.5))
    for _ in range(ROWS):
        ys.append(ys[-1] + CELL_LAT * rng.uniform(0.6, 1.5))
    vertex = {}
    for i in range(COLS + 1):
        for j in range(ROWS + 1):
            jx = jy = 0.0
            if 0 < i < COLS and 0 < j < ROWS:
                jx = rng.uniform(-0.22, 0.22) * CELL_LON * 0.6
                jy = rng.uniform(-0.22, 0.22) * CELL_LAT * 0.6
            vertex[i, j] = (round(ORIGIN[0] + xs[i] + jx, 6), round(ORIGIN[1] + ys[j] + jy, 6))
    return vertex


def _cuts(rng: random.Random, length: int, parts: int) -> list[tuple[int, int]]:
    points = sorted(rng.sample(range(2, length - 1), parts - 1))
    edges = [0, *points, length]
    return [(edges[k], edges[k + 1]) for k in range(parts)]


def _grid_shapes(rng: random.Random, vertex, cells: list[tuple[int, int]]) -> list[list]:
    """Polygons (closed rings) covering a community's cells without overlap: most one cell, some two
    cells side by side, some a cell cut along its diagonal into two triangles."""
    members, used, shapes = set(cells), set(), []
    for c, r in sorted(cells, key=lambda cell: (cell[1], cell[0])):
        if (c, r) in used:
            continue
        used.add((c, r))
        roll = rng.random()
        v = vertex
        if roll < 0.12 and (c + 1, r) in members and (c + 1, r) not in used:
            used.add((c + 1, r))
            ring = [v[c, r], v[c + 1, r], v[c + 2, r], v[c + 2, r + 1], v[c + 1, r + 1], v[c, r + 1]]
            shapes.append(ring)
        elif roll < 0.24:
            shapes.append([v[c, r], v[c + 1, r], v[c + 1, r + 1]])
            shapes.append([v[c, r], v[c + 1, r + 1], v[c, r + 1]])
        else:
            shapes.append([v[c, r], v[c + 1, r], v[c + 1, r + 1], v[c, r + 1]])
    return [[[x, y] for x, y in ring] + [[ring[0][0], ring[0][1]]] for ring in shapes]


def _point_in(rng: random.Random, polygon) -> tuple[float, float]:
    import shapely

    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(40):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        point = shapely.Point(x, y)
        # Well inside: a point on a shared edge would belong to the lower code's grid.
        if polygon.contains(point) and polygon.exterior.distance(point) > 1e-5:
            return round(x, 6), round(y, 6)
    point = polygon.representative_point()
    return round(point.x, 6), round(point.y, 6)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_places(rng: random.Random) -> dict:
    """District, streets, communities, grids and organisations through the services; compounds and
    buildings in bulk, in the shapes `place_create` gives them."""
    import shapely

    from huizhi.places.codes import child_code
    from huizhi.places.kinds import OrganisationKind, PlaceKind
    from huizhi.places.models import Place
    from huizhi.places.services import organisation_create, place_create

    vertex = _lattice(rng)
    district = place_create(kind=PlaceKind.DISTRICT, code=DISTRICT[0], name=DISTRICT[1])
    community_stems = iter(rng.sample(COMMUNITY_STEMS, len(COMMUNITY_STEMS)))
    grids = []  # (grid Place, shapely polygon)
    street_no = 0
    for sr in range(ROWS // STREET_ROWS):
        for sc in range(COLS // STREET_COLS):
            street_no += 1
            stem = STREET_STEMS[street_no - 1]
            street = place_create(
                kind=PlaceKind.STREET,
                code=child_code(district.code, PlaceKind.STREET, street_no),
                name=f"{stem}街道",
                parent=district,
            )
            for k in range(3):
                organisation_create(
                    kind=OrganisationKind.PROPERTY_COMPANY,
                    name=f"{stem}{'安泰瑞'[k]}物业服务有限公司",
                    place=street,
                )
            col_cuts = _cuts(rng, STREET_COLS, rng.choice((3, 4)))
            row_cuts = _cuts(rng, STREET_ROWS, 3)
            community_no = 0
            for r0, r1 in row_cuts:
                for c0, c1 in col_cuts:
                    community_no += 1
                    cstem = next(community_stems, None) or f"第{street_no}-{community_no}"
                    community = place_create(
                        kind=PlaceKind.COMMUNITY,
                        code=child_code(street.code, PlaceKind.COMMUNITY, community_no),
                        name=f"{cstem}社区",
                        parent=street,
                    )
                    for kind, label in (
                        (OrganisationKind.PARTY_COMMITTEE, "党委"),
                        (OrganisationKind.REPAIR_CREW, "红色汇治维修队"),
                    ):
                        organisation_create(kind=kind, name=f"{community.name}{label}", place=community)
                    cells = [
                        (sc * STREET_COLS + c, sr * STREET_ROWS + r)
                        for r in range(r0, r1)
                        for c in range(c0, c1)
                    ]
                    for seq, ring in enumerate(_grid_shapes(rng, vertex, cells), start=1):
                        grid = place_create(
                            kind=PlaceKind.GRID,
                            code=child_code(community.code, PlaceKind.GRID, seq),
                            name=f"{cstem}第{seq}网格",
                            parent=community,
                            boundary={"type": "Polygon", "coordinates": [ring]},
                        )
                        grids.append((grid, shapely.Polygon(ring)))
                        if seq % 2:
                            organisation_create(
                                kind=OrganisationKind.GRID_PARTY_BRANCH, name=f"{grid.name}党支部", place=grid
                            )

    from huizhi.places.models import Organisation

    companies = {}
    for org in Organisation.objects.filter(kind=OrganisationKind.PROPERTY_COMPANY):
        companies.setdefault(org.place_id, []).append(org.pk)
    streets = {p.code: p.pk for p in Place.objects.filter(kind=PlaceKind.STREET)}
    writer = BulkWriter(Place)
    next_id = writer.next_id()
    rows, names_used = [], set()
    for grid, polygon in grids:
        for cseq in range(1, rng.choice((1, 2, 2, 3, 3, 4)) + 1):
            for _attempt in range(30):  # unique within the street while names last
                name = (
                    rng.choice(COMMUNITY_STEMS)
                    + rng.choice(["", "东", "西", "南", "北", "新"])
                    + rng.choice(COMPOUND_SUFFIXES)
                )
                if (grid.code[:9], name) not in names_used:
                    break
            names_used.add((grid.code[:9], name))
            lon, lat = _point_in(rng, polygon)
            with_company = rng.random() < 0.3
            street_id = streets[grid.code[:9]]
            compound = {
                "id": next_id,
                "kind": PlaceKind.COMPOUND,
                "code": child_code(grid.code, PlaceKind.COMPOUND, cseq),
                "name": name,
                "parent_id": grid.pk,
                "lon": lon,
                "lat": lat,
                "has_property_company": with_company,
                "property_company_id": rng.choice(companies[street_id]) if with_company else None,
            }
            next_id += 1
            rows.append(compound)
            for bseq in range(1, rng.randint(2, 10) + 1):
                blon, blat = _point_in(rng, polygon)
                rows.append(
                    {
                        "id": next_id,
                        "kind": PlaceKind.BUILDING,
                        "code": child_code(compound["code"], PlaceKind.BUILDING, bseq),
                        "name": f"{bseq}栋",
                        "parent_id": compound["id"],
                        "lon": blon,
                        "lat": blat,
                    }
                )
                next_id += 1
    writer.write(rows)
    writer.sync_sequence()
    return {"district": district, "grids": len(grids)}


def build_accounts(rng: random.Random) -> None:
    """The accounts the pages are read as, one staff member, grid worker and crew member per
    community (the timelines' actors), a commissioner per street and residents who post and rate."""
    from rest_framework.authtoken.models import Token

    from huizhi.accounts.roles import Role
    from huizhi.accounts.services import role_grant, user_create
    from huizhi.places.kinds import OrganisationKind, PlaceKind
    from huizhi.places.models import Organisation, Place

    district = Place.objects.get(kind=PlaceKind.DISTRICT)
    streets = list(Place.objects.filter(kind=PlaceKind.STREET).order_by("code"))
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code"))
    crews = {o.place_id: o for o in Organisation.objects.filter(kind=OrganisationKind.REPAIR_CREW)}
    password = "city-bench"  # noqa: S105 — a benchmark's throwaway world

    def person(username, role=None, **scope):
        user = user_create(username=username, password=password, full_name=_name(rng))
        if role:
            role_grant(user=user, role=role, **scope)
        return user

    person("district", Role.STREET_ADMIN, place=district)
    person("street", Role.STREET_ADMIN, place=streets[0])
    first = communities[0]
    person("community", Role.COMMUNITY_STAFF, place=first)
    person("commissioner", Role.DISCIPLINE_COMMISSIONER, place=first)
    first_grid = Place.objects.filter(kind=PlaceKind.GRID, parent=first).order_by("code").first()
    person("gridworker", Role.GRID_WORKER, place=first_grid)
    person("crew", Role.HANDLING_UNIT, organisation=crews[first.pk])
    for s, street in enumerate(streets, start=1):
        person(f"st{s:02d}_commissioner", Role.DISCIPLINE_COMMISSIONER, place=street)
        person(f"st{s:02d}_leader", Role.STREET_ADMIN, place=street)
    grids_by_community = {}
    for grid in Place.objects.filter(kind=PlaceKind.GRID).order_by("code"):
        grids_by_community.setdefault(grid.parent_id, grid)
    for n, community in enumerate(communities, start=1):
        person(f"c{n:03d}_staff", Role.COMMUNITY_STAFF, place=community)
        person(f"c{n:03d}_grid", Role.GRID_WORKER, place=grids_by_community[community.pk])
        person(f"c{n:03d}_crew", Role.HANDLING_UNIT, organisation=crews[community.pk])
    for n in range(1, 401):
        person(f"resident{n:03d}")
    from huizhi.accounts.models import User

    Token.objects.get_or_create(user=User.objects.get(username="street"))
    Token.objects.get_or_create(user=User.objects.get(username="district"))
    # The API key intake files with is made by each run: its raw value is shown once.


def _id_number(rng: random.Random, region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def build_residents(rng: random.Random, count: int, today: date) -> int:
    """Household units, households and residents as the registry import writes them: units under
    buildings with the next codes, one household per unit, encrypted ID numbers and mobiles with
    their keyed lookup hashes."""
    from huizhi.places.codes import child_code
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.registry.models import Household, Resident
    from huizhi.registry.services.households import id_lookup_hash, resident_mobile_hash
    from huizhi.registry.tags import RECORDED_TAGS

    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING).values_list("id", "code"))
    units_w, households_w, residents_w = BulkWriter(Place), BulkWriter(Household), BulkWriter(Resident)
    encrypt_id = Resident._meta.get_field("id_number").get_prep_value
    encrypt_mobile = Resident._meta.get_field("mobile").get_prep_value
    unit_id, household_id, resident_id = units_w.next_id(), households_w.next_id(), residents_w.next_id()
    rooms_used: dict[int, int] = {}
    taken_ids: set[str] = set()
    made = 0
    residences = [(Household.Residence.REGISTERED_LIVING, 80), (Household.Residence.REGISTERED_AWAY, 8)]
    residences.append((Household.Residence.LIVING_UNREGISTERED, 12))
    tags = [str(t) for t in RECORDED_TAGS]
    while made < count:
        units, households, residents = [], [], []
        for _ in range(min(8000, count - made)):
            building_id, building_code = rng.choice(buildings)
            seq = rooms_used.get(building_id, 0) + 1
            rooms_used[building_id] = seq
            floor, door = 1 + (seq - 1) // 4, 1 + (seq - 1) % 4
            code = child_code(building_code, PlaceKind.UNIT, seq)
            units.append(
                {
                    "id": unit_id,
                    "kind": PlaceKind.UNIT,
                    "code": code,
                    "name": f"{floor}0{door}",
                    "parent_id": building_id,
                }
            )
            households.append(
                {
                    "id": household_id,
                    "unit_id": unit_id,
                    "place_code": code,
                    "residence": rng.choices([r for r, _ in residences], [w for _, w in residences])[0],
                    "created_at": datetime.now(UTC),
                }
            )
            size = rng.choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 5))
            head_age = rng.randint(25, 88)
            for member in range(size):
                if made >= count:
                    break
                if member == 0:
                    relationship, age = "head", head_age
                elif member == 1:
                    relationship, age = "spouse", max(20, head_age + rng.randint(-5, 5))
                else:
                    relationship, age = "child", max(0, head_age - rng.randint(22, 38))
                while True:
                    birth = today - timedelta(days=age * 365 + rng.randint(0, 364))
                    number = _id_number(rng, DISTRICT[0], birth, rng.randint(1, 999))
                    if number not in taken_ids:
                        break
                taken_ids.add(number)
                gender = "M" if int(number[16]) % 2 else "F"
                mobile = (
                    f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
                    if age >= 16 and rng.random() < 0.7
                    else ""
                )
                row = {
                    "id": resident_id,
                    "household_id": household_id,
                    "place_code": code,
                    "name": _name(rng),
                    "gender": gender,
                    "birth_date": birth,
                    "id_number": encrypt_id(number),
                    "id_hash": id_lookup_hash(number),
                    "mobile": encrypt_mobile(mobile),
                    "mobile_hash": resident_mobile_hash(mobile),
                    "relationship": relationship,
                    "lives_alone": size == 1 and age >= 60,
                    "empty_nest": size == 2 and age >= 60,
                }
                for tag in tags:
                    if tag not in row and rng.random() < 0.02:
                        row[tag] = True
                residents.append(row)
                resident_id += 1
                made += 1
            unit_id += 1
            household_id += 1
        units_w.write(units)
        households_w.write(households)
        residents_w.write(residents)
    for writer in (units_w, households_w, residents_w):
        writer.sync_sequence()
    return made


# Cases, their timelines and the wall ---------------------------------------------------------------


class Actors:
    """Who takes each step in a community: (user id, label) pairs, read once."""

    def __init__(self):
        from huizhi.accounts.models import RoleAssignment, User
        from huizhi.accounts.roles import Role
        from huizhi.places.kinds import OrganisationKind
        from huizhi.places.models import Organisation

        label = {u.pk: str(u) for u in User.objects.all()}
        self.staff, self.grid, self.crew, self.commissioner, self.leader = {}, {}, {}, {}, {}
        for a in RoleAssignment.objects.select_related("place", "organisation").filter(
            user__username__regex=r"^(c\d{3}|st\d{2})_"
        ):
            who = (a.user_id, label[a.user_id])
            if a.role == Role.COMMUNITY_STAFF:
                self.staff[a.place_id] = who
            elif a.role == Role.GRID_WORKER:
                self.grid[a.place.parent_id] = who
            elif a.role == Role.HANDLING_UNIT:
                self.crew[a.organisation.place_id] = who
            elif a.role == Role.DISCIPLINE_COMMISSIONER:
                self.commissioner[a.place.code] = who
            elif a.role == Role.STREET_ADMIN:
                self.leader[a.place.code] = who
        self.units = {
            o.place_id: (o.pk, o.name) for o in Organisation.objects.filter(kind=OrganisationKind.REPAIR_CREW)
        }
        self.residents = [
            (pk, label[pk])
            for pk in User.objects.filter(username__startswith="resident").values_list("pk", flat=True)
        ]


def _places():
    """Where cases happen: (place id, code, lon, lat, grid id, community id, compound id), by kind."""
    import shapely

    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place

    grids = {
        g.pk: g for g in Place.objects.filter(kind=PlaceKind.GRID).only("id", "code", "parent_id", "boundary")
    }
    compounds = {
        c.pk: c
        for c in Place.objects.filter(kind=PlaceKind.COMPOUND).only("id", "code", "parent_id", "lon", "lat")
    }
    out = {"building": [], "compound": [], "grid": []}
    for c in compounds.values():
        g = grids[c.parent_id]
        out["compound"].append((c.pk, c.code, c.lon, c.lat, g.pk, g.parent_id, c.pk))
    for b in Place.objects.filter(kind=PlaceKind.BUILDING).values_list(
        "id", "code", "lon", "lat", "parent_id"
    ):
        c = compounds[b[4]]
        g = grids[c.parent_id]
        out["building"].append((b[0], b[1], b[2], b[3], g.pk, g.parent_id, c.pk))
    for g in grids.values():
        point = shapely.Polygon(g.boundary["coordinates"][0]).representative_point()
        out["grid"].append((g.pk, g.code, round(point.x, 6), round(point.y, 6), g.pk, g.parent_id, None))
    return out


TITLE_PHRASES = {
    "": ["需要处理", "群众反映", "请尽快处理", "多次出现", "影响出行", "影响居民生活"],
}


class CaseMaker:
    """One case at a time with its whole history, as the loop's services would have written it."""

    def __init__(self, rng: random.Random, now: datetime):
        from django.conf import settings

        from huizhi.cases import workcalendar
        from huizhi.cases.models import Category
        from huizhi.places.kinds import PlaceKind
        from huizhi.places.models import Place

        self.rng, self.now, self.wc = rng, now, workcalendar
        self.near = settings.HUIZHI_NEAR_DUE_FRACTION
        self.reopen_days = settings.HUIZHI_REOPEN_WINDOW_DAYS
        self.categories = list(Category.objects.filter(parent__isnull=False, is_active=True))
        weights = [6 if "垃圾" in c.name else 3 if c.code.startswith("0") else 1 for c in self.categories]
        self.category_weights = weights
        self.places = _places()
        self.names = dict(
            Place.objects.filter(kind__in=[PlaceKind.COMPOUND, PlaceKind.COMMUNITY]).values_list("id", "name")
        )
        self.actors = Actors()
        self.last_open_in = {}  # community id -> an earlier open case's id (for merges)
        self.starts = []  # (fate, report time) of the cases to make, oldest last: draw_starts
        from huizhi.wall.moderation import fingerprint

        self.fingerprint = fingerprint
        try:
            from huizhi.wall.services import PRIORITY_MAX
        except ImportError:
            PRIORITY_MAX = 5
        self.priority_max = PRIORITY_MAX

    def _limits(self, category):
        wc = self.wc
        accept = (
            wc.limit_seconds(float(category.accept_limit), category.accept_unit),
            wc.is_working_clock(category.accept_unit),
        )
        handle = (
            wc.limit_seconds(float(category.handle_limit), category.handle_unit),
            wc.is_working_clock(category.handle_unit),
        )
        return accept, handle

    def draw_starts(self, n: int) -> None:
        """The fates and report times of the next `n` cases, kept so that `make` takes them oldest
        first: a production table is written as reports come in, so its rows lie in the order of
        their time and their ids (what a read of a time range finds on disk), not shuffled."""
        rng, now = self.rng, self.now
        starts = []
        for _ in range(n):
            roll = rng.random()
            if roll < CLOSED:
                fate = "closed"
            elif roll < CLOSED + REJECTED:
                fate = "rejected"
            elif roll < CLOSED + REJECTED + MERGED:
                fate = "merged"
            else:
                fate = rng.choices([s for s, _ in OPEN_MIX], [w for _, w in OPEN_MIX])[0]
            is_open = fate not in ("closed", "rejected", "merged")
            if is_open:
                age = min(rng.expovariate(1 / (5 * 86400)), 60 * 86400)
            else:
                age = rng.uniform(3 * 86400, 730 * 86400)
            # Reports come in the daytime, mostly.
            created = now - timedelta(seconds=age)
            if not is_open or age > 86400:
                created = created.replace(
                    hour=rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)),
                    minute=rng.randint(0, 59),
                )
            starts.append((created, fate))
        starts.sort(reverse=True)  # newest first, so pop() takes the oldest
        self.starts = [(fate, created) for created, fate in starts]

    def make(self, case_id: int, event_id: int, notice_id: int, post_id: int):
        from huizhi.cases.search import title_terms
        from huizhi.cases.states import CLOCK_ACTIONS

        rng, wc, now = self.rng, self.wc, self.now
        fate, created = self.starts.pop()
        is_open = fate not in ("closed", "rejected", "merged")
        kind = rng.choices(("building", "compound", "grid"), (60, 25, 15))[0]
        place_id, code, lon, lat, grid_id, community_id, compound_id = rng.choice(self.places[kind])
        category = rng.choices(self.categories, self.category_weights)[0]
        (accept_s, accept_working), (handle_s, handle_working) = self._limits(category)
        source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
        staff = self.actors.staff[community_id]
        crew = self.actors.crew[community_id]
        unit_id, unit_name = self.actors.units[community_id]
        street_code = code[:9]
        if source == "wall":
            reporter = rng.choice(self.actors.residents)
        elif source == "patrol":
            reporter = self.actors.grid[community_id]
        elif source == "hotline":
            reporter = None
        else:
            reporter = staff
        where = self.names.get(compound_id, "") if compound_id else ""
        phrase = rng.choice(TITLE_PHRASES[""])
        title = f"{where}{category.name}{phrase}" if where else f"{category.name}{phrase}"
        description = f"{title}。{rng.choice(['已拍照。', '请派人查看。', '位置在路口附近。', '持续数日。'])}"
        case = {
            "id": case_id,
            "title": title[:120],
            "title_terms": title_terms(title[:120]),  # what the report service stores for search
            "description": description,
            "source": source,
            "category_id": category.pk,
            "status": "reported",
            "level": "community",
            "outcome": "",
            "priority": 0,
            "place_id": place_id,
            "place_code": code,
            "grid_id": grid_id,
            "community_id": community_id,
            "lon": lon,
            "lat": lat,
            "reporter_id": reporter[0]
            if reporter and source in ("wall", "patrol", "visit", "care", "meeting")
            else None,
            "reporter_label": "12345热线" if source == "hotline" else "",
            "created_at": created,
            "accept_due_at": wc.add(created, accept_s, accept_working),
            "accept_warn_at": wc.add(created, accept_s * (1 - self.near), accept_working),
            "rework_count": 0,
            "reopen_count": 0,
            "rating": "",
            "version": 0,
            "handle_clock_working": handle_working,
        }
        events, notices = [], []
        state = {"t": created, "status": "reported", "event_id": event_id}

        def event(action, to=None, actor=None, note="", data=None, at=None):
            t = at or state["t"]
            frm = state["status"] if action != "report" else ""
            to = to or state["status"]
            events.append(
                {
                    "id": state["event_id"],
                    "case_id": case_id,
                    "actor_id": actor[0] if actor else None,
                    "actor_label": actor[1] if actor else "",
                    "action": action,
                    "from_status": frm,
                    "to_status": to,
                    "note": note,
                    "data": data or {},
                    "created_at": t,
                }
            )
            state["event_id"] += 1
            if action not in CLOCK_ACTIONS:  # what record_event leaves for the stalled tab
                case["last_event_at"] = t
            if action not in (
                "report",
                "rate",
                "supervise",
                "supervision_reply",
                "near_due",
                "overdue",
                "set_priority",
            ):
                case["version"] += 1
            state["status"] = to

        def later(low_s, high_s):
            state["t"] = min(
                state["t"] + timedelta(seconds=rng.uniform(low_s, high_s)), now - timedelta(seconds=1)
            )
            return state["t"]

        def start_clock(at):
            case["handle_limit_seconds"] = handle_s
            case["handle_due_at"] = wc.add(at, handle_s, handle_working)
            case["handle_warn_at"] = wc.add(at, max(0.0, handle_s - handle_s * self.near), handle_working)
            case["warned_for"] = case["overdue_for"] = None

        def sweep_until(t):
            """The sweep's lines for a handling clock that ran until `t` (when it stopped or now)."""
            due, warn = case.get("handle_due_at"), case.get("handle_warn_at")
            if warn and warn < t and case.get("warned_for") != due:
                event("near_due", data={"due_at": due.isoformat()}, at=warn)
                case["warned_for"] = due
            if due and due < t and case.get("overdue_for") != due:
                event("overdue", data={"due_at": due.isoformat()}, at=due)
                case["overdue_for"] = due

        event(
            "report",
            to="reported",
            actor=reporter if case["reporter_id"] else None,
            note=description,
            data={"source": source},
        )
        target = fate
        if fate == "rejected":
            later(600, 4 * 3600)
            outcome = rng.choice(("invalid", "not_ours"))
            event("reject", to="rejected", actor=staff, note="", data={"outcome": outcome})
            case.update(status="rejected", outcome=outcome)
            return case, events, notices, None
        if fate == "merged":
            later(600, 4 * 3600)
            into = self.last_open_in.get(community_id)
            if into is None:
                target, fate = "closed", "closed"
            else:
                event("merge", to="merged", actor=staff, data={"merged_into": into})
                case.update(status="merged", outcome="duplicate", merged_into_id=into)
                return case, events, notices, None
        post = None
        if source == "wall":
            post = self._post(post_id, case, reporter, staff, created, compound_id)
        steps = ["accepted", "dispatched", "handling", "handled", "closed"]
        stop = steps.index(target) if target in steps else steps.index("handling")
        if target == "reported":
            stop = -1
        if stop >= 0:
            later(300, 3 * 3600)
            event("accept", to="accepted", actor=staff)
            if post and post["supports_count"]:
                case["priority"] = min(post["supports_count"], self.priority_max)
                event("set_priority", actor=staff, data={"priority": case["priority"], "was": 0})
            if rng.random() < ESCALATE:
                later(600, 3600)
                event("escalate", actor=staff)
                case["level"] = "street"
        if stop >= 1:
            at = later(300, 2 * 3600)
            case["handling_unit_id"] = unit_id
            start_clock(at)
            event(
                "dispatch",
                to="dispatched",
                actor=staff,
                data={"unit": unit_id, "unit_name": unit_name, "due_at": case["handle_due_at"].isoformat()},
            )
        if stop >= 2:
            later(600, 86400)
            event("start", to="handling", actor=crew)
            if rng.random() < SUPERVISE or (is_open and rng.random() < SUPERVISE * 3):
                commissioner = self.actors.commissioner[street_code]
                at = later(1800, 86400)
                reply_due = at + timedelta(days=2)
                requirement = "请加快办理进度，按时限办结。"
                notice = {
                    "id": notice_id + len(notices),
                    "case_id": case_id,
                    "unit_id": unit_id,
                    "place_code": code,
                    "issued_by_id": commissioner[0],
                    "requirement": requirement,
                    "reply_due_at": reply_due,
                    "issued_at": at,
                    "reply": "",
                }
                notices.append(notice)
                event(
                    "supervise",
                    actor=commissioner,
                    note=requirement,
                    data={
                        "notice": notice["id"],
                        "reply_due_at": reply_due.isoformat(),
                        "unit_name": unit_name,
                    },
                )
                if not is_open or rng.random() < 0.5:
                    at = later(3600, 86400)
                    notice.update(reply="已安排人员处理。", replied_by_id=crew[0], replied_at=at)
                    event(
                        "supervision_reply",
                        actor=crew,
                        note="已安排人员处理。",
                        data={"notice": notice["id"]},
                    )
            if rng.random() < SUSPEND or fate == "suspended":
                leader = self.actors.leader[street_code]
                at = later(3600, 86400)
                sweep_until(at)
                remaining = wc.between(at, case["handle_due_at"], handle_working)
                event(
                    "suspend",
                    to="suspended",
                    actor=staff,
                    note="等待产权单位答复",
                    data={"approver": leader[0], "approver_name": leader[1]},
                )
                case.update(suspended_from="handling", suspended_remaining_seconds=remaining)
                if fate == "suspended":
                    case["status"] = "suspended"
                    return case, events, notices, post
                at = later(86400, 5 * 86400)
                case["handle_due_at"] = wc.add(at, remaining, handle_working)
                case["handle_warn_at"] = wc.add(
                    at, max(0.0, remaining - handle_s * self.near), handle_working
                )
                case["warned_for"] = case["overdue_for"] = None
                case["suspended_remaining_seconds"] = None
                event("resume", to="handling", actor=staff)
        rounds = 1 + (rng.random() < REWORK) + (rng.random() < REWORK / 4)
        if stop >= 3:
            for n in range(rounds):
                at = later(3600, 3 * 86400)
                sweep_until(at)
                event("report_result", to="handled", actor=crew, note="已处理完毕。", data={"photos": 0})
                if n < rounds - 1 and stop >= 4:
                    at = later(1800, 86400)
                    case["rework_count"] += 1
                    start_clock(at)
                    event(
                        "verify_failed",
                        to="dispatched",
                        actor=staff,
                        note="现场复核未达标",
                        data={"rework_count": case["rework_count"]},
                    )
                    later(600, 86400)
                    event("start", to="handling", actor=crew)
        elif stop == 2 or stop == 1:
            sweep_until(now)
        if stop >= 4:
            at = later(1800, 86400)
            event("verify", to="closed", actor=staff)
            case.update(status="closed", outcome="fixed", closed_at=at)
            if case["reporter_id"] and source == "wall" and rng.random() < RATED:
                at = later(3600, 3 * 86400)
                rating = (
                    "unsatisfied"
                    if rng.random() < UNSATISFIED
                    else rng.choice(("satisfied", "satisfied", "basically"))
                )
                resident = reporter
                event("rate", actor=resident, data={"rating": rating})
                case.update(rating=rating, rated_at=at)
                if rating == "unsatisfied" and at - case["closed_at"] <= timedelta(days=self.reopen_days):
                    case["reopen_count"] += 1
                    case.update(closed_at=None, outcome="")
                    start_clock(at)
                    event("reopen", to="dispatched", actor=resident, note="评价不满意")
                    later(600, 86400)
                    event("start", to="handling", actor=crew)
                    at = later(3600, 3 * 86400)
                    sweep_until(at)
                    event("report_result", to="handled", actor=crew, note="已再次处理。", data={"photos": 0})
                    at = later(1800, 86400)
                    event("verify", to="closed", actor=staff)
                    case.update(outcome="fixed", closed_at=at, rating="", rated_at=None)
        else:
            case["status"] = state["status"]
            if case["status"] in ("reported", "accepted", "dispatched", "handling"):
                self.last_open_in[community_id] = case_id
        return case, events, notices, post

    def _post(self, post_id, case, author, staff, created, compound_id):
        rng = self.rng
        supports = rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 8))
        written = created - timedelta(minutes=rng.randint(5, 600))
        return {
            "id": post_id,
            "community_id": case["community_id"],
            "place_id": compound_id or case["place_id"],
            "place_code": case["place_code"] if compound_id is None else case["place_code"][:18],
            "lon": case["lon"],
            "lat": case["lat"],
            "category_id": case["category_id"],
            "title": case["title"],
            "description": case["description"],
            "author_id": author[0],
            "stage": "case",
            "held_because": [],
            "fingerprint": self.fingerprint(case["description"]),
            "supports_count": supports,
            "case_id": case["id"],
            "triaged_by_id": staff[0],
            "created_at": written,
            "published_at": written + timedelta(minutes=1),
        }

    def loose_post(self, post_id: int):
        """A post that never became a case: still waiting, answered directly or rejected."""
        rng, now = self.rng, self.now
        place_id, code, lon, lat, _grid, community_id, compound_id = rng.choice(self.places["compound"])
        category = rng.choices(self.categories, self.category_weights)[0]
        stage = rng.choices(("open", "answered", "rejected"), (30, 55, 15))[0]
        age = rng.expovariate(1 / (4 * 86400)) if stage == "open" else rng.uniform(86400, 730 * 86400)
        written = now - timedelta(seconds=min(age, 730 * 86400))
        title = f"{self.names[compound_id]}{category.name}"
        description = f"{title}，希望社区帮忙协调。"
        return {
            "id": post_id,
            "community_id": community_id,
            "place_id": place_id,
            "place_code": code,
            "lon": lon,
            "lat": lat,
            "category_id": category.pk,
            "title": title,
            "description": description,
            "author_id": rng.choice(self.actors.residents)[0],
            "stage": stage,
            "held_because": [],
            "fingerprint": self.fingerprint(description),
            "supports_count": rng.choice((0, 1, 2, 4)),
            "triaged_by_id": self.actors.staff[community_id][0] if stage != "open" else None,
            "created_at": written,
            "published_at": written + timedelta(minutes=1),
            "answered_at": written + timedelta(days=2) if stage == "answered" else None,
            "rejection_reason": "不属于社区事务" if stage == "rejected" else "",
        }


def _visibility(post: dict) -> None:
    """The wall's stored flags, by the post's own rule, when the model keeps them."""
    from huizhi.wall.models import Post

    if not hasattr(Post, "set_visibility"):
        return
    shell = Post(stage=post["stage"], answered_at=post.get("answered_at"))
    case = None
    if post.get("case_id"):
        case = SimpleNamespace(status=post["case_status"], closed_at=post.get("closed_at"))
    for name in shell.set_visibility(case):
        post[name] = getattr(shell, name)


def generate(target: int, seed: int) -> dict:
    """Build the world when the database has none, then add cases until it holds `target`."""
    from django.db import connection, transaction
    from django.utils import timezone

    from huizhi.cases.models import Case, CaseEvent, RoutingRule, SupervisionNotice
    from huizhi.places.gridindex import invalidate
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.wall.models import Post, Support

    figures = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    if not Place.objects.filter(kind=PlaceKind.DISTRICT).exists():
        from huizhi.site.demo.cases import load_categories

        started = time.perf_counter()
        rng = random.Random(seed)
        with transaction.atomic():
            load_categories()
            RoutingRule.objects.create(category=None, applies_to="any", target="community_repair_crew")
            world = build_places(rng)
            build_accounts(rng)
        figures["places_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        with transaction.atomic():
            figures["residents"] = build_residents(random.Random(seed + 1), target, timezone.localdate())
        figures["residents_s"] = round(time.perf_counter() - started, 1)
        figures["grids"] = world["grids"]
        invalidate()
    have = Case.objects.count()
    if have >= target:
        return figures
    started = time.perf_counter()
    # Today's midnight: the same seed gives the same cases all day (clocks and clamps read it).
    now = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    maker = CaseMaker(random.Random(f"{seed}-{have}"), now)
    maker.draw_starts(target - have)
    writers = {m: BulkWriter(m) for m in (Case, CaseEvent, SupervisionNotice, Post, Support)}
    ids = {m: w.next_id() for m, w in writers.items()}
    residents = maker.actors.residents
    events_total = 0
    while have < target:
        batch = {m: [] for m in writers}
        for _ in range(min(CHUNK, target - have)):
            case, events, notices, post = maker.make(
                ids[Case], ids[CaseEvent], ids[SupervisionNotice], ids[Post]
            )
            batch[Case].append(case)
            if post is not None:
                post["case_status"], post["closed_at"] = case["status"], case.get("closed_at")
            batch[CaseEvent].extend(events)
            batch[SupervisionNotice].extend(notices)
            ids[Case] += 1
            ids[CaseEvent] += len(events)
            ids[SupervisionNotice] += len(notices)
            posts = [post] if post else []
            if maker.rng.random() < 0.018:
                posts.append(maker.loose_post(ids[Post] + len(posts)))
            for p in posts:
                _visibility(p)
                batch[Post].append(p)
                for user_id, _label in maker.rng.sample(residents, p["supports_count"]):
                    batch[Support].append(
                        {
                            "id": ids[Support],
                            "post_id": p["id"],
                            "user_id": user_id,
                            "created_at": p["published_at"] + timedelta(hours=maker.rng.randint(1, 72)),
                        }
                    )
                    ids[Support] += 1
            ids[Post] += len(posts)
        # Wall posts point at their cases, cases at the cases they were merged into: cases first.
        with transaction.atomic():
            for model in (Case, CaseEvent, SupervisionNotice, Post, Support):
                writers[model].write(batch[model])
        have += len(batch[Case])
        events_total += len(batch[CaseEvent])
        elapsed = time.perf_counter() - started
        print(f"  {have:,} cases, {events_total:,} events ({elapsed:.0f} s)", file=sys.stderr, flush=True)
    for writer in writers.values():
        writer.sync_sequence()
    figures["cases_s"] = round(time.perf_counter() - started, 1)
    figures["events_added"] = events_total
    return figures


def build_rollups() -> float:
    """The statistics' roll-ups, as a running installation keeps them (its nightly run and each
    event's share): built once for a world that has none (`stats_rollup --rebuild`); seconds taken.
    A world without them would have the statistics page count from the cases themselves."""
    from django.core.management import call_command

    from huizhi.stats.models import RollupState

    if RollupState.objects.exists():
        return 0.0
    started = time.perf_counter()
    call_command("stats_rollup", "--rebuild", verbosity=0)
    return time.perf_counter() - started


# Measuring ------------------------------------------------------------------------------------------


def _first_next(port: int, path: str, headers: dict) -> str | None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    link = body.get("next") if isinstance(body, dict) else None
    if not link:
        return None
    parts = urllib.parse.urlsplit(link)
    return f"{parts.path}?{parts.query}"


def pages(world: dict) -> list[tuple[str, str, dict]]:
    """(name, path, headers) of every page measured, read the way its users read it."""
    from huizhi.core.pagination import COUNT_CAP

    cookie = world["cookies"]
    deepest = COUNT_CAP // 50  # the last page the capped pager offers (50 rows a page)
    return [
        ("healthz", "/healthz", {}),
        ("queue", "/console/cases/", cookie["community"]),
        ("street_queue", "/console/cases/?status=all", cookie["street"]),
        ("district_queue", "/console/cases/?status=all", cookie["district"]),
        ("filtered", f"/console/cases/?status=all&category={world['category']}&clock=", cookie["street"]),
        # Page 200 as the pager reaches it (its Next link's cursor) and as a typed page number (OFFSET).
        (
            "deep_page",
            f"/console/cases/?status=all&page={deepest}&cursor={world['deep_cursor']}",
            cookie["street"],
        ),
        ("deep_offset", f"/console/cases/?status=all&page={deepest}", cookie["street"]),
        ("search", "/console/cases/?status=all&q=" + urllib.parse.quote("垃圾"), cookie["street"]),
        ("supervision", "/console/supervision/", cookie["commissioner"]),
        # A street's commissioner: a full page (50 rows) in a 10 k world too, so the two worlds'
        # pages do the same work (a community's holds a handful at 10 k).
        ("supervision_street", "/console/supervision/", cookie["street_commissioner"]),
        ("case_detail", f"/console/cases/{world['case_id']}/", cookie["community"]),
        ("wall", f"/wall/{world['wall_code']}/", {}),
        (
            "stats_year",  # last year: ended, so built once and kept for every viewer for minutes
            f"/console/stats/?period=year&date={world['year']}-01-01&scope={world['street_code']}",
            cookie["street"],
        ),
        (
            # The 365 days up to today: today moves it, so its board is kept for seconds, not
            # minutes (HUIZHI_STATS_RUNNING_CACHE_SECONDS; run with it 0 to time each build).
            "stats_365d",
            f"/console/stats/?period=custom&from={date.today() - timedelta(days=364)}&to={date.today()}"
            f"&scope={world['street_code']}",
            cookie["street"],
        ),
        ("open311_get", "/open311/v2/requests.json", {}),
        ("rest_list", "/api/v1/cases/", world["token"]),
        ("rest_next", world["rest_next"] or "/api/v1/cases/", world["token"]),
    ]


def _queries(path: str, headers: dict) -> int | None:
    """Queries one request of `path` runs, counted in-process (the test client, same settings)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {}
    if "Cookie" in headers:
        name, value = headers["Cookie"].split("=", 1)
        client = Client()
        client.cookies[name] = value
    else:
        client = Client()
    if "Authorization" in headers:
        extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
    try:
        client.get(path, **extra)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, **extra)
        return len(captured) if response.status_code == 200 else None
    except Exception:  # noqa: BLE001 — a figure left out, never a failed run
        return None


def world_for_pages(port: int) -> dict:
    from rest_framework.authtoken.models import Token

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case, Category
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.wall.models import Post

    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    wall_community = (
        Post.objects.filter(community__code__startswith=street.code)
        .values("community__code")
        .order_by("-community__code")
        .first()
    )
    garbage = Category.objects.filter(parent__isnull=False, name__contains="垃圾").order_by("code").first()
    case = (
        Case.objects.filter(
            place_code__gte=community.code, place_code__lt=str(int(community.code) + 1), status="closed"
        )
        .order_by("-created_at")
        .first()
    )
    token = Token.objects.get(user=User.objects.get(username="street"))
    year = date.today().year - 1
    world = {
        "cookies": {
            u: {"Cookie": session_cookie(u)} for u in ("community", "street", "district", "commissioner")
        }
        | {"street_commissioner": {"Cookie": session_cookie("st01_commissioner")}},
        "category": garbage.code,
        "case_id": case.pk,
        "wall_code": wall_community["community__code"] if wall_community else community.code,
        "year": year,
        "street_code": street.code,
        "token": {"Authorization": f"Token {token.key}"},
    }
    world["rest_next"] = _first_next(port, "/api/v1/cases/", world["token"])
    world["deep_cursor"] = _deep_cursor(User.objects.get(username="street"))
    return world


def _deep_cursor(user) -> str:
    """The cursor of the Next link on page COUNT_CAP / 50 - 1 of `user`'s whole queue (the 9,950th
    row), as the console's pager writes it; in a list shorter than that, the one before its last
    full page, so the page measured always shows 50 rows."""
    from huizhi.cases.selectors import QueueFilter, case_queue
    from huizhi.core.pagination import COUNT_CAP, encode_cursor

    ordered = case_queue(user, QueueFilter(status="all")).order_by("-created_at", "-id")
    rows = ordered.count()
    index = max(0, min(COUNT_CAP - 50 - 1, rows - 50 - 1))
    return encode_cursor(ordered.values_list("created_at", "id")[index], backwards=False)


def _process_groups(server, worker) -> dict[str, list[int]]:
    """The processes intake keeps busy: gunicorn's workers, the task worker, PostgreSQL's processes
    (its backends are kept open: CONN_MAX_AGE), and this client."""

    def children(pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found

    postgres = [
        int(d.name)
        for d in Path("/proc").iterdir()
        if d.name.isdigit() and (d / "comm").exists() and _read(d / "comm").strip() == "postgres"
    ]
    return {
        "web": [server.pid, *children(server.pid)],
        "task worker": [worker.pid],
        "postgres": postgres,
        "client": [os.getpid()],
    }


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def intake(port: int, clients: int, seconds: float, groups=None) -> dict:
    """Cases filed per second by `clients` concurrent systems through REST and Open311, and (given
    a function listing the process groups) the CPU milliseconds each group spent per case filed."""
    from huizhi.api.keys import api_key_create
    from huizhi.cases.models import Case, Category
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place

    district = Place.objects.get(kind=PlaceKind.DISTRICT)
    _key, raw = api_key_create(name="基准热线", place=district)
    rng = random.Random(5)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING).values_list("code", "lon", "lat")[:20000])
    # Subclasses that ask no required question: a hotline filing carries no answers.
    codes = [
        c.code
        for c in Category.objects.filter(parent__isnull=False, is_active=True)
        if not any(q.get("required") for q in c.questions)
    ]
    picks = [(rng.choice(buildings), rng.choice(codes)) for _ in range(4096)]

    def rest(client: int, i: int):
        (code, lon, lat), category = picks[(client * 997 + i) % len(picks)]
        body = json.dumps(
            {
                "category": category,
                "title": "路边有暴露垃圾",
                "description": f"基准 {client}-{i}：路边有暴露垃圾",
                "place": code,
                "lon": lon,
                "lat": lat,
            },
            ensure_ascii=False,
        ).encode()
        return "POST", "/api/v1/cases/", body, {"Content-Type": "application/json", "X-Api-Key": raw}

    def open311(client: int, i: int):
        (code, lon, lat), category = picks[(client * 991 + i + 7) % len(picks)]
        body = urllib.parse.urlencode(
            {
                "api_key": raw,
                "service_code": category,
                "lat": lat,
                "long": lon,
                "description": f"基准 {client}-{i}：井盖破损",
            }
        )
        return (
            "POST",
            "/open311/v2/requests.json",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    out = {}
    for name, make in (("rest", rest), ("open311", open311)):
        load(port, clients, 1, make)  # each web worker opens the database connection it keeps
        time.sleep(2)  # and the task worker tells of those cases before the measurement
        cpu_before = cpu_seconds(groups() if groups else {})
        before = Case.objects.count()
        count, latencies, errors = load(port, clients, seconds, make)
        time.sleep(2)  # the task worker's last notices of this run
        cpu_after = cpu_seconds(groups() if groups else {})
        filed = Case.objects.count() - before
        out[name] = {
            "cpu_ms_per_case": {
                group: round((cpu_after[group] - cpu_before[group]) * 1000 / max(filed, 1), 1)
                for group in cpu_before
            },
            "per_s": round(filed / seconds, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
            "errors": errors,
            "requests": count,
        }
    return out


def git_commit() -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "huizhi", "config"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return f"{commit}{'+uncommitted' if dirty.strip() else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--database")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--intake-only", action="store_true", help="measure intake alone, no pages")
    args = parser.parse_args()
    size = f"{args.cases // 1000}k" if args.cases < 1_000_000 else f"{args.cases / 1e6:g}m"
    url = args.database or f"postgres://postgres@127.0.0.1:5432/h7a_city_{size}"
    use_database(url)
    engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"

    from huizhi.cases.models import Case, CaseEvent
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.registry.models import Resident
    from huizhi.wall.models import Post

    started = time.perf_counter()
    generated = generate(args.cases, args.seed)
    generation_s = time.perf_counter() - started
    rollup_s = build_rollups()
    forgotten, forget_s = forget_benchmark_cases()
    if forgotten:
        print(
            f"deleted {forgotten:,} cases filed by earlier benchmark runs, roll-ups rebuilt since: {forget_s:.0f} s"
        )
    started = time.perf_counter()
    vacuum_analyze()
    analyze_s = time.perf_counter() - started
    counts = {
        "cases": Case.objects.count(),
        "open": Case.objects.open().count(),
        "events": CaseEvent.objects.count(),
        "posts": Post.objects.count(),
        "residents": Resident.objects.count(),
        "grids": Place.objects.filter(kind=PlaceKind.GRID).count(),
        "buildings": Place.objects.filter(kind=PlaceKind.BUILDING).count(),
    }
    print(
        f"{engine} {url.rsplit('/', 1)[-1]}: {counts['cases']:,} cases ({counts['open']:,} open), {counts['events']:,} events, "
        f"{counts['posts']:,} wall posts, {counts['residents']:,} residents, {counts['grids']:,} grids, "
        f"{counts['buildings']:,} buildings; generated in {generation_s:.0f} s {generated}, "
        f"statistics' roll-ups {rollup_s:.0f} s, VACUUM ANALYZE {analyze_s:.0f} s"
    )
    if args.generate_only:
        return
    # As deployed: notifications, texts and webhooks queued in the database for a worker of their
    # own, which shares this machine's cores with the web workers.
    env = production_environment(url)
    port = free_port()
    server = start_gunicorn(port, env, WORKERS)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.5", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    rows = {}
    try:
        measured = [] if args.intake_only else pages(world_for_pages(port))
        for name, path, headers in measured:
            p50, p95, errors = time_get(port, path, headers, args.requests, warm_ups=2 * WORKERS)
            rows[name] = {"p50": p50, "p95": p95, "errors": errors, "path": path}
        for name, path, headers in measured:
            if rows[name]["p50"] > SLOW_MS:
                # C clients would each wait behind the others' requests past the client's timeout, and
                # the requests they abandon would keep the workers busy through the next page's run.
                rows[name].update(c_p50=math.nan, c_p95=math.nan, c_errors=0, c_rps=math.nan)
                continue

            def request(_client, _i, path=path, headers=headers):
                return "GET", path, None, headers

            count, latencies, errors = load(port, args.clients, args.seconds, request)
            rows[name].update(
                c_p50=percentile(latencies, 50) * 1000,
                c_p95=percentile(latencies, 95) * 1000,
                c_errors=errors,
                c_rps=count / args.seconds,
            )
        for name, path, headers in measured:
            rows[name]["queries"] = _queries(path, headers)
        intake_figures = intake(
            port, args.clients, max(args.seconds, 10), lambda: _process_groups(server, worker)
        )
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait(timeout=20)

    print(
        f"\n{counts['cases']:,} cases on {engine}, commit {git_commit()}, gunicorn {WORKERS} workers and a task worker on 127.0.0.1; "
        f"1 client × {args.requests} requests after {2 * WORKERS} warm-ups, then {args.clients} clients × {args.seconds:g} s"
    )
    print(
        f"{'page':<15} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'err':>4} | {args.clients} clients: {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7} {'err':>4}"
    )
    for name, r in rows.items():
        queries = "" if r.get("queries") is None else r["queries"]
        print(
            f"{name:<15} {r['p50']:>8.1f} {r['p95']:>8.1f} {queries:>8} {r['errors']:>4} | "
            f"{'':>10}{r['c_p50']:>8.1f} {r['c_p95']:>8.1f} {r['c_rps']:>7.1f} {r['c_errors']:>4}"
        )
    for name, f in intake_figures.items():
        print(
            f"intake {name:<8} {f['per_s']:>6.1f} cases/s with {args.clients} clients (p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, {f['errors']} errors of {f['requests']})"
        )
        print(
            "    CPU ms per case filed: "
            + ", ".join(f"{group} {ms}" for group, ms in f["cpu_ms_per_case"].items())
        )
    line = {
        "benchmark": "city",
        "engine": engine,
        "commit": git_commit(),
        "cases": counts["cases"],
        "open_cases": counts["open"],
        "events": counts["events"],
        "posts": counts["posts"],
        "residents": counts["residents"],
        "grids": counts["grids"],
        "generation_s": round(generation_s, 1),
        **{f"{name}_p50_ms": round(r["p50"], 1) for name, r in rows.items()},
        **{f"{name}_p95_ms": round(r["p95"], 1) for name, r in rows.items()},
        **{f"{name}_8c_p95_ms": round(r["c_p95"], 1) for name, r in rows.items() if r["c_p95"] == r["c_p95"]},
        "intake_per_s": round(intake_figures["rest"]["per_s"] + 0.0, 1),
        "intake_rest_per_s": intake_figures["rest"]["per_s"],
        "intake_open311_per_s": intake_figures["open311"]["per_s"],
        "errors": sum(r["errors"] + r["c_errors"] for r in rows.values()),
    }
    print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
