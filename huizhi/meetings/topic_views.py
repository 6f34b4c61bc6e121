"""The hot topics page's "offer to the consultation agenda": the page belongs to intake, which may not
call meetings, so it posts a topic's member case ids and title here."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.meetings.services import MeetingError
from huizhi.meetings.services.topics import MAX_CASES, agenda_item_from_topic


@require_POST
@permission_page("meetings.schedule")
def topic_to_agenda(request):
    # ASCII digits few enough for an id ("²" passes isdigit() but not int()).
    case_ids = [
        int(v)
        for v in request.POST.getlist("case")[:MAX_CASES]
        if v.isascii() and v.isdigit() and len(v) <= 18
    ]
    days = request.POST.get("days", "")
    back = reverse("intake:hot") + (f"?days={days}" if days.isdigit() else "")
    try:
        item, created = agenda_item_from_topic(
            actor=request.user, case_ids=case_ids, title=request.POST.get("title", "")
        )
    except MeetingError as error:
        messages.error(request, error.message)
        return redirect(back)
    if created:
        text = _("“%(title)s” waits on %(community)s's list for its next consultation meeting.")
    else:
        text = _("“%(title)s” is already on %(community)s's list for consultation.")
    messages.success(request, text % {"title": item.title, "community": item.community.name})
    return redirect(back)
