"""Call-backs (回访): after a patrol, hotline or meeting case closes, staff ring the people it
concerned and hear whether they are satisfied. Each call is a row of CallBack and a `callback` line
on the case's timeline; a reached one's satisfaction counts in the satisfaction rate
(huizhi.stats.metrics, "satisfied")."""

from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.cases.effects import require
from huizhi.cases.models import CallBack, Case
from huizhi.cases.permissions import can_call_back
from huizhi.cases.services.common import clean_text, record_event
from huizhi.cases.states import CALLBACK_SOURCES, Action, Rating, Status

# A resident not reached is tried again, up to this many calls in all; then the case leaves the list.
MAX_ATTEMPTS = 3
CALLEE_MAX = 120


def callback_record(
    *, actor, case_id: int, reached: bool, satisfaction: str = "", note: str = "", callee: str = ""
) -> CallBack:
    """Record one call-back of a closed patrol, hotline or meeting case by staff over its place:
    reached (with a satisfaction on the case loop's rating scale) or not reached (with none).

    A case is called back until someone is reached, at most MAX_ATTEMPTS times; a call after the
    reached one, or on a case its reporter has rated already, is refused (`already_called_back`)
    rather than overwriting what a resident said."""
    note = clean_text(note, label=_("Note"), max_length=2000, required=False)
    callee = clean_text(callee, label=_("Person called"), max_length=CALLEE_MAX, required=False)
    if reached:
        require(
            satisfaction in Rating.values,
            _("Say how satisfied the person reached is."),
            "missing_satisfaction",
            field="satisfaction",
        )
    else:
        require(
            not satisfaction,
            _("No satisfaction is recorded for a call that reached no one."),
            "bad_input",
            field="satisfaction",
        )
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
        require(
            can_call_back(actor, case),
            _("Only staff over the case's place call back its residents."),
            "not_allowed",
        )
        require(
            case.source in CALLBACK_SOURCES,
            _("Only patrol, hotline and meeting cases are called back; residents rate their own reports."),
            "wrong_source",
        )
        require(
            case.status == Status.CLOSED,
            _("A case is called back once it is closed; it is now “%(status)s”.")
            % {"status": case.get_status_display()},
            "wrong_state",
        )
        require(not case.rating, _("Its reporter has rated this case already."), "already_called_back")
        earlier = list(case.callbacks.values_list("reached", flat=True))
        require(
            not any(earlier),
            _("Someone was reached on this case already: their answer stands."),
            "already_called_back",
        )
        require(
            len(earlier) < MAX_ATTEMPTS,
            _("This case was called %(count)d times without reaching anyone.") % {"count": len(earlier)},
            "already_called_back",
        )
        callback = CallBack.objects.create(
            case=case,
            called_by=actor,
            callee=callee,
            reached=reached,
            satisfaction=satisfaction if reached else "",
            note=note,
        )
        record_event(
            case=case,
            actor=actor,
            action=Action.CALLBACK,
            from_status=case.status,
            to_status=case.status,
            note=note,
            data={
                "callback": callback.pk,
                "reached": reached,
                "satisfaction": callback.satisfaction,
                "attempt": len(earlier) + 1,
            },
        )
        return callback
