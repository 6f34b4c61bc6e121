"""Demo logins: one per role of DESIGN §2, on the places of the article's stories. Names are fictional."""

from django.utils.translation import gettext_lazy as _

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.accounts.services import role_grant, user_create
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Group, Organisation, Place

DEMO_PASSWORD = "huizhi-demo"  # noqa: S105 — printed for every demo login on purpose

# username, full name, mobile, role, how to find the scope
ACCOUNTS = [
    ("admin", "系统管理员", "", None, None),
    ("street", "李志强", "", Role.STREET_ADMIN, ("street",)),
    ("huayuan_staff", "陈静", "", Role.COMMUNITY_STAFF, ("community", "花园街社区")),
    ("fenghuang_staff", "赵丽华", "", Role.COMMUNITY_STAFF, ("community", "凤凰社区")),
    ("sanliting_staff", "孙国平", "", Role.COMMUNITY_STAFF, ("community", "三里亭社区")),
    ("gridworker", "王建军", "", Role.GRID_WORKER, ("grid of compound", "扬天小区")),
    ("commissioner", "刘文斌", "", Role.DISCIPLINE_COMMISSIONER, ("community", "花园街社区")),
    ("repair_crew", "张师傅", "", Role.HANDLING_UNIT, ("organisation", "花园街社区红色汇治维修队")),
    ("representative", "周明德", "", Role.REPRESENTATIVE, ("community", "凤凰社区")),
    (
        "care_operator",
        "吴秀英",
        "",
        Role.SERVICE_OPERATOR,
        ("organisation", "颐康养老服务有限公司（凤凰社区养老服务站）"),
    ),
    ("liaison", "黄德胜", "13900000001", Role.BUILDING_LIAISON, ("group", "第1自治小组")),
    # A resident signs in with the mobile number; the username says nothing about the person.
    ("resident", "钱玉兰", "13900000002", None, None),
]


def _scope(how: tuple) -> dict:
    kind = how[0]
    if kind == "street":
        return {"place": Place.objects.get(kind=PlaceKind.STREET)}
    if kind == "community":
        return {"place": Place.objects.get(kind=PlaceKind.COMMUNITY, name=how[1])}
    if kind == "grid of compound":
        return {"place": Place.objects.get(kind=PlaceKind.COMPOUND, name=how[1]).parent}
    if kind == "organisation":
        return {"organisation": Organisation.objects.get(name=how[1])}
    if kind == "group":
        return {"group": Group.objects.get(name=how[1], place__parent__name="三里亭人家")}
    raise ValueError(kind)


def load() -> None:
    for username, full_name, mobile, role, how in ACCOUNTS:
        user = user_create(
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            mobile=mobile,
            is_superuser=username == "admin",
        )
        if role:
            role_grant(user=user, role=role, **_scope(how))


def logins() -> list[tuple[str, str, str]]:
    rows = []
    users = {
        u.username: u
        for u in User.objects.prefetch_related("roles__place", "roles__organisation", "roles__group")
    }
    for username, _full_name, _mobile, role, _how in ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        assignment = user.roles.all()[0] if role else None
        label = (
            assignment.get_role_display()
            if assignment
            else (_("administrator") if user.is_superuser else _("resident"))
        )
        login = user.mobile if not role and user.mobile else username  # residents sign in by mobile
        rows.append((login, str(label), str(assignment.scope) if assignment else ""))
    return rows
