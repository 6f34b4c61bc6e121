"""Agenda items: what waits for consultation, and putting it on a meeting's agenda."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huizhi.cases.permissions import cases_visible_to
from huizhi.meetings.models import AgendaItem, MeetingItem
from huizhi.meetings.permissions import may_propose_topic, organises
from huizhi.meetings.services.common import MeetingError, clean_text, locked_meeting, record_event
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


def agenda_item_from_post(*, actor, post, note: str = "") -> AgendaItem:
    """A wall item staff sent to consultation ("提交协商议事"), waiting for a meeting of its community.

    Called by the wall (huizhi.wall.outbound) inside the triage, so both are saved or neither."""
    return AgendaItem.objects.create(
        community_id=post.community_id,
        title=post.title,
        summary=post.description,
        source=AgendaItem.Source.WALL,
        source_post=post,
        created_by=actor,
    )


def agenda_item_propose(*, actor, place: Place, title: str, summary: str = "") -> AgendaItem:
    """A matter a grid worker met on a household visit, waiting on its community's list of topics
    for staff to put on a meeting's agenda. The topic is read out at a meeting whose minutes may be
    published, so it is the worker's own words for the meeting, never the visit's notes."""
    if not may_propose_topic(actor, place.code):
        raise MeetingError(
            _("Only the community's staff or the place's grid worker may propose a topic."),
            code="not_allowed",
        )
    community = Place.objects.filter(code=place.ancestor_code(PlaceKind.COMMUNITY)).first()
    if community is None:
        raise MeetingError(_("That place is in no community."), code="bad_input")
    return AgendaItem.objects.create(
        community=community,
        title=clean_text(title, label=_("Topic"), max_length=120),
        summary=clean_text(summary, label=_("Summary"), required=False),
        source=AgendaItem.Source.VISIT,
        created_by=actor,
    )


@transaction.atomic
def agenda_add(
    *,
    actor,
    meeting_id: int,
    agenda_item_id: int | None = None,
    case_id: int | None = None,
    title: str = "",
    summary: str = "",
) -> MeetingItem:
    """Put a waiting item, a case of the community (e.g. a recurring problem) or a new free topic on
    a meeting's agenda, before its minutes are published.

    An item already decided elsewhere may be taken up again; an item is on one meeting's agenda once."""
    meeting = locked_meeting(meeting_id)
    _check_agenda_open(actor, meeting)
    if agenda_item_id is not None:
        item = _waiting_item(meeting, agenda_item_id)
    elif case_id is not None:
        item = _item_for_case(actor, meeting, case_id)
    else:
        item = _free_topic(actor, meeting, title, summary)
    entry = _place_on_agenda(meeting, item)
    if item.status == AgendaItem.Status.PENDING:
        item.status = AgendaItem.Status.SCHEDULED
        item.save(update_fields=["status"])
    record_event(meeting=meeting, actor=actor, action="agenda_added", note=item.title)
    return entry


def _check_agenda_open(actor, meeting) -> None:
    if not organises(actor, meeting):
        raise MeetingError(_("Only the meeting's organisers set its agenda."), code="not_allowed")
    if meeting.minutes_published:
        raise MeetingError(_("The minutes are published; the agenda is closed."), code="wrong_state")


def _waiting_item(meeting, agenda_item_id: int) -> AgendaItem:
    """An item on the community's list, locked."""
    item = (
        AgendaItem.objects.select_for_update()
        .filter(pk=agenda_item_id, community_id=meeting.community_id)
        .first()
    )
    if item is None:
        raise MeetingError(_("That item is not on this community's list."), code="not_found")
    return item


def _item_for_case(actor, meeting, case_id: int) -> AgendaItem:
    """The case's undecided item, or a new one from the case (which the actor must see)."""
    case = cases_visible_to(actor).filter(pk=case_id, community_id=meeting.community_id).first()
    if case is None:
        raise MeetingError(_("That case is not one of this community's that you can see."), code="not_found")
    item = AgendaItem.objects.filter(source_case=case).exclude(status=AgendaItem.Status.DECIDED).first()
    if item is None:
        item = AgendaItem.objects.create(
            community_id=meeting.community_id,
            title=case.title,
            summary=case.description,
            source=AgendaItem.Source.CASE,
            source_case=case,
            created_by=actor,
        )
    return item


def _free_topic(actor, meeting, title: str, summary: str) -> AgendaItem:
    return AgendaItem.objects.create(
        community_id=meeting.community_id,
        title=clean_text(title, label=_("Topic"), max_length=120),
        summary=clean_text(summary, label=_("Summary"), required=False),
        source=AgendaItem.Source.FREE,
        created_by=actor,
    )


def _place_on_agenda(meeting, item: AgendaItem) -> MeetingItem:
    """The item at the end of the meeting's agenda; once per meeting."""
    try:
        with transaction.atomic():
            return MeetingItem.objects.create(
                meeting=meeting, agenda_item=item, position=meeting.items.count() + 1
            )
    except IntegrityError as exc:
        raise MeetingError(_("This item is already on the agenda."), code="already") from exc
