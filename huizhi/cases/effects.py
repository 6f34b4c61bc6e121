"""What each transition writes on the case besides its state: the `effect` of a row of the table
(huizhi.cases.transitions). Each checks the inputs it needs and writes on the locked row, which the
one transition service (huizhi.cases.services.transition) then saves with the event.

Effects import nothing from the services: the table is read by the permissions, which the
services import."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from huizhi.cases import workcalendar
from huizhi.cases.approvals import may_approve_suspension
from huizhi.cases.clocks import set_handle_clock, start_handle_clock
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case
from huizhi.cases.states import HANDLE_CLOCK_STATUSES, Level, Outcome


@dataclass
class Move:
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


def require(condition: bool, message: str, code: str, field: str | None = None) -> None:
    if not condition:
        raise CaseActionError(message, code=code, field=field)


def reject(case: Case, move: Move) -> None:
    require(
        move.outcome in (Outcome.NOT_OUR_RESPONSIBILITY, Outcome.INVALID),
        _("Say why it is rejected: not our responsibility, or not a valid report."),
        "bad_input",
    )
    case.outcome = move.outcome
    move.data["outcome"] = move.outcome


def merge(case: Case, move: Move) -> None:
    target = move.merged_into
    require(
        target is not None and target.pk != case.pk and target.is_open,
        _("Choose the open case this one duplicates."),
        "bad_input",
    )
    require(
        target.community_id == case.community_id,
        _("Only cases of the same community can be merged."),
        "bad_input",
    )
    case.merged_into, case.outcome = target, Outcome.DUPLICATE
    move.data["merged_into"] = target.pk


def dispatch(case: Case, move: Move) -> None:
    require(move.unit is not None, _("Choose the handling unit."), "missing_unit")
    require(
        move.due_at is None or move.due_at > move.now, _("The deadline must be in the future."), "bad_input"
    )
    require(
        move.due_at is None or workcalendar.within_reach(move.due_at, move.now),
        _("The deadline must be within ten years from now."),
        "bad_input",
    )
    case.handling_unit = move.unit
    start_handle_clock(case, move.now, move.due_at)
    move.data.update(unit=move.unit.pk, unit_name=move.unit.name, due_at=case.handle_due_at.isoformat())


def return_to_community(case: Case, move: Move) -> None:
    move.data["unit_name"] = case.handling_unit.name if case.handling_unit_id else ""
    case.handling_unit = None


def report_result(case: Case, move: Move) -> None:
    require(bool(move.note), _("Describe what was done."), "missing_reason")
    require(
        bool(move.data.get("photos")) or not case.category.requires_result_photo,
        _("This category needs a photo of the result."),
        "missing_photo",
        field="photos",
    )


def verify(case: Case, move: Move) -> None:
    case.outcome, case.closed_at, case.rating, case.rated_at = Outcome.FIXED, move.now, "", None


def verify_failed(case: Case, move: Move) -> None:
    case.rework_count += 1
    start_handle_clock(case, move.now)
    move.data["rework_count"] = case.rework_count


def escalate(case: Case, move: Move) -> None:
    case.level = Level.STREET


def suspend(case: Case, move: Move) -> None:
    approver = move.approver
    require(
        may_approve_suspension(approver, case, actor=move.actor),
        _("A suspension is approved by the street leadership over this case."),
        "bad_input",
    )
    case.suspended_from = case.status
    if case.status in HANDLE_CLOCK_STATUSES and case.handle_due_at:
        case.suspended_remaining_seconds = workcalendar.between(
            move.now, case.handle_due_at, case.handle_clock_working
        )
    move.data.update(approver=approver.pk, approver_name=str(approver))


def resume(case: Case, move: Move) -> None:
    if case.suspended_remaining_seconds is not None and case.handle_limit_seconds:
        set_handle_clock(
            case,
            move.now,
            case.suspended_remaining_seconds,
            case.handle_limit_seconds,
            case.handle_clock_working,
        )
    case.suspended_remaining_seconds = None


def reopen(case: Case, move: Move) -> None:
    window = timedelta(days=settings.HUIZHI_REOPEN_WINDOW_DAYS)
    require(
        case.closed_at is not None and move.now - case.closed_at <= window,
        _("A case can be reopened within %(days)d days of closing.") % {"days": window.days},
        "wrong_state",
    )
    require(
        case.handling_unit_id is not None,
        _("The case has no handling unit to send it back to."),
        "wrong_state",
    )
    case.reopen_count += 1
    case.closed_at, case.outcome = None, ""
    start_handle_clock(case, move.now)
