from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.simple_tag
def time_left(case, now) -> str:
    """'3 h 20 min left' or 'overdue by 1 d 2 h' for the clock running in the case's state."""
    if case.status == "suspended":
        return _("paused")
    due, _warn = case.running_deadline()
    if due is None:
        return ""
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return _("%(span)s left") % {"span": _span(seconds)}
    return _("overdue by %(span)s") % {"span": _span(-seconds)}
