"""The demo grid worker's week (DESIGN §15): 王建军 (`gridworker`) patrolled his grid (扬天小区's)
every morning of the past week, checking in at its compounds and buildings (one check-in made from
too far away); he fixed two small problems on the spot (one spot-checked by 花园街社区's staff, one
waiting); 花园街社区 asks for visits to elderly households on a cadence, and he has visited some
of them (a few are overdue, a few never visited).

Everything is written through the services, then laid out over the past week: services stamp the
current time, the demo replays a week at its own pace (as the drain story does).
"""

import io
import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from huizhi.accounts.models import User
from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.fieldwork.models import CheckIn, Patrol, SpotFix, Visit
from huizhi.fieldwork.services import (
    cadence_set,
    patrol_check_in,
    patrol_start,
    patrol_stop,
    spot_check_record,
    spot_fix_file,
    visit_log,
)
from huizhi.places.codes import subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.idnumber import make_id_number
from huizhi.registry.models import Household, Resident
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tags import Tag

COMMUNITY = "花园街社区"
YANGTIAN = "扬天小区"
DAYS = 7
# 花园街社区's cadence: the most fragile most often.
CADENCES = {Tag.LIVES_ALONE: 7, Tag.AGE_80: 14, Tag.DISABLED: 14, Tag.EMPTY_NEST: 30}
# (days ago, category code, title, found, done, photo colours)
FIXES = [
    (
        5,
        "0402",
        "11栋楼道口堆放纸箱",
        "11栋1单元楼道口堆放大量纸箱，堵住通道，有消防隐患。",
        "联系住户一起清理纸箱，楼道已畅通。",
        ((150, 120, 80), (200, 200, 190)),
    ),
    (
        2,
        "0201",
        "小区宣传栏张贴小广告",
        "扬天小区宣传栏上张贴多张疏通下水道小广告。",
        "现场清除小广告，宣传栏已恢复整洁。",
        ((190, 170, 140), (120, 160, 200)),
    ),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _photo(label: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A small drawn picture standing in for a phone photo."""
    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 440, 320), outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), content_type="image/jpeg")


def load() -> None:
    worker = User.objects.get(username="gridworker")
    staff = User.objects.get(username="huayuan_staff")
    grid = Place.objects.get(kind=PlaceKind.COMPOUND, name=YANGTIAN).parent
    today = timezone.localdate()
    rng = random.Random(2026)
    _patrols(worker, staff, grid, today, rng)
    _visits(worker, staff, grid, today)


def _route_stops(grid: Place) -> list[Place]:
    """The grid's compounds and (some of) their buildings that have a map point, in code order."""
    places = list(
        Place.objects.filter(
            subtree_q(grid.code), kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING], lat__isnull=False
        ).order_by("code")
    )
    yangtian = [p for p in places if p.name == YANGTIAN or (p.parent_id and p.name == "11栋")]
    others = [p for p in places if p not in yangtian]
    return yangtian + others[:6]


def _patrols(worker: User, staff: User, grid: Place, today: date, rng: random.Random) -> None:
    stops = _route_stops(grid)
    fixes_by_day = {fix[0]: fix for fix in FIXES}
    categories = {c.code: c for c in Category.objects.filter(code__in=[f[1] for f in FIXES])}
    for days_ago in range(DAYS, 0, -1):
        day = today - timedelta(days=days_ago)
        start = _at(day, 8, 30 + rng.randrange(20))
        patrol = patrol_start(actor=worker, grid=grid)
        route = rng.sample(stops, k=min(len(stops), rng.randint(3, 5)))
        if stops[0] not in route:
            route[0] = stops[0]  # every morning passes 扬天小区
        moments = []
        for index, place in enumerate(route):
            jitter = (rng.uniform(-0.0004, 0.0004), rng.uniform(-0.0004, 0.0004))
            # One morning the phone's fix was a kilometre off: the log keeps and flags it.
            far = 0.01 if (days_ago == 3 and index == 1) else 0.0
            patrol_check_in(
                actor=worker,
                patrol_id=patrol.pk,
                place=place,
                lon=place.lon + jitter[0],
                lat=place.lat + jitter[1] + far,
            )
            moments.append(start + timedelta(minutes=8 + 17 * index + rng.randrange(6)))
        fix = None
        if days_ago in fixes_by_day:
            _days, code, title, found, done, (before, after) = fixes_by_day[days_ago]
            fix = spot_fix_file(
                actor=worker,
                category=categories[code],
                title=title,
                description=found,
                done=done,
                place=route[0] if code == "0201" else _building_11(),
                photos_before=[_photo("before", before)],
                photos_after=[_photo("after", after)],
            )
        patrol_stop(actor=worker, patrol_id=patrol.pk)
        end = moments[-1] + timedelta(minutes=15)
        Patrol.objects.filter(pk=patrol.pk).update(started_at=start, ended_at=end)
        for check_in, moment in zip(patrol.check_ins.order_by("id"), moments, strict=True):
            CheckIn.objects.filter(pk=check_in.pk).update(at=moment)
        if fix is not None:
            _backdate_fix(fix, moments[0] + timedelta(minutes=5))
    _spot_checks(staff)


def _building_11() -> Place:
    return Place.objects.get(kind=PlaceKind.BUILDING, name="11栋", parent__name=YANGTIAN)


def _backdate_fix(fix: SpotFix, moment: datetime) -> None:
    """The fix's case reported at `moment` and closed ten minutes later, inside its patrol."""
    events = list(CaseEvent.objects.filter(case_id=fix.case_id).order_by("id"))
    closed = moment + timedelta(minutes=10)
    for event, at in zip(events, [moment, closed], strict=False):
        CaseEvent.objects.filter(pk=event.pk).update(created_at=at)
    Case.objects.filter(pk=fix.case_id).update(
        created_at=moment,
        closed_at=closed,
        last_event_at=closed,
        accept_due_at=moment + timedelta(hours=2),
        accept_warn_at=moment + timedelta(hours=1, minutes=36),
    )
    SpotFix.objects.filter(pk=fix.pk).update(created_at=moment)


def _spot_checks(staff: User) -> None:
    """Both fixes in the sample: the older checked and found fixed, the newer waiting for a check."""
    older, newer = SpotFix.objects.filter(case__reporter__username="gridworker").order_by("created_at")[:2]
    SpotFix.objects.filter(pk__in=[older.pk, newer.pk]).update(in_sample=True)
    spot_check_record(actor=staff, fix_id=older.pk, result=SpotFix.Check.OK, note="现场查看，楼道已畅通。")
    # Checked the next morning, as the staff's round would have.
    SpotFix.objects.filter(pk=older.pk).update(checked_at=older.created_at + timedelta(days=1, hours=1))


# Elderly neighbours of 扬天小区 beyond building 11 (fictional): (room, name, age, gender, tags).
ELDERS = [
    ("101", "陶秀珍", 86, "F", {"lives_alone": True, "empty_nest": True}),
    ("102", "韩长庚", 82, "M", {"empty_nest": True}),
    ("201", "柏桂兰", 79, "F", {"lives_alone": True}),
    ("202", "冯守义", 88, "M", {"disabled": True}),
    ("301", "蒋玉梅", 74, "F", {"empty_nest": True}),
    ("302", "沈德茂", 91, "M", {"lives_alone": True, "disabled": True}),
]
# Another county's region code than the registry demo's, so no ID number can repeat one of theirs.
REGION = "341103"


def _elders(today: date) -> None:
    building = (
        Place.objects.filter(kind=PlaceKind.BUILDING, parent__name=YANGTIAN)
        .exclude(name="11栋")
        .order_by("code")
        .first()
    )
    for sequence, (room, name, age, gender, tags) in enumerate(ELDERS, start=1):
        household = household_for_unit(building=building, room=room)
        born = today - timedelta(days=int(age * 365.25) + 40 * sequence)
        resident_create(
            household=household,
            name=name,
            id_number=make_id_number(REGION, born, 600 + sequence, gender),
            relationship=Resident.Relationship.HEAD,
            **tags,
        )


def _visits(worker: User, staff: User, grid: Place, today: date) -> None:
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    _elders(today)
    for tag, days in CADENCES.items():
        cadence_set(actor=staff, community=community, tag=tag, every_days=days)
    from huizhi.fieldwork.selectors import households_due

    due = households_due([grid.code], today)
    # Of the elderly households: a third visited lately, a third visited too long ago (overdue),
    # a third never visited yet (due today).
    for index, row in enumerate(due):
        household: Household = row.household
        if index % 3 == 2:
            continue
        elder = household.residents.filter(is_active=True).order_by("birth_date").first()
        lately = index % 3 == 0
        visited_on = today - timedelta(days=2 if lately else (row.every_days or 7) + 5)
        visit = visit_log(
            actor=worker,
            household=household,
            visited_on=visited_on,
            met=elder,
            needs="" if lately else "腿脚不便，希望有人帮忙代购米面油。",
            follow_up="身体状况良好，生活能自理。" if lately else "已转告社区养老服务站，下次走访时回访。",
        )
        Visit.objects.filter(pk=visit.pk).update(created_at=_at(visited_on, 15, 30), patrol=None)
