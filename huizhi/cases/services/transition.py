"""The one service that moves a case between states (DESIGN §4, CONVENTIONS: the state machine as data)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.cases.effects import Move, require
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case
from huizhi.cases.permissions import may_take
from huizhi.cases.services.common import clean_photos, clean_text, record_event
from huizhi.cases.states import Rating, Status
from huizhi.cases.transitions import PREVIOUS, REASON, SAME, TRANSITIONS, Action, Transition

# Every field a transition may change; saved together on the locked row.
TRANSITION_FIELDS = [
    "status",
    "level",
    "outcome",
    "handling_unit",
    "merged_into",
    "handle_due_at",
    "handle_warn_at",
    "handle_limit_seconds",
    "handle_clock_working",
    "suspended_from",
    "suspended_remaining_seconds",
    "warned_for",
    "overdue_for",
    "rework_count",
    "reopen_count",
    "rating",
    "rated_at",
    "closed_at",
    "version",
    "updated_at",
]


def _apply(case: Case, transition: Transition, move: Move, photos=(), check_actor: bool = True) -> Case:
    """Check and make one move on a locked case; append its event."""
    require(
        transition.applies_to(case),
        _("The case is now “%(status)s”; it cannot be “%(action)s”.")
        % {"status": case.get_status_display(), "action": transition.label},
        "wrong_state",
    )
    require(
        not check_actor or may_take(move.actor, case, transition),
        _("Your roles do not allow “%(action)s” on this case.") % {"action": transition.label},
        "not_allowed",
    )
    if REASON in transition.needs:
        require(bool(move.reason), _("Give a reason."), "missing_reason")
    move.data["photos"] = len(photos)
    from_status = case.status
    if transition.effect is not None:
        transition.effect(case, move)
    if transition.target == SAME:
        to_status = from_status
    elif transition.target == PREVIOUS:
        to_status, case.suspended_from = case.suspended_from, ""
    else:
        to_status = transition.target
    case.status = to_status
    case.version += 1
    case.save(update_fields=TRANSITION_FIELDS)
    record_event(
        case=case,
        actor=move.actor,
        action=transition.action,
        from_status=from_status,
        to_status=to_status,
        note=move.reason or move.note,
        data=move.data,
        photos=photos,
    )
    return case


def _locked(case_id: int) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "handling_unit")
        .get(pk=case_id)
    )


def case_transition(
    *,
    actor,
    case_id: int,
    action: str,
    expected_version: int | None = None,
    note: str = "",
    reason: str = "",
    unit=None,
    due_at: datetime | None = None,
    approver=None,
    merged_into: Case | None = None,
    outcome: str = "",
    photos=(),
) -> Case:
    """Move the case by `action` if its state, the actor's roles and scope, and the inputs allow it.

    The row is locked for the check and the write, so of two people acting at once exactly one
    succeeds; the other gets `moved_on` (or `wrong_state`) and nothing of theirs is saved.
    """
    transition = TRANSITIONS.get(action)
    require(transition is not None, _("Unknown action “%(action)s”.") % {"action": action}, "bad_input")
    note = clean_text(note, label=_("Note"), required=False)
    reason = clean_text(reason, label=_("Reason"), required=False)
    cleaned = clean_photos(photos)
    require(
        not (action == Action.ACCEPT and due_at is not None and unit is None),
        _("A deadline goes with the unit that has it: choose the unit to dispatch to, or no deadline."),
        "bad_input",
        field="unit",
    )
    with transaction.atomic():
        case = _locked(case_id)
        if expected_version is not None and case.version != expected_version:
            raise CaseActionError(
                _("Someone else acted on this case first: it is now “%(status)s”. Look again before acting.")
                % {"status": case.get_status_display()},
                code="moved_on",
            )
        move = Move(
            actor=actor,
            now=timezone.now(),
            note=note,
            reason=reason,
            unit=unit,
            due_at=due_at,
            approver=approver,
            merged_into=merged_into,
            outcome=outcome,
        )
        case = _apply(case, transition, move, cleaned)
        if transition.action == Action.ACCEPT and unit is not None:
            # The person chose the unit as they accepted: dispatched in the same step, with the
            # dispatch's own checks (their roles, the unit, the deadline) and its own event.
            dispatch = Move(actor=actor, now=move.now, unit=unit, due_at=due_at)
            case = _apply(case, TRANSITIONS[Action.DISPATCH], dispatch)
        return case


def case_rate(*, actor, case_id: int, rating: str, comment: str = "") -> Case:
    """The reporter rates a closed case once; 不满意 within the window reopens it to dispatched."""
    require(rating in Rating.values, _("Choose a rating."), "bad_input")
    comment = clean_text(comment, label=_("Comment"), required=False)
    with transaction.atomic():
        case = _locked(case_id)
        require(case.status == Status.CLOSED, _("Only a closed case can be rated."), "wrong_state")
        require(
            case.reporter_id is not None and case.reporter_id == actor.pk,
            _("Only the person who reported it can rate it."),
            "not_allowed",
        )
        require(not case.rating, _("This case has already been rated."), "wrong_state")
        now = timezone.now()
        case.rating, case.rated_at = rating, now
        case.save(update_fields=["rating", "rated_at", "updated_at"])
        record_event(
            case=case,
            actor=actor,
            action=Action.RATE,
            from_status=case.status,
            to_status=case.status,
            note=comment,
            data={"rating": rating},
        )
        within = case.closed_at and now - case.closed_at <= timedelta(days=settings.HUIZHI_REOPEN_WINDOW_DAYS)
        if rating == Rating.UNSATISFIED and within and case.handling_unit_id:
            move = Move(actor=actor, now=now, reason=comment or _("Rated unsatisfied"))
            # The reporter's unsatisfied rating within the window is itself the authority to reopen
            # (DESIGN §4); the reopen row's actor rule is for staff reopening directly.
            _apply(case, TRANSITIONS[Action.REOPEN], move, check_actor=False)
        return case
