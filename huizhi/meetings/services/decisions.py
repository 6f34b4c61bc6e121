"""Decisions: recorded with their votes or by consensus, owned and due, tracked to done, published on
the echo wall of the item that raised them, and able to open cases through the case services."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from huizhi.cases.models import Case, Category
from huizhi.cases.services import CaseActionError, case_report, case_transition
from huizhi.cases.states import Source
from huizhi.core.text import mask_person_name
from huizhi.meetings.models import AgendaItem, Decision, Invitation, Meeting, Vote
from huizhi.meetings.notifications import notify
from huizhi.meetings.permissions import acts_for_owner, organises
from huizhi.meetings.selectors import quorum_of
from huizhi.meetings.services.common import MeetingError, clean_text, locked_meeting, record_event
from huizhi.places.models import Organisation, Place
from huizhi.wall.models import Stage
from huizhi.wall.services import echo_note_publish, post_meeting_outcome


@transaction.atomic
def decision_record(
    *,
    actor,
    meeting_id: int,
    text: str,
    method: str,
    due_date: date | None,
    owner_user=None,
    owner_organisation: Organisation | None = None,
    agenda_item_id: int | None = None,
    votes: dict[int, str] | None = None,
) -> Decision:
    """A decision of a meeting that has begun: by consensus, or by the votes of invitees entitled to
    vote who signed in (one each, and carried only with more for than against); with exactly one
    owner and a due date no earlier than the meeting. Refused whole, nothing saved."""
    meeting = locked_meeting(meeting_id)
    _check_may_record_decision(actor, meeting)
    text = clean_text(text, label=_("What was decided"))
    _check_owner_and_due_date(meeting, owner_user, owner_organisation, due_date)
    agenda_item = _agenda_item_of(meeting, agenda_item_id)
    ballots = _check_votes(meeting, method, votes or {})
    decision = _create_decision(
        actor=actor,
        meeting=meeting,
        agenda_item=agenda_item,
        text=text,
        method=method,
        due_date=due_date,
        owner_user=owner_user,
        owner_organisation=owner_organisation,
        ballots=ballots,
    )
    _mark_decided(agenda_item)
    _announce_decision(decision, actor)
    return decision


def _check_may_record_decision(actor, meeting: Meeting) -> None:
    if not organises(actor, meeting):
        raise MeetingError(_("Only the meeting's organisers record decisions."), code="not_allowed")
    if meeting.starts_at > timezone.now():
        raise MeetingError(_("Decisions are recorded once the meeting has begun."), code="wrong_state")
    if meeting.minutes_published:
        raise MeetingError(_("The minutes are published; record no more decisions."), code="wrong_state")


def _check_owner_and_due_date(
    meeting: Meeting, owner_user, owner_organisation, due_date: date | None
) -> None:
    if (owner_user is None) == (owner_organisation is None):
        raise MeetingError(
            _("Name one owner who carries the decision out: a person or an organisation."),
            code="missing_owner",
        )
    if due_date is None:
        raise MeetingError(_("Give the date the decision is due."), code="missing_due_date")
    if due_date < timezone.localtime(meeting.starts_at).date():
        raise MeetingError(_("The due date cannot be before the meeting."), code="bad_input")


def _agenda_item_of(meeting: Meeting, agenda_item_id: int | None) -> AgendaItem | None:
    """The item the decision answers, locked; it must be on this meeting's agenda."""
    if agenda_item_id is None:
        return None
    agenda_item = (
        AgendaItem.objects.select_for_update()
        .filter(pk=agenda_item_id, meeting_items__meeting=meeting)
        .first()
    )
    if agenda_item is None:
        raise MeetingError(_("That item is not on this meeting's agenda."), code="bad_input")
    return agenda_item


def _create_decision(
    *, actor, meeting, agenda_item, text, method, due_date, owner_user, owner_organisation, ballots
) -> Decision:
    """The decision row with its counts, and one vote row per ballot."""
    counts = {choice: sum(1 for c in ballots.values() if c == choice) for choice in Vote.Choice.values}
    decision = Decision.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        text=text,
        method=method,
        votes_for=counts["for"],
        votes_against=counts["against"],
        votes_abstain=counts["abstain"],
        owner_user=owner_user,
        owner_organisation=owner_organisation,
        owner_name=str(owner_organisation or owner_user)[:120],
        due_date=due_date,
        place_code=meeting.place_code,
        created_by=actor,
    )
    Vote.objects.bulk_create([Vote(decision=decision, invitation=i, choice=c) for i, c in ballots.items()])
    return decision


def _mark_decided(agenda_item: AgendaItem | None) -> None:
    if agenda_item is not None and agenda_item.status != AgendaItem.Status.DECIDED:
        agenda_item.status = AgendaItem.Status.DECIDED
        agenda_item.save(update_fields=["status"])


def _announce_decision(decision: Decision, actor) -> None:
    """The meeting's timeline, the owner's inbox and, once the minutes are out, the echo wall."""
    record_event(
        meeting=decision.meeting, decision=decision, actor=actor, action="decided", note=_summary(decision)
    )
    notify(
        _owner_accounts(decision),
        _("Decision for you to carry out: %(summary)s") % {"summary": _summary(decision)},
    )
    if decision.meeting.minutes_published:
        _to_wall(decision, actor, _summary(decision, public=True))


def _check_votes(meeting: Meeting, method: str, votes: dict[int, str]) -> dict[Invitation, str]:
    if method == Decision.Method.CONSENSUS:
        if votes:
            raise MeetingError(_("A decision by consensus has no votes; choose a vote instead."))
        return {}
    if method != Decision.Method.VOTE:
        raise MeetingError(_("Choose how the meeting decided: by vote or by consensus."))
    if not votes:
        raise MeetingError(_("Record the votes, or choose consensus."))
    quorum = quorum_of(list(Invitation.objects.filter(meeting=meeting)))
    if not quorum.reached:
        raise MeetingError(
            _(
                "No quorum: %(present)d of the %(voters)d invitees with a vote signed in, %(needed)d needed. "
                "Record the votes once enough have signed in, or note the matter in the minutes."
            )
            % {"present": quorum.present, "voters": quorum.voters, "needed": quorum.needed},
            code="no_quorum",
        )
    entitled = {
        i.user_id: i
        for i in Invitation.objects.filter(meeting=meeting, user_id__in=list(votes)).select_related("user")
    }
    ballots = {}
    for user_id, choice in votes.items():
        invitation = entitled.get(user_id)
        if invitation is None or not invitation.may_vote or invitation.attended_at is None:
            from huizhi.accounts.models import User

            who = invitation.user if invitation else User.objects.filter(pk=user_id).first() or user_id
            raise MeetingError(
                _(
                    "%(who)s is not entitled to vote at this meeting (only invitees with a vote who signed in)."
                )
                % {"who": who},
                code="not_entitled",
            )
        if choice not in Vote.Choice.values:
            raise MeetingError(_("A vote is for, against or abstain."))
        ballots[invitation] = choice
    in_favour = sum(1 for c in ballots.values() if c == Vote.Choice.FOR)
    against = sum(1 for c in ballots.values() if c == Vote.Choice.AGAINST)
    if in_favour <= against:
        raise MeetingError(
            _("Not carried (%(for)d for, %(against)d against): note it in the minutes instead.")
            % {"for": in_favour, "against": against},
            code="not_carried",
        )
    return ballots


def _summary(decision: Decision, public: bool = False) -> str:
    """The decision in a line. `public` (the echo wall) names a person who owns it by the surname
    only, as the public pages name people (DESIGN §5); a unit keeps its name."""
    owner = decision.owner_name
    if public and decision.owner_organisation_id is None:
        owner = mask_person_name(owner)
    return _("%(text)s (owner: %(owner)s, due %(due)s)") % {
        "text": decision.text[:200],
        "owner": owner,
        "due": date_format(decision.due_date, "Y-m-d"),
    }


def _owner_accounts(decision: Decision):
    from huizhi.accounts.models import RoleAssignment, User

    if decision.owner_user_id:
        return [decision.owner_user]
    ids = RoleAssignment.objects.filter(organisation_id=decision.owner_organisation_id).values("user_id")
    return list(User.objects.filter(pk__in=ids))


def _locked_decision(decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("meeting", "agenda_item__source_post")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise MeetingError(_("No such decision."), code="not_found")
    return decision


@transaction.atomic
def decision_progress(*, actor, decision_id: int, note: str, done: bool = False) -> Decision:
    """A progress note from the owner or the organisers; `done` closes the decision. Published on the
    echo wall once the meeting's minutes are."""
    decision = _locked_decision(decision_id)
    if not (acts_for_owner(actor, decision) or organises(actor, decision.meeting)):
        raise MeetingError(
            _("Only the decision's owner or the meeting's organisers report on it."), code="not_allowed"
        )
    if decision.status == Decision.Status.DONE:
        raise MeetingError(_("This decision has been carried out."), code="wrong_state")
    note = clean_text(note, label=_("Progress"))
    if done:
        decision.status, decision.done_at = Decision.Status.DONE, timezone.now()
        decision.save(update_fields=["status", "done_at"])
    record_event(
        meeting=decision.meeting,
        decision=decision,
        actor=actor,
        action="done" if done else "progress",
        note=note,
    )
    if decision.meeting.minutes_published:
        label = _("Done: %(note)s") if done else _("Progress: %(note)s")
        _to_wall(decision, actor, label % {"note": note})
    return decision


@transaction.atomic
def decision_spawn_case(
    *,
    actor,
    decision_id: int,
    category: Category,
    title: str,
    description: str = "",
    place: Place | None = None,
) -> Case:
    """A case (source: meeting decision) reported and accepted by the actor through the case
    services, linked to the decision; a refused case leaves nothing behind."""
    decision = _locked_decision(decision_id)
    meeting = decision.meeting
    if not organises(actor, meeting):
        raise MeetingError(
            _("Only the meeting's organisers open cases from its decisions."), code="not_allowed"
        )
    if decision.status == Decision.Status.DONE:
        raise MeetingError(_("This decision has been carried out."), code="wrong_state")
    try:
        case = case_report(
            actor=actor,
            category=category,
            title=title,
            description=description or decision.text,
            source=Source.MEETING,
            place=place or meeting.place,
        )
        note = _("From the decision: %(text)s") % {"text": decision.text[:200]}
        case = case_transition(actor=actor, case_id=case.pk, action="accept", note=note)
    except CaseActionError as exc:
        raise MeetingError(" ".join(exc.messages), code=exc.code) from exc
    decision.cases.add(case)
    record_event(meeting=meeting, decision=decision, actor=actor, action="case_spawned", note=case.reference)
    return case


def publish_decisions(meeting: Meeting, actor) -> None:
    """On publishing the minutes: each decision so far to the echo wall of the item that raised it."""
    for decision in meeting.decisions.select_related("agenda_item__source_post").order_by("created_at", "id"):
        text = _summary(decision, public=True)
        if decision.status == Decision.Status.DONE:
            text = f"{text} — {Decision.Status.DONE.label}"
        _to_wall(decision, actor, text)


def _to_wall(decision: Decision, actor, text: str) -> None:
    """Under the wall item that raised the decision; a decision on a free topic, a case or a
    recurring problem as a note on the community's echo wall (DESIGN §8: decisions are published)."""
    item = decision.agenda_item
    name = _("%(organiser)s %(kind)s") % {
        "organiser": decision.meeting.organiser_name,
        "kind": decision.meeting.get_kind_display(),
    }
    if item is None or item.source_post_id is None:
        echo_note_publish(actor=actor, community=decision.meeting.community, name=str(name)[:120], text=text)
        return
    # An item the wall has since moved on (rejected, say) takes no answer; the decision stands.
    if item.source_post.stage != Stage.AGENDA:
        return
    post_meeting_outcome(actor=actor, post_id=item.source_post_id, name=str(name), text=text)
