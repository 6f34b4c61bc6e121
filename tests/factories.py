"""A small street built in milliseconds, for tests that do not need the whole demo street.

Modules that use it declare `pytestmark = pytest.mark.no_demo` (see the root conftest). Rows whose
invariants a service keeps are built through that service: places through `place_create` (codes in
the national format, the grid index told), organisations through `organisation_create`, people
through `user_create` and `role_grant` (encrypted mobiles, scope rules, the audit trail), cases
through `case_report` and `case_transition` (clocks, timeline events). Categories have no creating
service and are plain rows.

Everything made here lives apart from the demo street, so the two can share a database (a run
that mixes demo and no_demo tests): districts are numbered 11xxxx (the demo's is 341102), grids
are squares around 100 E, 30 N (the demo's lattice is around 118.33 E, 32.31 N), category classes
are 20–99 (the demo's are 01–11) and usernames start with `f-`.

    world = small_street()          # street → community → grid → compound → building, and people
    case = CaseFactory(place=world.building)
    case = case_in(Status.HANDLING, world)
"""

from dataclasses import dataclass

import factory

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import CategoryKind, ClockUnit, Outcome, Source, Status
from huizhi.places.codes import CODE_RULES, child_code
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place
from huizhi.places.services import organisation_create, place_create

# Grid squares: CELL degrees a side, laid out in rows of ROW_LENGTH from ORIGIN, one per grid made
# in this process, so no two grids of one test (nor a factory grid and a demo grid) overlap.
ORIGIN_LON, ORIGIN_LAT = 100.0, 30.0
CELL = 0.004
ROW_LENGTH = 200


def next_child_code(parent: Place, kind: str) -> str:
    """The code after the last child of `parent` (…001 for the first), as a street office numbers."""
    last = parent.children.order_by("-code").values_list("code", flat=True).first()
    added = CODE_RULES[kind][0]
    return child_code(parent.code, kind, int(last[-added:]) + 1 if last else 1)


def square(lon: float, lat: float, side: float = CELL) -> dict:
    """A GeoJSON Polygon: the square with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def centre(place: Place) -> tuple[float, float]:
    """A point inside a grid (the middle of its square), or a compound's or building's own point."""
    if place.boundary:
        (west, south), _se, (east, north) = place.boundary["coordinates"][0][:3]
        return round((west + east) / 2, 6), round((south + north) / 2, 6)
    return place.lon, place.lat


class _ServiceFactory(factory.Factory):
    """A factory whose `create` calls the product's service instead of Model.objects.create."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("built only through the service: use create()")


class _PlaceFactory(_ServiceFactory):
    class Meta:
        model = Place
        abstract = True

    @classmethod
    def _create(cls, model_class, **kwargs):
        return place_create(**kwargs)


class DistrictFactory(_PlaceFactory):
    kind = PlaceKind.DISTRICT
    code = factory.Sequence(lambda n: f"11{n % 9999 + 1:04d}")
    name = factory.Sequence(lambda n: f"测试区{n}")


class StreetFactory(_PlaceFactory):
    kind = PlaceKind.STREET
    parent = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.STREET))
    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(_PlaceFactory):
    kind = PlaceKind.COMMUNITY
    parent = factory.SubFactory(StreetFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.COMMUNITY))
    name = factory.Sequence(lambda n: f"测试社区{n}")


class GridFactory(_PlaceFactory):
    kind = PlaceKind.GRID
    parent = factory.SubFactory(CommunityFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.GRID))
    name = factory.Sequence(lambda n: f"测试第{n}网格")
    boundary = factory.Sequence(
        lambda n: square(ORIGIN_LON + (n % ROW_LENGTH) * CELL, ORIGIN_LAT + (n // ROW_LENGTH) * CELL)
    )


class CompoundFactory(_PlaceFactory):
    kind = PlaceKind.COMPOUND
    parent = factory.SubFactory(GridFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.COMPOUND))
    name = factory.Sequence(lambda n: f"测试小区{n}")
    lon = factory.LazyAttribute(lambda o: centre(o.parent)[0])
    lat = factory.LazyAttribute(lambda o: centre(o.parent)[1])


class BuildingFactory(_PlaceFactory):
    kind = PlaceKind.BUILDING
    parent = factory.SubFactory(CompoundFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.BUILDING))
    name = factory.LazyAttribute(lambda o: f"{int(o.code[-3:])}栋")
    lon = factory.SelfAttribute("parent.lon")
    lat = factory.SelfAttribute("parent.lat")


class UnitFactory(_PlaceFactory):
    kind = PlaceKind.UNIT
    parent = factory.SubFactory(BuildingFactory)
    code = factory.LazyAttribute(lambda o: next_child_code(o.parent, PlaceKind.UNIT))
    name = factory.LazyAttribute(lambda o: f"{int(o.code[-4:])}室")
    lon = factory.SelfAttribute("parent.lon")
    lat = factory.SelfAttribute("parent.lat")


class OrganisationFactory(_ServiceFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.REPAIR_CREW
    name = factory.Sequence(lambda n: f"测试维修队{n}")
    place = factory.SubFactory(CommunityFactory)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return organisation_create(**kwargs)


class UserFactory(_ServiceFactory):
    """A user; `role` and `over` (a place, organisation or group) grant one role through role_grant."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"f-user{n}")
    password = None
    full_name = factory.Sequence(lambda n: f"测试{n}号")
    mobile = ""
    role = None
    over = None

    @classmethod
    def _create(cls, model_class, *, role=None, over=None, **kwargs):
        user = user_create(**kwargs)
        if role is not None:
            scope = {Organisation: "organisation", Group: "group"}.get(type(over), "place")
            role_grant(user=user, role=role, **{scope: over})
        # A fresh instance, as a request would load it: its scopes are read from the roles granted.
        return User.objects.get(pk=user.pk)


class CategoryFactory(factory.django.DjangoModelFactory):
    """A class of categories (two digits); subclasses hang under it."""

    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"{20 + n % 80:02d}")
    name = factory.Sequence(lambda n: f"测试大类{n}")
    kind = CategoryKind.EVENT


class SubcategoryFactory(factory.django.DjangoModelFactory):
    """A subclass cases are filed under: accept within 1 working hour, handle within 1 working day;
    with `natural_hours=True`, as a blocked drain: accept within 0.5 h, handle within 4 h, by the
    clock (holidays and nights count)."""

    class Meta:
        model = Category

    class Params:
        natural_hours = factory.Trait(
            accept_limit=0.5,
            accept_unit=ClockUnit.NATURAL_HOURS,
            handle_limit=4,
            handle_unit=ClockUnit.NATURAL_HOURS,
        )

    parent = factory.SubFactory(CategoryFactory)
    code = factory.LazyAttribute(lambda o: f"{o.parent.code}{o.parent.subclasses.count() + 1:02d}")
    name = factory.Sequence(lambda n: f"测试小类{n}")
    kind = factory.SelfAttribute("parent.kind")
    accept_limit = 1
    accept_unit = ClockUnit.WORKING_HOURS
    handle_limit = 1
    handle_unit = ClockUnit.WORKING_DAYS
    closing_condition = "现场处理完毕"
    requires_result_photo = False


@dataclass
class SmallStreet:
    """One street with one community, one grid, one compound and one building, and the people who
    work there, each holding one role."""

    street: Place
    community: Place
    grid: Place
    compound: Place
    building: Place
    crew: Organisation
    category: Category  # a subclass
    street_admin: User
    staff: User  # community staff
    gridworker: User
    crew_member: User  # handling unit: the community's repair crew
    resident: User  # no role


def small_street() -> SmallStreet:
    building = BuildingFactory()
    compound = building.parent
    grid = compound.parent
    community = grid.parent
    street = community.parent
    crew = OrganisationFactory(kind=OrganisationKind.REPAIR_CREW, place=community)
    return SmallStreet(
        street=street,
        community=community,
        grid=grid,
        compound=compound,
        building=building,
        crew=crew,
        category=SubcategoryFactory(),
        street_admin=UserFactory(role=Role.STREET_ADMIN, over=street),
        staff=UserFactory(role=Role.COMMUNITY_STAFF, over=community),
        gridworker=UserFactory(role=Role.GRID_WORKER, over=grid),
        crew_member=UserFactory(role=Role.HANDLING_UNIT, over=crew),
        resident=UserFactory(),
    )


class CaseFactory(_ServiceFactory):
    """A case in `reported`, filed through case_report at `place` (a building of a new small street
    unless given) by `actor` (a new resident unless given)."""

    class Meta:
        model = Case

    place = factory.SubFactory(BuildingFactory)
    actor = factory.SubFactory(UserFactory)
    category = factory.SubFactory(SubcategoryFactory)
    title = "楼道堆放杂物"
    description = "三楼楼道堆放杂物，影响通行。"
    source = Source.PATROL

    @classmethod
    def _create(cls, model_class, **kwargs):
        return case_report(**kwargs)


# From `reported` to each state: the actions, and which of the street's people takes each.
PATHS: dict[str, tuple[str, ...]] = {
    Status.REPORTED: (),
    Status.ACCEPTED: ("accept",),
    Status.REJECTED: ("reject",),
    Status.DISPATCHED: ("accept", "dispatch"),
    Status.HANDLING: ("accept", "dispatch", "start"),
    Status.HANDLED: ("accept", "dispatch", "start", "report_result"),
    Status.CLOSED: ("accept", "dispatch", "start", "report_result", "verify"),
    Status.SUSPENDED: ("accept", "dispatch", "suspend"),
}
ACTORS = {
    "accept": "staff",
    "reject": "staff",
    "dispatch": "staff",
    "escalate": "staff",
    "suspend": "staff",
    "resume": "staff",
    "reopen": "staff",
    "start": "crew_member",
    "return": "crew_member",
    "report_result": "crew_member",
    "verify": "gridworker",
    "verify_failed": "gridworker",
}


def advance(case: Case, action: str, world: SmallStreet, **given) -> Case:
    """Take `action` on `case` through case_transition, as whoever of the street's people may take
    it, with the inputs it needs (the caller's `given` win)."""
    inputs = {
        "reject": {"reason": "不属于社区职责范围", "outcome": Outcome.NOT_OUR_RESPONSIBILITY},
        "dispatch": {"unit": world.crew},
        "report_result": {"note": "已处理完毕。", "photos": []},
        # A community-level case is suspended with the approval of the level above: the street.
        "suspend": {"reason": "等待雨停后施工", "approver": world.street_admin},
        "return": {"reason": "不属于本单位职责"},
        "verify_failed": {"reason": "现场未处理到位"},
        "reopen": {"reason": "问题再次出现"},
    }.get(action, {})
    actor = getattr(world, ACTORS[action])
    return case_transition(actor=actor, case_id=case.pk, action=action, **(inputs | given))


def case_in(status: str, world: SmallStreet, **case_fields) -> Case:
    """A case of `world` (filed by its grid worker at its building, under its category unless
    `case_fields` say otherwise) brought to `status` through case_transition."""
    case = CaseFactory(
        **{"place": world.building, "category": world.category, "actor": world.gridworker, **case_fields}
    )
    for action in PATHS[status]:
        case = advance(case, action, world)
    assert case.status == status
    return Case.objects.select_related("category", "place").get(pk=case.pk)
