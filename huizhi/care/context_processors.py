"""Urgent care alerts at the top of every page of the people they are raised to (DESIGN §7):
grid workers and community staff see how many are open until someone records contact."""

from django.urls import reverse
from django.utils.translation import ngettext

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.care.kinds import AlertKind
from huizhi.care.models import CareAlert

RAISED_TO = (Role.GRID_WORKER, Role.COMMUNITY_STAFF)


def urgent_alerts(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scopes = scopes_of(user)
    # `roles_only`: the banner pages those the alerts are raised to, in their own places; a
    # superuser without these roles is not paged for the whole street.
    if not scopes.holds(*RAISED_TO, roles_only=True):
        return {}  # no query for anyone the alerts are not raised to
    alerts = CareAlert.objects.active().filter(scopes.q("place_code", *RAISED_TO, roles_only=True))
    phone_only = not scopes.holds(Role.COMMUNITY_STAFF, roles_only=True)
    if phone_only:
        # The banner links to the phone page, which lists not-reached alerts only: count the same.
        alerts = alerts.filter(kind=AlertKind.NOT_REACHED)
    count = alerts.count()
    if not count:
        return {}
    return {
        "urgent_alert": {
            "count": count,
            "text": ngettext("%(n)d urgent care alert is open", "%(n)d urgent care alerts are open", count)
            % {"n": count},
            "url": reverse("care:watch_phone" if phone_only else "care:watch"),
        }
    }
