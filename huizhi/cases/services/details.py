"""Changes to a case that are not moves between states: the unit named for it before dispatch, and
its priority. Like the transitions, each locks the row and leaves a line on the timeline."""

from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.cases.effects import require
from huizhi.cases.models import Case
from huizhi.cases.permissions import may_take
from huizhi.cases.selectors import dispatch_units_for
from huizhi.cases.services.common import clean_text, record_event
from huizhi.cases.states import Status
from huizhi.cases.transitions import TRANSITIONS, Action

PRIORITY_MAX = 32767  # the field's limit (a PositiveSmallIntegerField)


def _locked(case_id: int) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("handling_unit").get(pk=case_id)


def case_route(*, actor, case_id: int, unit, reason: str = "") -> Case:
    """Name the unit a case not yet dispatched goes to: one of its street's active units, named by
    the person who filed it or by staff who may dispatch it. Dispatching still sends it there.

    The case's version stays: the unit named is a suggestion for dispatch, not a move that makes
    what someone else is about to do on the case wrong."""
    reason = clean_text(reason, label=_("Reason"), required=False)
    with transaction.atomic():
        case = _locked(case_id)
        require(
            case.status in (Status.REPORTED, Status.ACCEPTED),
            _("The case is now “%(status)s”; its unit is changed by the case's own steps.")
            % {"status": case.get_status_display()},
            "wrong_state",
        )
        filed_it = case.reporter_id is not None and case.reporter_id == getattr(actor, "pk", None)
        require(
            filed_it or may_take(actor, case, TRANSITIONS[Action.DISPATCH]),
            _("Only the person who filed the case, or staff who dispatch it, name its unit."),
            "not_allowed",
        )
        require(
            unit is not None and dispatch_units_for(case).filter(pk=unit.pk).exists(),
            _("Choose one of the street's units."),
            "missing_unit",
            field="unit",
        )
        if case.handling_unit_id == unit.pk:
            return case
        case.handling_unit = unit
        case.save(update_fields=["handling_unit", "updated_at"])
        record_event(
            case=case,
            actor=actor,
            action=Action.ROUTE,
            from_status=case.status,
            to_status=case.status,
            note=reason,
            data={"unit": unit.pk, "unit_name": unit.name},
        )
        return case


def case_set_priority(*, actor, case_id: int, priority: int, reason: str = "") -> Case:
    """Set how urgent a case is (0 up to the field's limit); an unchanged priority writes nothing.

    No role is checked: the priority is no one's judgement but follows what the neighbours support
    on the wall, which calls this (`actor` may be None: the system). Its time of change is not the
    case's `updated_at`, which tells integrating systems what they read has changed; they are not
    shown the priority."""
    require(
        isinstance(priority, int) and 0 <= priority <= PRIORITY_MAX,
        _("A priority is a whole number from 0 to %(max)d.") % {"max": PRIORITY_MAX},
        "bad_input",
    )
    reason = clean_text(reason, label=_("Reason"), required=False)
    with transaction.atomic():
        case = _locked(case_id)
        if case.priority == priority:
            return case
        was, case.priority = case.priority, priority
        case.save(update_fields=["priority"])
        record_event(
            case=case,
            actor=actor,
            action=Action.SET_PRIORITY,
            from_status=case.status,
            to_status=case.status,
            note=reason,
            data={"priority": priority, "was": was},
        )
        return case
