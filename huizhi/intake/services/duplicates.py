"""Acting on duplicates: supporting a case instead of filing it again, and merging cases."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huizhi.cases.models import Case
from huizhi.cases.permissions import cases_visible_to
from huizhi.cases.services import CaseActionError, case_transition
from huizhi.intake.models import CaseSupport


def case_support(*, actor, case_id: int) -> tuple[Case, bool]:
    """(case, newly supported): `actor` has the same problem as this open case they may see and
    adds their voice instead of a new report. Supporting twice counts once."""
    case = cases_visible_to(actor).filter(pk=case_id).first()
    if case is None:
        raise CaseActionError(_("No such case."), code="not_found")
    if not case.is_open:
        raise CaseActionError(_("This case is closed; report the problem anew."), code="wrong_state")
    try:
        with transaction.atomic():
            _support, created = CaseSupport.objects.get_or_create(case=case, user=actor)
    except IntegrityError:  # the same person's double click, both inserting at once
        created = False
    return case, created


def cases_merge(*, actor, survivor: Case, duplicates: list[Case]) -> list[Case]:
    """Close each of `duplicates` as a duplicate of `survivor` (the case loop's merge: the same
    community, only reported cases, each reporter told by the loop's notifications), all or none."""
    if not duplicates:
        raise CaseActionError(_("Choose the cases to merge."), code="bad_input")
    if any(d.pk == survivor.pk for d in duplicates):
        raise CaseActionError(_("A case cannot be merged into itself."), code="bad_input")
    with transaction.atomic():
        return [
            case_transition(actor=actor, case_id=d.pk, action="merge", merged_into=survivor)
            for d in duplicates
        ]
