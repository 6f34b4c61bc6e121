"""Demo self-governance network and its helpers (DESIGN §8, §12; issue 14).

三里亭人家 4栋's 2 regions, 12 groups and their central party-member households come with the places
(`places.py`); here each group gets its liaison (中心党员户's person; 第1自治小组's is `people.py`'s
`liaison`), and every community gets a deputy or committee member (两代表一委员) and two member units
of its 大党委 with their accounts, so each has someone to take on its wall items.

Runs after the meetings and projects demos. Idempotent: what exists already (凤凰社区's
representative from `people.py`, 琅琊供电所 from the meetings demo) is reused, found by name and
place, so loading twice adds nothing. People are fictional.
"""

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.places.kinds import OrganisationKind, PlaceKind
from huizhi.places.models import Group, Organisation, Place
from huizhi.places.services import organisation_create
from huizhi.site.demo.people import DEMO_PASSWORD

# community: (representative's username, full name, what they are), and its two member units, each
# (unit name, account username, the account holder's full name). Units belong to their community.
HELPERS = {
    "凤凰社区": (
        ("representative", "周明德", "区人大代表"),
        [
            ("滁州市第一人民医院党委", "fenghuang_hospital", "许文华"),
            ("琅琊区教育体育局党支部", "fenghuang_education", "梁晓东"),
        ],
    ),
    "三里亭社区": (
        ("sanliting_rep", "宋立群", "市政协委员"),
        [
            ("琅琊供电所", "sanliting_power", "冯建业"),
            ("滁州市中西医结合医院党支部", "sanliting_hospital", "蒋慧敏"),
        ],
    ),
    "花园街社区": (
        ("huayuan_rep", "韩志远", "区人大代表"),
        [
            ("琅琊区司法局党支部", "huayuan_justice", "曹正伟"),
            ("滁州市自来水公司党总支", "huayuan_water", "邓玉梅"),
        ],
    ),
    "琅琊新村社区": (
        ("xincun_rep", "彭雪琴", "市人大代表"),
        [
            ("琅琊区卫生健康委员会党支部", "xincun_health", "袁立新"),
            ("滁州市实验小学党支部", "xincun_school", "潘国庆"),
        ],
    ),
    "丰乐社区": (
        ("fengle_rep", "蔡德明", "区政协委员"),
        [
            ("琅琊区消防救援大队党支部", "fengle_fire", "戴晓峰"),
            ("滁州农商银行琅琊支行党支部", "fengle_bank", "任美玲"),
        ],
    ),
    "醉翁社区": (
        ("zuiweng_rep", "魏淑芬", "市人大代表"),
        [
            ("琅琊区城市管理局党支部", "zuiweng_urban", "姜永胜"),
            ("滁州市邮政分公司党支部", "zuiweng_post", "范丽君"),
        ],
    ),
}

# 三里亭人家 4栋's groups 2–12: the liaison of each (第1自治小组's is people.py's `liaison`). The one of
# 第7自治小组 (the first of 创优自治大区) gets a password, so both regions have a demo login.
LIAISONS = [
    "丁桂兰",
    "程国华",
    "陆淑珍",
    "夏长林",
    "田秀芳",
    "沈德林",
    "汪春梅",
    "石建华",
    "龚玉珍",
    "邹明亮",
    "钟翠英",
]
LOGIN_LIAISON = ("liaison_chuangyou", 7)


def _account(username: str, full_name: str, *, login: bool) -> tuple[User, bool]:
    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    password = DEMO_PASSWORD if login else None
    return user_create(username=username, password=password, full_name=full_name), True


def _member_unit(name: str, community: Place) -> Organisation:
    """The unit of that name at that community (the meetings demo may have made it), or a new one."""
    found = Organisation.objects.filter(name=name, place=community).first()
    if found is not None:
        return found
    return organisation_create(kind=OrganisationKind.MEMBER_UNIT, name=name, place=community)


def _load_helpers() -> None:
    for community_name, ((rep_username, rep_name, _what), units) in HELPERS.items():
        community = Place.objects.get(kind=PlaceKind.COMMUNITY, name=community_name)
        rep, created = _account(rep_username, rep_name, login=True)
        if created:
            role_grant(user=rep, role=Role.REPRESENTATIVE, place=community)
        for unit_name, username, full_name in units:
            unit = _member_unit(unit_name, community)
            account, created = _account(username, full_name, login=True)
            if created:
                role_grant(user=account, role=Role.HANDLING_UNIT, organisation=unit)


def _load_liaisons() -> None:
    building = Place.objects.get(kind=PlaceKind.BUILDING, name="4栋", parent__name="三里亭人家")
    for number, full_name in enumerate(LIAISONS, start=2):
        group = Group.objects.get(name=f"第{number}自治小组", place=building)
        login = number == LOGIN_LIAISON[1]
        username = LOGIN_LIAISON[0] if login else f"demo-liaison-{building.code}-{number:02d}"
        user, created = _account(username, full_name, login=login)
        if created:
            role_grant(user=user, role=Role.BUILDING_LIAISON, group=group)


def load() -> None:
    _load_helpers()
    _load_liaisons()


def logins() -> list[tuple[str, str, str]]:
    """(username, role, scope) for the logins this module adds (凤凰社区's representative is
    people.py's and printed there)."""
    usernames = [LOGIN_LIAISON[0]]
    for (rep_username, _name, _what), units in HELPERS.values():
        if rep_username != "representative":
            usernames.append(rep_username)
        usernames += [username for _unit, username, _full in units]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=usernames).prefetch_related(
            "roles__place", "roles__organisation", "roles__group__place"
        )
    }
    rows = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        assignment = user.roles.all()[0]
        label = assignment.get_role_display()
        if assignment.role == Role.HANDLING_UNIT:
            label = f"{label} · {OrganisationKind.MEMBER_UNIT.label}"
        rows.append((username, str(label), str(assignment.scope)))
    return rows
