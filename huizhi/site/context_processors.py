from django.utils.translation import gettext_lazy as _

from huizhi.core.links import link

# The navigation's groups, in the order the bar shows them.
WORK, CASES, RESIDENTS, WALL, CARE, MEETINGS, FIGURES, ADMIN = (
    _("Work"),
    _("Cases"),
    _("Residents"),
    _("Problem wall"),
    _("Care"),
    _("Meetings"),
    _("Statistics"),
    _("Administration"),
)
GROUPS = (WORK, CASES, RESIDENTS, WALL, CARE, MEETINGS, FIGURES, ADMIN)

# (group, label, url name, permission): one list, so every page's navigation follows the same rules.
NAVIGATION = [
    (WORK, _("Console"), "site:console", "accounts.use_console"),
    (WORK, _("My tasks"), "cases:my_tasks", "cases.report_case"),
    (WORK, _("Report a problem"), "cases:report_phone", "accounts.use_phone_pages"),
    (WORK, _("Patrol"), "fieldwork:patrol", "fieldwork.patrol"),
    (WORK, _("Household visits"), "fieldwork:visits", "fieldwork.visit"),
    (CASES, _("Cases"), "cases:queue", "accounts.use_console"),
    (CASES, _("Supervision"), "cases:supervision", "cases.supervise"),
    (CASES, _("Call-backs"), "cases:callbacks", "cases.call_back"),
    (CASES, _("Patrol log"), "fieldwork:console_patrols", "fieldwork.read_patrol_log"),
    (FIGURES, _("Street overview"), "places:overview", "accounts.view_places"),
    (FIGURES, _("Statistics"), "stats:dashboard", "stats.view"),
    (FIGURES, _("Grids"), "places:grids", "accounts.view_places"),
    (FIGURES, _("My grids"), "places:my_grids", "accounts.use_phone_pages"),
    (RESIDENTS, _("My households"), "registry:my_households", "accounts.use_phone_pages"),
    (RESIDENTS, _("My group"), "registry:my_group", "registry.view_roster"),
    (RESIDENTS, _("My group's work"), "network:my_group", "network.use_group_page"),
    (RESIDENTS, _("Residents"), "registry:residents", "registry.view"),
    (ADMIN, _("Access log"), "registry:access_log", "registry.review_access"),
    (CASES, _("Recurring problems"), "cases:recurring", "accounts.view_places"),
    (ADMIN, _("Categories"), "cases:categories", "cases.configure_categories"),
    (ADMIN, _("Dispatch by grid workers"), "cases:grid_dispatch", "cases.delegate_dispatch"),
    (ADMIN, _("Visit cadences"), "fieldwork:cadences", "fieldwork.set_cadences"),
    (WORK, _("Inbox"), "cases:inbox", "cases.report_case"),
    (WALL, _("Wall triage"), "wall:queue", "wall.triage"),
    (MEETINGS, _("Meetings"), "meetings:index", "meetings.view_meetings"),
    (MEETINGS, _("Meeting calendar"), "meetings:calendar", "meetings.view_meetings"),
    (MEETINGS, _("Meeting places"), "meetings:venues", "meetings.view_venues"),
    (MEETINGS, _("Self-governance network"), "network:index", "network.view_network"),
    (MEETINGS, _("My partner page"), "network:partner", "network.use_partner_page"),
    (MEETINGS, _("Projects"), "projects:index", "projects.view_projects"),
    (MEETINGS, _("My lists"), "projects:unit_lists", "projects.use_unit_lists"),
    (MEETINGS, _("Notices"), "notices:console", "notices.publish"),
    (WALL, _("My posts"), "wall:mine", "wall.follow_own_posts"),
    (RESIDENTS, _("Residency claims"), "registry:claims", "registry.confirm_residency"),
    (CARE, _("Care station"), "care:stations", "care.view_stations"),
    (CARE, _("Watch"), "care:watch", "care.view_watch"),
    (CARE, _("Who to contact"), "care:watch_phone", "care.use_watch_phone"),
    (CARE, _("Childcare"), "care:childcare", "care.view_childcare"),
    (CARE, _("Summer class"), "care:summer", "care.view_summer"),
    (CARE, _("Volunteers"), "care:volunteers", "care.view_volunteers"),
    (CARE, _("Care services"), "care:mine", "care.use_resident_page"),
]


def _unread_count(user) -> int:
    from huizhi.cases.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _grouped(items: list[dict]) -> list[dict]:
    """The items under their groups, in GROUPS' order; a group the user has nothing in is left out."""
    by_group: dict = {}
    for item in items:
        by_group.setdefault(item["group"], []).append(item)
    return [{"label": group, "items": by_group[group]} for group in GROUPS if group in by_group]


def navigation(request):
    user = getattr(request, "user", None)
    # People only: an integrating system (an API key, no account row) has no pages to navigate.
    if user is None or not user.is_authenticated or getattr(user, "pk", None) is None:
        return {"navigation": [], "navigation_groups": []}
    items = []
    for group, label, name, perm in NAVIGATION:
        if user.has_perm(perm):
            url = link(name)  # reversed once per process: every console page draws this bar
            items.append(
                {"group": group, "label": label, "url": url, "active": request.path == url, "name": name}
            )
    inbox = next((item for item in items if item["name"] == "cases:inbox"), None)
    if inbox is not None and (unread := _unread_count(user)):  # counted only for who has an inbox
        inbox["badge"] = unread
    if user.is_staff:
        items.append(
            {"group": ADMIN, "label": _("Administration"), "url": link("admin:index"), "active": False}
        )
    return {"navigation": items, "navigation_groups": _grouped(items)}
