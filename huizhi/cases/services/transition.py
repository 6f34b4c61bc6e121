"""The one service that moves a case between states (DESIGN §4, CONVENTIONS: the state machine as data)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.cases import workcalendar
from huizhi.cases.models import Case
from huizhi.cases.permissions import may_take
from huizhi.cases.services.common import (
    clean_photos,
    clean_text,
    record_event,
    set_handle_clock,
    start_handle_clock,
)
from huizhi.cases.services.errors import CaseActionError
from huizhi.cases.states import HANDLE_CLOCK_STATUSES, Level, Outcome, Rating, Status
from huizhi.cases.transitions import PREVIOUS, SAME, TRANSITIONS, Transition


@dataclass
class _Move:
    """What one transition was asked to do, and what the effect wrote into the event."""

    actor: object
    now: datetime
    note: str = ""
    reason: str = ""
    unit: object = None
    due_at: datetime | None = None
    approver: object = None
    merged_into: Case | None = None
    outcome: str = ""
    data: dict = field(default_factory=dict)


def _require(condition: bool, message: str, code: str, field: str | None = None) -> None:
    if not condition:
        raise CaseActionError(message, code=code, field=field)


def _reject(case: Case, move: _Move) -> None:
    _require(
        move.outcome in (Outcome.NOT_OUR_RESPONSIBILITY, Outcome.INVALID),
        _("Say why it is rejected: not our responsibility, or not a valid report."),
        "bad_input",
    )
    case.outcome = move.outcome
    move.data["outcome"] = move.outcome


def _merge(case: Case, move: _Move) -> None:
    target = move.merged_into
    _require(
        target is not None and target.pk != case.pk and target.is_open,
        _("Choose the open case this one duplicates."),
        "bad_input",
    )
    _require(
        target.community_id == case.community_id,
        _("Only cases of the same community can be merged."),
        "bad_input",
    )
    case.merged_into, case.outcome = target, Outcome.DUPLICATE
    move.data["merged_into"] = target.pk


def _dispatch(case: Case, move: _Move) -> None:
    _require(move.unit is not None, _("Choose the handling unit."), "missing_unit")
    _require(
        move.due_at is None or move.due_at > move.now, _("The deadline must be in the future."), "bad_input"
    )
    _require(
        move.due_at is None or workcalendar.within_reach(move.due_at, move.now),
        _("The deadline must be within ten years from now."),
        "bad_input",
    )
    case.handling_unit = move.unit
    start_handle_clock(case, move.now, move.due_at)
    move.data.update(unit=move.unit.pk, unit_name=move.unit.name, due_at=case.handle_due_at.isoformat())


def _return(case: Case, move: _Move) -> None:
    move.data["unit_name"] = case.handling_unit.name if case.handling_unit_id else ""
    case.handling_unit = None


def _report_result(case: Case, move: _Move) -> None:
    _require(bool(move.note), _("Describe what was done."), "missing_reason")
    _require(
        bool(move.data.get("photos")) or not case.category.requires_result_photo,
        _("This category needs a photo of the result."),
        "missing_photo",
        field="photos",
    )


def _verify(case: Case, move: _Move) -> None:
    case.outcome, case.closed_at, case.rating, case.rated_at = Outcome.FIXED, move.now, "", None


def _verify_failed(case: Case, move: _Move) -> None:
    case.rework_count += 1
    start_handle_clock(case, move.now)
    move.data["rework_count"] = case.rework_count


def _escalate(case: Case, move: _Move) -> None:
    case.level = Level.STREET


def _suspend(case: Case, move: _Move) -> None:
    approver = move.approver
    _require(
        approver is not None
        and approver.pk != move.actor.pk
        and any(case.place_code.startswith(c) for c in scopes_of(approver).codes_for(Role.STREET_ADMIN)),
        _("A suspension is approved by the street leadership over this case."),
        "bad_input",
    )
    case.suspended_from = case.status
    if case.status in HANDLE_CLOCK_STATUSES and case.handle_due_at:
        case.suspended_remaining_seconds = workcalendar.between(
            move.now, case.handle_due_at, case.handle_clock_working
        )
    move.data.update(approver=approver.pk, approver_name=str(approver))


def _resume(case: Case, move: _Move) -> None:
    if case.suspended_remaining_seconds is not None and case.handle_limit_seconds:
        set_handle_clock(
            case,
            move.now,
            case.suspended_remaining_seconds,
            case.handle_limit_seconds,
            case.handle_clock_working,
        )
    case.suspended_remaining_seconds = None


def _reopen(case: Case, move: _Move) -> None:
    window = timedelta(days=settings.HUIZHI_REOPEN_WINDOW_DAYS)
    _require(
        case.closed_at is not None and move.now - case.closed_at <= window,
        _("A case can be reopened within %(days)d days of closing.") % {"days": window.days},
        "wrong_state",
    )
    _require(
        case.handling_unit_id is not None,
        _("The case has no handling unit to send it back to."),
        "wrong_state",
    )
    case.reopen_count += 1
    case.closed_at, case.outcome = None, ""
    start_handle_clock(case, move.now)


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

EFFECTS = {
    "reject": _reject,
    "merge": _merge,
    "dispatch": _dispatch,
    "return": _return,
    "report_result": _report_result,
    "verify": _verify,
    "verify_failed": _verify_failed,
    "escalate": _escalate,
    "suspend": _suspend,
    "resume": _resume,
    "reopen": _reopen,
}


def _apply(case: Case, transition: Transition, move: _Move, photos=(), check_actor: bool = True) -> Case:
    """Check and make one move on a locked case; append its event."""
    _require(
        transition.applies_to(case),
        _("The case is now “%(status)s”; it cannot be “%(action)s”.")
        % {"status": case.get_status_display(), "action": transition.label},
        "wrong_state",
    )
    _require(
        not check_actor or may_take(move.actor, case, transition),
        _("Your roles do not allow “%(action)s” on this case.") % {"action": transition.label},
        "not_allowed",
    )
    if "reason" in transition.needs:
        _require(bool(move.reason), _("Give a reason."), "missing_reason")
    move.data["photos"] = len(photos)
    from_status = case.status
    if effect := EFFECTS.get(transition.action):
        effect(case, move)
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
    _require(transition is not None, _("Unknown action “%(action)s”.") % {"action": action}, "bad_input")
    note = clean_text(note, label=_("Note"), required=False)
    reason = clean_text(reason, label=_("Reason"), required=False)
    cleaned = clean_photos(photos)
    with transaction.atomic():
        case = _locked(case_id)
        if expected_version is not None and case.version != expected_version:
            raise CaseActionError(
                _("Someone else acted on this case first: it is now “%(status)s”. Look again before acting.")
                % {"status": case.get_status_display()},
                code="moved_on",
            )
        move = _Move(
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
        return _apply(case, transition, move, cleaned)


def case_rate(*, actor, case_id: int, rating: str, comment: str = "") -> Case:
    """The reporter rates a closed case once; 不满意 within the window reopens it to dispatched."""
    _require(rating in Rating.values, _("Choose a rating."), "bad_input")
    comment = clean_text(comment, label=_("Comment"), required=False)
    with transaction.atomic():
        case = _locked(case_id)
        _require(case.status == Status.CLOSED, _("Only a closed case can be rated."), "wrong_state")
        _require(
            case.reporter_id is not None and case.reporter_id == actor.pk,
            _("Only the person who reported it can rate it."),
            "not_allowed",
        )
        _require(not case.rating, _("This case has already been rated."), "wrong_state")
        now = timezone.now()
        case.rating, case.rated_at = rating, now
        case.save(update_fields=["rating", "rated_at", "updated_at"])
        record_event(
            case=case,
            actor=actor,
            action="rate",
            from_status=case.status,
            to_status=case.status,
            note=comment,
            data={"rating": rating},
        )
        within = case.closed_at and now - case.closed_at <= timedelta(days=settings.HUIZHI_REOPEN_WINDOW_DAYS)
        if rating == Rating.UNSATISFIED and within and case.handling_unit_id:
            move = _Move(actor=actor, now=now, reason=comment or _("Rated unsatisfied"))
            # The reporter's unsatisfied rating within the window is itself the authority to reopen
            # (DESIGN §4); the reopen row's actor rule is for staff reopening directly.
            _apply(case, TRANSITIONS["reopen"], move, check_actor=False)
        return case
