"""Demo care services of 凤凰社区 (DESIGN §7, §12), built through the care services where they apply.

- the elderly care station run by 颐康养老服务有限公司, its five kinds of service and sessions this
  week and next (relative to now), with enrolments and attendance;
- the empty-nest watch built from the registry's tags, watched by a grid worker of 凤凰第1网格
  (`fenghuang_gridworker`), a party member and a volunteer; some contacts overdue and one elder
  not reached twice (an active alert);
- the childcare centre's three classes near their limits;
- the summer care class: the latest summer that has begun (July–August of this year or last, with
  its sessions and, for those held, who came) and the coming summer's, open for enrolment;
- volunteers with confirmed and pending hours, each activity in its season (the summer class's
  assistant in the latest summer, 重阳节 on the latest Double Ninth before today).

Extra fictional households are added to 凤凰社区 so the childcare classes and summer class have
children of the right ages. Signed-in residents: `care_elder` (an elder) and `care_parent` (a
parent of a school-age child), password as every demo login.
"""

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.care import selectors, services
from huizhi.care.kinds import (
    AgeBand,
    ContactMethod,
    ContactOutcome,
    ServiceKind,
    SummerSessionKind,
    WatcherKind,
)
from huizhi.care.models import (
    CareService,
    CareSession,
    CareStation,
    ChildcareCarer,
    ChildcareCentre,
    ChildcareClass,
    SessionEnrolment,
    SummerAttendance,
    SummerEnrolment,
    SummerSession,
    SummerTerm,
    Volunteer,
    VolunteerHours,
    WatchContact,
    WatchedResident,
)
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Organisation, Place
from huizhi.registry.models import Resident
from huizhi.registry.services import household_for_unit, resident_create
from huizhi.registry.tags import Tag, tag_q
from huizhi.site.demo.people import DEMO_PASSWORD
from huizhi.site.demo.registry import _People

COMMUNITY = "凤凰社区"
STATION_OPERATOR = "颐康养老服务有限公司（凤凰社区养老服务站）"
CHILDCARE_OPERATOR = "凤凰社区托育中心"

CATALOGUE = [
    (ServiceKind.RECREATION, "太极拳晨练", "活动室"),
    (ServiceKind.RECREATION, "书法绘画班", "书画室"),
    (ServiceKind.COMFORT, "谈心聊天会", "阅览室"),
    (ServiceKind.COMFORT, "集体生日会", "多功能厅"),
    (ServiceKind.NURSING, "康复理疗", "康复室"),
    (ServiceKind.NURSING, "健康体检", "医务室"),
    (ServiceKind.DAILY_LIVING, "老年助餐", "长者食堂"),
    (ServiceKind.DAILY_LIVING, "助浴服务", "助浴间"),
    (ServiceKind.REPAIR, "家电小修", "维修点"),
    (ServiceKind.REPAIR, "水电检修", "维修点"),
]
LEADS = ["吴秀英", "许桂兰", "康复师 曹明", "社工 彭丽"]
# (class, band, carers, children): every class close to its limit (10 / 15 / 20).
CLASSES = [
    ("乳儿班", AgeBand.INFANT, 3, 9),
    ("托小班", AgeBand.TODDLER, 3, 14),
    ("托大班", AgeBand.OLDER, 3, 18),
]
CARERS = ["郑敏", "冯洁", "何芳", "高雅", "罗娟", "梁静", "宋燕", "唐蕾", "韩雪"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _summer_of(year: int) -> tuple[date, date]:
    return date(year, 7, 1), date(year, 8, 31)


def summer_terms(today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    """The demo's two summers, as (first day, last day): the latest that has begun (July 1 to
    August 31 of this year from July 1, else of last year; running in July and August, over
    otherwise) and the coming one, announced and open for enrolment."""
    year = today.year if (today.month, today.day) >= (7, 1) else today.year - 1
    return _summer_of(year), _summer_of(year + 1)


# 重阳节, the Double Ninth (the 9th day of the 9th lunar month), by Gregorian year: the Chinese
# calendar's dates (checked against lunardate's tables and Xinhua's 2022-10-04 and 2033-10-01).
DOUBLE_NINTH = {
    2024: date(2024, 10, 11),
    2025: date(2025, 10, 29),
    2026: date(2026, 10, 18),
    2027: date(2027, 10, 8),
    2028: date(2028, 10, 26),
    2029: date(2029, 10, 16),
    2030: date(2030, 10, 5),
    2031: date(2031, 10, 24),
    2032: date(2032, 10, 12),
    2033: date(2033, 10, 1),
    2034: date(2034, 10, 20),
    2035: date(2035, 10, 9),
}


def double_ninth_before(today: date) -> date:
    """The latest 重阳节 before today (the table's first when today is before it all; its last when
    the table has run out)."""
    held = [day for day in DOUBLE_NINTH.values() if day < today]
    return max(held) if held else min(DOUBLE_NINTH.values())


def summer_assistant_day(today: date) -> date:
    """The day volunteers assisted the summer class: its latest session before today in the latest
    summer that has begun (its first day, today, on July 1)."""
    (began, ended), _coming = summer_terms(today)
    held = [day for day in session_days(began, ended, today) if day < today]
    return max(held) if held else began


# The article's four kinds of session, in the order they are held: (kind, title, venue).
SUMMER_PLAN = [
    (SummerSessionKind.SCIENCE, "科普讲座：身边的节能", "社区活动室"),
    (SummerSessionKind.FOOD_SAFETY, "食品安全教育：读懂食品标签", "社区活动室"),
    (SummerSessionKind.INTERESTS, "兴趣启蒙：剪纸与书法", "书画室"),
    (SummerSessionKind.VISIT, "参观琅琊区党史馆", "琅琊区党史馆"),
]


def session_days(starts_on: date, ends_on: date, today: date) -> list[date]:
    """The days of the term's sessions, one for each kind of SUMMER_PLAN, in order. A running term
    has one today and the others a few days back and ahead, as far as the term allows; a term
    over (or not begun) has them a fortnight apart through the summer."""
    if not starts_on <= today <= ends_on:
        return [starts_on + timedelta(days=d) for d in (9, 23, 37, 51)]
    days = [today + timedelta(days=d) for d in (0, -3, 2, 6, -1, 1, 4, -6, 9, -9)]
    return sorted([day for day in days if starts_on <= day <= ends_on][: len(SUMMER_PLAN)])


class _Families:
    """Extra fictional households in 凤凰社区's first buildings, for children and signed-in residents."""

    def __init__(self):
        self.people = _People(seed=7070)
        self.people.sequence = 300  # ID sequences apart from the registry demo's
        self.buildings = list(
            Place.objects.filter(
                kind=PlaceKind.BUILDING, name="2栋", parent__parent__parent__name=COMMUNITY
            ).order_by("code")[:6]
        )
        self.rooms = 0

    def household(self):
        building = self.buildings[self.rooms % len(self.buildings)]
        self.rooms += 1
        floor, door = divmod(self.rooms, 4)
        return household_for_unit(building=building, room=f"{floor + 1}0{door + 1}")

    def person(self, household, *, days_old: int, relationship, gender=None, **tags) -> Resident:
        # The gender drawn here, as people.person would draw it, so the name, the ID number and
        # every later draw agree; the name fits the age (a baby's, a parent's, an elder's).
        gender = gender or self.people.rng.choice("MF")
        details = self.people.person(days_old / 365.25, gender)
        birth = timezone.localdate() - timedelta(days=days_old)
        from huizhi.registry.idnumber import make_id_number

        self.people.sequence += 1
        details["id_number"] = make_id_number("341102", birth, self.people.sequence, gender)
        if days_old < 18 * 365:
            details["mobile"] = ""
        return resident_create(household=household, relationship=relationship, **details, **tags)


def _station(staff: User, operator_user: User) -> CareStation:
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    operator = Organisation.objects.get(name=STATION_OPERATOR)
    station = CareStation.objects.create(
        name="凤凰社区养老服务站",
        community=community,
        community_code=community.code,
        operator=operator,
        address="凤凰社区党群服务中心一楼",
    )
    catalogue = [
        CareService.objects.create(station=station, kind=kind, name=name, description=f"{name}（{venue}）")
        for kind, name, venue in CATALOGUE
    ]
    venues = {name: venue for _kind, name, venue in CATALOGUE}
    elders = list(
        Resident.objects.filter(place_code__startswith=community.code, is_active=True)
        .filter(tag_q(Tag.AGE_60, timezone.localdate()))
        .order_by("id")
    )
    now = timezone.now()
    monday = selectors.week_start(timezone.localdate())
    if _at(monday, 9, 30) > now:
        # Monday before its first session: nothing of this week is held yet, so the fortnight shown
        # starts a week earlier and the station still has a record of sessions held.
        monday -= timedelta(days=7)
    for offset in range(14):
        day = monday + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for slot, hour in enumerate((9, 14)):
            service = catalogue[(offset * 2 + slot) % len(catalogue)]
            starts, ends = _at(day, hour, 30), _at(day, hour + 1, 30)
            capacity = 12 if service.kind != ServiceKind.DAILY_LIVING else 20
            attendees = elders[(offset + slot) % 5 :][: min(capacity - 2, 6 + (offset % 4))]
            lead = LEADS[(offset + slot) % len(LEADS)]
            if starts > now:
                session = services.care_session_create(
                    actor=operator_user,
                    service=service,
                    starts_at=starts,
                    ends_at=ends,
                    venue=venues[service.name],
                    capacity=capacity,
                    lead=lead,
                )
                for elder in attendees:
                    services.session_enrol(actor=operator_user, session_id=session.pk, resident=elder)
            else:
                # Sessions already held this week: the record of who came, as the station kept it.
                session = CareSession.objects.create(
                    station=station,
                    service=service,
                    starts_at=starts,
                    ends_at=ends,
                    venue=venues[service.name],
                    capacity=capacity,
                    lead=lead,
                    enrolled_count=len(attendees),
                )
                SessionEnrolment.objects.bulk_create(
                    [
                        SessionEnrolment(
                            session=session,
                            resident=elder,
                            enrolled_by=operator_user,
                            enrolled_at=starts - timedelta(days=2),
                            attended_at=starts + timedelta(minutes=5) if i % 5 else None,
                        )
                        for i, elder in enumerate(attendees)
                    ]
                )
    # A home-service request filed by the community staff, dispatched to the operator.
    alone = next(e for e in elders if e.lives_alone)
    services.home_service_request(
        actor=staff,
        station=station,
        resident=alone,
        kind=ServiceKind.REPAIR,
        description="卫生间水龙头漏水，老人独居，请上门维修。",
    )
    return station


def _watch(staff: User, families: _Families) -> None:
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    grid = Place.objects.get(code=f"{community.code}001")
    worker = user_create(username="fenghuang_gridworker", password=DEMO_PASSWORD, full_name="郑海燕")
    role_grant(user=worker, role=Role.GRID_WORKER, place=grid)
    services.watch_list_build(actor=staff, community_code=community.code)
    watched = list(
        WatchedResident.objects.filter(place_code__startswith=community.code).select_related("resident")
    )

    # A party member and a volunteer of the community, signed in as residents, watch some elders.
    household = families.household()
    party = families.person(
        household, days_old=58 * 365, relationship=Resident.Relationship.HEAD, gender="M", party_member=True
    )
    volunteer = families.person(
        household, days_old=55 * 365, relationship=Resident.Relationship.SPOUSE, gender="F", volunteer=True
    )
    helpers = []
    for username, name, resident in (
        ("care_party", "党员 " + party.name, party),
        ("care_volunteer", "志愿者 " + volunteer.name, volunteer),
    ):
        user = user_create(username=username, password=DEMO_PASSWORD, full_name=name)
        Resident.objects.filter(pk=resident.pk).update(account=user)
        helpers.append(user)

    now = timezone.now()
    for index, entry in enumerate(watched):
        in_grid = entry.place_code.startswith(grid.code)
        if in_grid:
            services.watcher_assign(
                actor=staff, watched_id=entry.pk, user=worker, kind=WatcherKind.GRID_WORKER
            )
        kind = (WatcherKind.PARTY_MEMBER, WatcherKind.VOLUNTEER)[index % 2]
        services.watcher_assign(actor=staff, watched_id=entry.pk, user=helpers[index % 2], kind=kind)
        contact_by = worker if in_grid else helpers[index % 2]
        services.watch_contact_log(
            actor=contact_by,
            resident=entry.resident,
            outcome=ContactOutcome.WELL,
            method=ContactMethod.CALL,
            note="身体状况良好。",
        )
        # Spread the last contacts over the past week, so some are now overdue by their cadence.
        days_ago = (index * 3) % 8
        when = now - timedelta(days=days_ago, hours=2)
        WatchContact.objects.filter(watched=entry).update(contacted_at=when)
        WatchedResident.objects.filter(pk=entry.pk).update(
            last_contact_at=when, due_at=when + timedelta(days=entry.cadence_days)
        )
    # One elder in the grid worker's grid not reached at two scheduled contacts, this morning and
    # now: the active alert. Two "not reached" count as two misses only when at least
    # HUIZHI_WATCH_MISS_GAP_HOURS apart, so the first is dated back, after their last good visit.
    missing = next(e for e in watched if e.place_code.startswith(grid.code))
    morning = now - timedelta(hours=6)
    reached = min(WatchContact.objects.get(watched=missing).contacted_at, morning - timedelta(days=2))
    WatchContact.objects.filter(watched=missing).update(contacted_at=reached)
    WatchedResident.objects.filter(pk=missing.pk).update(
        last_contact_at=reached, due_at=reached + timedelta(days=missing.cadence_days)
    )
    for attempt in range(2):
        services.watch_contact_log(
            actor=worker,
            resident=missing.resident,
            outcome=ContactOutcome.NOT_REACHED,
            method=ContactMethod.VISIT,
            note="敲门无人应答，电话未接。",
        )
        if attempt == 0:
            WatchContact.objects.filter(watched=missing, outcome=ContactOutcome.NOT_REACHED).update(
                contacted_at=morning
            )
            WatchedResident.objects.filter(pk=missing.pk).update(last_miss_at=morning)


def _volunteers(staff: User) -> list:
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    residents = Resident.objects.filter(
        place_code__startswith=community.code, volunteer=True, is_active=True
    ).order_by("id")
    skills = ["文艺演出", "理发", "家电维修", "心理疏导", "科普讲解", "手工"]
    volunteers = [
        services.volunteer_register(actor=staff, resident=r, skills=skills[i % len(skills)])
        for i, r in enumerate(residents[:8])
    ]
    today = timezone.localdate()
    # Each activity in its season: 重阳节 on the latest Double Ninth, the summer class's assistant on
    # one of its latest summer's sessions; the others lately.
    held = {
        "重阳节敬老活动": double_ninth_before(today),
        "小区环境整治": today - timedelta(days=12),
        "暑期托管班助教": summer_assistant_day(today),
        "空巢老人探访": today - timedelta(days=2),
    }
    # They joined in the spring before the latest summer, whose sessions some of them lead, or
    # before the festival when it came first.
    (began, _ended), _coming = summer_terms(today)
    spring = date(min(began.year, held["重阳节敬老活动"].year), 3, 1)
    for i, volunteer in enumerate(volunteers):
        Volunteer.objects.filter(pk=volunteer.pk).update(joined_on=spring + timedelta(days=9 * i))
    activities = [
        services.volunteer_activity_create(actor=staff, community=community, title=title, held_on=day)
        for title, day in held.items()
    ]
    now = timezone.now()
    for i, volunteer in enumerate(volunteers):
        for j, activity in enumerate(activities):
            if (i + j) % 3 == 2:
                continue
            row = services.hours_log(
                actor=staff,
                volunteer_id=volunteer.pk,
                activity_id=activity.pk,
                served_on=activity.held_on,
                hours=1 + (i + j) % 4,
            )
            # Logged that evening and confirmed the next morning, as far as now allows.
            logged = {"logged_at": min(_at(activity.held_on, 18), now)}
            if j < 3:  # the latest activity's hours still wait for the organiser
                services.hours_confirm(actor=staff, hours_id=row.pk)
                logged["confirmed_at"] = min(_at(activity.held_on + timedelta(days=1), 9), now)
            VolunteerHours.objects.filter(pk=row.pk).update(**logged)
    return volunteers


def _childcare(staff: User, families: _Families) -> None:
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    operator = Organisation.objects.get(kind=OrganisationKind.SERVICE_OPERATOR, name=CHILDCARE_OPERATOR)
    centre = ChildcareCentre.objects.create(
        name="凤凰社区托育中心", community=community, community_code=community.code, operator=operator
    )
    today = timezone.localdate()
    carers = iter(CARERS)
    for name, band, carer_count, children in CLASSES:
        klass = ChildcareClass.objects.create(centre=centre, band=band, name=name)
        ChildcareCarer.objects.bulk_create(
            [ChildcareCarer(klass=klass, name=next(carers)) for _ in range(carer_count)]
        )
        low = {AgeBand.INFANT: 200, AgeBand.TODDLER: 380, AgeBand.OLDER: 750}[band]
        for n in range(children):
            household = families.household()
            mother = families.person(
                household, days_old=30 * 365 + n * 40, relationship=Resident.Relationship.HEAD, gender="F"
            )
            child = families.person(household, days_old=low + n * 7, relationship=Resident.Relationship.CHILD)
            enrolment = services.childcare_enrol(
                actor=staff,
                klass_id=klass.pk,
                child=child,
                starts_on=today,
                adults=[(mother.name, "妈妈"), ("外婆", "外婆")],
            )
            if n % 4:
                services.childcare_check_in(actor=staff, enrolment_id=enrolment.pk)


def _term(community: Place, starts_on: date, ends_on: date) -> SummerTerm:
    return SummerTerm.objects.create(
        name=f"{starts_on.year}年凤凰社区爱心托管班",
        community=community,
        community_code=community.code,
        starts_on=starts_on,
        ends_on=ends_on,
        capacity=30,
    )


@contextmanager
def _moved(model, pk: int, **fields):
    """The row with `fields` for the time of the block, then as it was.

    The services check the present: a term takes children until it is over, a register is kept
    on the session's day. The demo replays a summer gone by through them, as it happened, by
    opening the term or bringing the session to today for the calls; the times are dated back after.
    """
    rows = model.objects.filter(pk=pk)
    was = rows.values(*fields).get()
    rows.update(**fields)
    try:
        yield
    finally:
        rows.update(**was)


def _register(staff: User, session, enrolments: list, index: int) -> None:
    """Who came to a session held on a day gone by: signed in and out by the community's staff on
    the day, children arriving from a quarter of an hour before and collected after the end; one
    or two absent."""
    to_today = timezone.localdate() - timezone.localdate(session.starts_at)
    absent = {(index * 3 + k) % len(enrolments) for k in range(1 + index % 2)}
    with _moved(
        SummerSession, session.pk, starts_at=session.starts_at + to_today, ends_at=session.ends_at + to_today
    ):
        for i, enrolment in enumerate(enrolments):
            if i in absent:
                continue
            services.summer_sign_in(actor=staff, session_id=session.pk, enrolment_id=enrolment.pk)
            row = services.summer_sign_out(actor=staff, session_id=session.pk, enrolment_id=enrolment.pk)
            SummerAttendance.objects.filter(pk=row.pk).update(
                signed_in_at=session.starts_at - timedelta(minutes=15 - 2 * i),
                signed_out_at=session.ends_at + timedelta(minutes=3 * i),
            )


def _summer(staff: User, families: _Families, volunteers: list) -> None:
    """The latest summer that has begun, with its children (enrolled in June), its four sessions and
    the register of those held; and the coming summer, announced, where some families have
    enrolled already and `care_parent` can still enrol the younger child."""
    community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=COMMUNITY)
    today = timezone.localdate()
    (began, ended), (opens, closes) = summer_terms(today)
    latest, coming = _term(community, began, ended), _term(community, opens, closes)
    parent_user = user_create(username="care_parent", password=DEMO_PASSWORD, full_name="家长 何丽娟")
    children = []  # (child, the parent who enrols them, or None: the staff)
    for n in range(10):
        household = families.household()
        parent = families.person(
            household, days_old=38 * 365 + n * 30, relationship=Resident.Relationship.HEAD, gender="F"
        )
        child = families.person(
            household, days_old=(7 + n % 6) * 365 + 40, relationship=Resident.Relationship.CHILD
        )
        if n == 0:
            Resident.objects.filter(pk=parent.pk).update(account=parent_user)
            parent.account_id = parent_user.pk
            # A younger sibling not yet enrolled: the parent can sign them up on the care page.
            families.person(household, days_old=6 * 365 + 100, relationship=Resident.Relationship.CHILD)
        children.append((child, parent if n == 0 else None))

    def enrol(term, child, parent):
        actor = parent_user if parent is not None else staff
        return services.summer_enrol(actor=actor, term_id=term.pk, child=child, parent=parent)

    # Enrolled in June, before the term began.
    with _moved(SummerTerm, latest.pk, ends_on=max(ended, today)):
        enrolments = [enrol(latest, child, parent) for child, parent in children]
    for n, enrolment in enumerate(enrolments):
        SummerEnrolment.objects.filter(pk=enrolment.pk).update(
            enrolled_at=_at(date(began.year, 6, 8 + 2 * n), 19, 30)
        )
    for i, (day, (kind, title, venue)) in enumerate(
        zip(session_days(began, ended, today), SUMMER_PLAN, strict=True)
    ):
        session = services.summer_session_create(
            actor=staff,
            term=latest,
            kind=kind,
            title=title,
            starts_at=_at(day, 9),
            ends_at=_at(day, 11),
            venue=venue,
            lead=volunteers[i % len(volunteers)],
        )
        if day < today:
            _register(staff, session, enrolments, i)
    # The coming summer: the parent has enrolled the elder child again, as have three families.
    for child, parent in children[:4]:
        enrol(coming, child, parent)


def _elder_account(station: CareStation) -> None:
    """An elder of the catchment who signs in to enrol in the station's sessions."""
    elder = (
        Resident.objects.filter(
            place_code__startswith=station.community_code, is_active=True, account__isnull=True
        )
        .filter(tag_q(Tag.AGE_60, timezone.localdate()))
        .order_by("id")
        .first()
    )
    user = user_create(username="care_elder", password=DEMO_PASSWORD, full_name=f"居民 {elder.name}")
    Resident.objects.filter(pk=elder.pk).update(account=user)


def load() -> None:
    staff = User.objects.get(username="fenghuang_staff")
    operator_user = User.objects.get(username="care_operator")
    families = _Families()
    station = _station(staff, operator_user)
    _watch(staff, families)
    volunteers = _volunteers(staff)
    _childcare(staff, families)
    _summer(staff, families, volunteers)
    _elder_account(station)


# The care logins the demo adds, for `make run` to print beside the others.
LOGINS = [
    ("fenghuang_gridworker", Role.GRID_WORKER.label, "凤凰第1网格"),
    ("care_party", _("watcher (party member)"), "凤凰社区"),
    ("care_volunteer", _("watcher (volunteer)"), "凤凰社区"),
    ("care_elder", _("resident (elderly, 60+)"), "凤凰社区"),
    ("care_parent", _("resident (parent)"), "凤凰社区"),
]


def logins() -> list[tuple[str, str, str]]:
    present = set(
        User.objects.filter(username__in=[u for u, _r, _s in LOGINS]).values_list("username", flat=True)
    )
    return [(username, str(role), scope) for username, role, scope in LOGINS if username in present]
