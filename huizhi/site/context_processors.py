from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, permission): one list, so every page's navigation follows the same rules.
NAVIGATION = [
    (_("Console"), "site:console", "accounts.use_console"),
    (_("My tasks"), "cases:my_tasks", "cases.report_case"),
    (_("Report a problem"), "cases:report_phone", "accounts.use_phone_pages"),
    (_("Cases"), "cases:queue", "accounts.use_console"),
    (_("Supervision"), "cases:supervision", "cases.supervise"),
    (_("Call-backs"), "cases:callbacks", "cases.call_back"),
    (_("Street overview"), "places:overview", "accounts.use_console"),
    (_("Statistics"), "stats:dashboard", "stats.view"),
    (_("Grids"), "places:grids", "accounts.use_console"),
    (_("My grids"), "places:my_grids", "accounts.use_phone_pages"),
    (_("My households"), "registry:my_households", "accounts.use_phone_pages"),
    (_("My group"), "registry:my_group", "registry.view_roster"),
    (_("Residents"), "registry:residents", "registry.view"),
    (_("Access log"), "registry:access_log", "registry.review_access"),
    (_("Recurring problems"), "cases:recurring", "accounts.use_console"),
    (_("Categories"), "cases:categories", "cases.configure_categories"),
    (_("Inbox"), "cases:inbox", "cases.report_case"),
    (_("Wall triage"), "wall:queue", "wall.triage"),
    (_("Meetings"), "meetings:index", "meetings.view_meetings"),
    (_("Notices"), "notices:console", "notices.publish"),
    (_("My posts"), "wall:mine", "wall.follow_own_posts"),
    (_("Residency claims"), "registry:claims", "registry.confirm_residency"),
    (_("Care station"), "care:stations", "care.view_stations"),
    (_("Watch"), "care:watch", "care.view_watch"),
    (_("Who to contact"), "care:watch_phone", "care.use_watch_phone"),
    (_("Childcare"), "care:childcare", "care.view_childcare"),
    (_("Summer class"), "care:summer", "care.view_summer"),
    (_("Volunteers"), "care:volunteers", "care.view_volunteers"),
    (_("Care services"), "care:mine", "care.use_resident_page"),
]


def _unread_count(user) -> int:
    from huizhi.cases.models import Notification

    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def navigation(request):
    user = getattr(request, "user", None)
    # People only: an integrating system (an API key, no account row) has no pages to navigate.
    if user is None or not user.is_authenticated or getattr(user, "pk", None) is None:
        return {"navigation": []}
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, perm in NAVIGATION
        if user.has_perm(perm)
    ]
    unread = _unread_count(user)
    for item in items:
        if item["url"] == reverse("cases:inbox") and unread:
            item["badge"] = unread
    if user.is_staff:
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "active": False})
    return {"navigation": items}
