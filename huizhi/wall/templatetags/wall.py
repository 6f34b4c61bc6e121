"""How a post reads on the public pages: its status, days open, and how it ended."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from huizhi.cases.states import Status
from huizhi.core.text import mask_typed_personal_numbers
from huizhi.wall.models import Stage

register = template.Library()


@register.simple_tag
def public_status(post) -> str:
    """The status residents see: the case's own once the post became one."""
    if post.stage == Stage.CASE and post.case_id:
        return post.case.get_status_display()
    return post.get_stage_display()


@register.filter
def public_text(text: str) -> str:
    """A resident's or responder's free text as the public pages show it: a mobile or ID number
    someone typed into it masked. The staff console shows the original."""
    return mask_typed_personal_numbers(text)


@register.filter
def days_open(post, now) -> int:
    return post.days_open(now)


@register.simple_tag
def fix_summary(post) -> str:
    """'Fixed in 2 days · rated satisfied', from the case if there is one, else the answer."""
    case = post.case if post.case_id else None
    parts = []
    if case is not None and case.status == Status.CLOSED and case.closed_at and post.published_at:
        hours = max(0, (case.closed_at - post.published_at).total_seconds()) / 3600
        if hours < 1:
            minutes = max(1, round(hours * 60))
            parts.append(
                ngettext("Fixed in %(n)d minute", "Fixed in %(n)d minutes", minutes) % {"n": minutes}
            )
        elif hours < 48:
            parts.append(
                ngettext("Fixed in %(n)d hour", "Fixed in %(n)d hours", round(hours)) % {"n": round(hours)}
            )
        else:
            days = round(hours / 24)
            parts.append(ngettext("Fixed in %(n)d day", "Fixed in %(n)d days", days) % {"n": days})
        if case.rating:
            parts.append(_("rated %(rating)s") % {"rating": case.get_rating_display()})
        else:
            parts.append(_("not rated yet"))
    elif post.answered_at and post.published_at:
        days = max(0, (post.answered_at - post.published_at).days)
        if days == 0:  # "answered in 0 days" reads as a slip; people say "the same day"
            parts.append(_("Answered the same day"))
        else:
            parts.append(ngettext("Answered in %(n)d day", "Answered in %(n)d days", days) % {"n": days})
    return " · ".join(parts)
