"""Hot topics (huizhi.intake.hot) offered to the consultation agenda.

A complaint that keeps coming back — the same noise, the same dark path, reported again and again —
is what a 协商议事会 is for: work orders fix one instance, a meeting can decide about all of them. A
hot topic arrives here as the ids of its member cases and its title (intake sits below meetings and
cannot call this; the hot page only posts to its URL), and waits on its community's list of matters
as a recurring problem until an organiser puts it on a meeting's agenda."""

from collections import Counter

from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.cases.permissions import cases_visible_to
from huizhi.meetings.models import AgendaItem
from huizhi.meetings.permissions import may_organise_for
from huizhi.meetings.services.common import MeetingError, clean_text

MAX_CASES = 200  # a topic's members as posted; far above a week's hottest topic
SUMMARY_LINES = 30


@transaction.atomic
def agenda_item_from_topic(*, actor, case_ids: list[int], title: str) -> tuple[AgendaItem, bool]:
    """(item, newly added): the topic waiting on the list of the community where most of its
    reports are that the actor organises meetings for, as a recurring problem whose summary lists
    those reports. Offered twice before a meeting decided it, it is the same item."""
    title = clean_text(title, label=_("Topic"), max_length=120)
    cases = list(
        cases_visible_to(actor)
        .filter(pk__in=list(case_ids)[:MAX_CASES])
        .select_related("community", "place")
        .order_by("created_at", "id")
    )
    if not cases:
        raise MeetingError(_("None of these reports is one you can see."), code="not_found")
    by_community = Counter(c.community_id for c in cases)
    communities = {c.community_id: c.community for c in cases}
    organised = [
        pk
        for pk, _n in by_community.most_common()
        if may_organise_for(actor, place_code=communities[pk].code, group_id=None)
    ]
    if not organised:
        raise MeetingError(
            _("Only the community's staff put a matter on its list for consultation."), code="not_allowed"
        )
    community = communities[organised[0]]
    members = [c for c in cases if c.community_id == community.pk]
    waiting = (
        AgendaItem.objects.select_for_update()
        .filter(source=AgendaItem.Source.RECURRING, source_case__in=members)
        .exclude(status=AgendaItem.Status.DECIDED)
        .first()
    )
    if waiting is not None:
        return waiting, False
    lines = [
        _("Reported %(n)d times from %(first)s to %(last)s:")
        % {
            "n": len(members),
            "first": members[0].created_at.date().isoformat(),
            "last": members[-1].created_at.date().isoformat(),
        }
    ]
    lines += [f"{c.reference} {c.title}（{c.place.name}）" for c in members[:SUMMARY_LINES]]
    if len(members) > SUMMARY_LINES:
        lines.append("…")
    item = AgendaItem.objects.create(
        community=community,
        title=title,
        summary="\n".join(lines)[:4000],
        source=AgendaItem.Source.RECURRING,
        # The first report stands for the topic: the item links to it, and the same topic offered
        # again (on another day's hot page, while it still holds that report) finds this item.
        source_case=members[0],
        created_by=actor,
    )
    return item, True
