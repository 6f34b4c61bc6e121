from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.cases import workcalendar
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case, SupervisionNotice
from huizhi.cases.permissions import can_answer_notice, can_supervise_case
from huizhi.cases.services.common import clean_text, record_event
from huizhi.cases.states import Action


def supervision_notice_issue(
    *, actor, case_id: int, requirement: str, reply_due_at: datetime
) -> SupervisionNotice:
    """A 督办单 to the case's handling unit; it goes into the timeline. The case itself is untouched."""
    case = Case.objects.select_related("handling_unit").get(pk=case_id)
    if not can_supervise_case(actor, case):
        raise CaseActionError(
            _(
                "Only the discipline commissioner over this case can issue a supervision notice, "
                "and only while a handling unit has it."
            ),
            code="not_allowed",
        )
    requirement = clean_text(requirement, label=_("Requirement"), max_length=2000)
    now = timezone.now()
    if reply_due_at <= now:
        raise CaseActionError(_("The reply deadline must be in the future."), code="bad_input")
    if not workcalendar.within_reach(reply_due_at, now):
        raise CaseActionError(_("The reply deadline must be within ten years from now."), code="bad_input")
    with transaction.atomic():
        notice = SupervisionNotice.objects.create(
            case=case,
            unit=case.handling_unit,
            place_code=case.place_code,
            issued_by=actor,
            requirement=requirement,
            reply_due_at=reply_due_at,
        )
        record_event(
            case=case,
            actor=actor,
            action=Action.SUPERVISE,
            from_status=case.status,
            to_status=case.status,
            note=requirement,
            data={
                "notice": notice.pk,
                "reply_due_at": reply_due_at.isoformat(),
                "unit_name": case.handling_unit.name,
            },
        )
    return notice


def supervision_notice_answer(*, actor, notice_id: int, reply: str) -> SupervisionNotice:
    """The handling unit's answer to a notice, once; it goes into the timeline."""
    reply = clean_text(reply, label=_("Reply"), max_length=2000)
    with transaction.atomic():
        notice = SupervisionNotice.objects.select_for_update().select_related("case").get(pk=notice_id)
        if not can_answer_notice(actor, notice):
            raise CaseActionError(
                _("This notice is answered by its handling unit, once."), code="not_allowed"
            )
        notice.reply, notice.replied_by, notice.replied_at = reply, actor, timezone.now()
        notice.save(update_fields=["reply", "replied_by", "replied_at"])
        case = notice.case
        record_event(
            case=case,
            actor=actor,
            action=Action.SUPERVISION_REPLY,
            from_status=case.status,
            to_status=case.status,
            note=reply,
            data={"notice": notice.pk},
        )
    return notice
