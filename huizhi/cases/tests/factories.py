"""Cases for the case-loop tests, built through the real services on the demo street.

`reported_case()` files a case with `case_report`; `case_in(status)` walks the real transitions
(`case_transition`, acting as the demo people who may take each step) until the case is there.
Nothing here writes a Case or CaseEvent row directly.
"""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.cases.models import Case, Category
from huizhi.cases.services import case_report, case_transition
from huizhi.cases.states import Outcome, Source, Status
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Organisation, Place
from tests import factories as small_street

# Demo codes (DESIGN §3: a descendant's code starts with its ancestor's).
STREET = "341102001"
FENGHUANG = "341102001001"
HUAYUAN = "341102001003"
GRIDWORKER_GRID = "341102001003001"  # 花园街第1网格: 扬天小区 and its buildings
YANGTIAN = "341102001003001001"

GARBAGE = "0101"  # 暴露垃圾: accept 1 working hour, handle 1 working day, no result photo needed
DRAIN = "1105"  # 下水管道堵塞: accept 0.5 h, handle 4 h (natural), result photo required

RESIDENT = "resident"

# The path from `reported` to each state and who takes each step: the small street's tables
# (tests/factories.py), with merging (which needs a second case) and played by the demo's people.
PATHS: dict[str, tuple[str, ...]] = {**small_street.PATHS, Status.MERGED: ("merge",)}
DEMO_PEOPLE = {"staff": "huayuan_staff", "crew_member": "repair_crew", "gridworker": "gridworker"}
DEFAULT_ACTORS = {action: DEMO_PEOPLE[who] for action, who in small_street.ACTORS.items()} | {
    "merge": "huayuan_staff"
}


def user(username: str) -> User:
    """A fresh instance (its scopes are read again), so one test's roles never leak into another."""
    return User.objects.get(username=username)


def category(code: str) -> Category:
    return Category.objects.get(code=code)


def place(code: str) -> Place:
    return Place.objects.get(code=code)


def building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name="扬天小区")


def repair_crew() -> Organisation:
    return Organisation.objects.get(name="花园街社区红色汇治维修队")


def city_bureau() -> Organisation:
    return Organisation.objects.get(name="琅琊区城市管理局")


def compound_with_property() -> Place:
    return (
        Place.objects.filter(
            kind=PlaceKind.COMPOUND, has_property_company=True, property_company__isnull=False
        )
        .select_related("property_company")
        .order_by("code")
        .first()
    )


def resident(username: str = "13900000009") -> User:
    """A resident with no part in the demo cases (created once per test; rolled back after it)."""
    existing = User.objects.filter(username=username).first()
    return existing or user_create(username=username, password=None, full_name="孙红梅", mobile=username)


def district_leader() -> User:
    """Street leadership held over the district: the level above the street, to approve its suspensions."""
    existing = User.objects.filter(username="district_leader").first()
    if existing:
        return existing
    leader = user_create(username="district_leader", password=None, full_name="马国强")
    role_grant(user=leader, role=Role.STREET_ADMIN, place=Place.objects.get(kind=PlaceKind.DISTRICT))
    return User.objects.get(pk=leader.pk)


def jpeg(name: str = "photo.jpg", *, gps: bool = False, size=(64, 48)) -> SimpleUploadedFile:
    """A real small JPEG, optionally carrying an EXIF GPS position (as a phone photo does)."""
    image = Image.new("RGB", size, (120, 100, 60))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[ExifTags.Base.Make] = "TestPhone"
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (32.0, 18.0, 36.0)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (118.0, 19.0, 48.0)
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def reported_case(
    *,
    reporter: User | None = None,
    category_code: str = GARBAGE,
    where: Place | None = None,
    title: str = "扬天小区11栋门口垃圾堆放",
    description: str = "11栋门口垃圾堆放两天无人清运。",
    **kwargs,
) -> Case:
    """A case in `reported`, filed with case_report (by the grid worker unless `reporter` is given)."""
    return case_report(
        actor=reporter or user("gridworker"),
        category=category(category_code),
        title=title,
        description=description,
        source=kwargs.pop("source", Source.PATROL),
        place=where or building_11(),
        **kwargs,
    )


def inputs_for(action: str, case: Case, actor: User, given: dict | None = None) -> dict:
    """Everything `action` needs to succeed on `case`, so only state and role can refuse it.

    Inputs in `given` are the caller's and win; none is made up for them (no spare merge target is
    filed, no approver looked up)."""
    given = given or {}
    inputs: dict = {}
    if action == "reject":
        inputs = {"reason": "不属于社区职责范围", "outcome": Outcome.NOT_OUR_RESPONSIBILITY}
    elif action == "merge" and "merged_into" not in given:
        inputs = {"merged_into": reported_case(title="11栋门口垃圾（先报的一件）", where=case.place)}
    elif action == "dispatch" and "unit" not in given:
        inputs = {"unit": repair_crew()}
    elif action in ("return", "verify_failed", "reopen"):
        inputs = {"reason": "现场未处理到位"}
    elif action == "report_result":
        photos = [jpeg("after.jpg")] if case.category.requires_result_photo else []
        inputs = {"note": "已清理完毕。", "photos": photos}
    elif action == "suspend":
        inputs = {"reason": "等待雨停后施工"}
        if "approver" not in given:
            inputs["approver"] = district_leader() if actor.username == "street" else user("street")
    return inputs | given


def advance(case: Case, action: str, *, actor: User | None = None, **overrides) -> Case:
    """Take `action` on `case` through case_transition, as its default actor unless told otherwise."""
    actor = actor or user(DEFAULT_ACTORS[action])
    inputs = inputs_for(action, case, actor, given=overrides)
    return case_transition(actor=actor, case_id=case.pk, action=action, **inputs)


def case_in(
    status: str,
    *,
    street_level: bool = False,
    reporter: User | None = None,
    category_code: str = GARBAGE,
    where: Place | None = None,
) -> Case:
    """A case brought to `status` by the real transitions; escalated to the street right after
    acceptance when `street_level` (only states reached through `accepted` can be)."""
    case = reported_case(reporter=reporter, category_code=category_code, where=where)
    path = PATHS[status]
    if street_level and "accept" not in path:
        raise ValueError(f"a case in {status} cannot be at street level")
    for action in path:
        case = advance(case, action)
        if street_level and action == "accept":
            case = advance(case, "escalate")
    assert case.status == status
    return Case.objects.select_related("category", "place").get(pk=case.pk)


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware moment in the project's zone (Asia/Shanghai)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
