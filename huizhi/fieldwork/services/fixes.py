"""Fixing on the spot (自行处置) and the staff's spot checks of a sample of the fixes."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Category
from huizhi.cases.notifications import notify
from huizhi.cases.services.onspot import case_fix_on_spot
from huizhi.core.audit import audit_record, model_action
from huizhi.fieldwork.models import SpotFix
from huizhi.fieldwork.permissions import can_check_fix
from huizhi.fieldwork.services.common import FieldworkError, clean_text, require
from huizhi.fieldwork.services.patrols import open_patrol_of
from huizhi.places.models import Place

# The share of fixes drawn for a spot check, in percent. Staff may check any fix; these come first.
SAMPLE_PERCENT = 30
CHECK_NOTE_MAX = 500


def _drawn_for_sample() -> bool:
    return secrets.randbelow(100) < SAMPLE_PERCENT


@transaction.atomic
def spot_fix_file(
    *,
    actor,
    category: Category,
    title: str,
    description: str,
    done: str,
    place: Place,
    photos_before=(),
    photos_after=(),
    lon: float | None = None,
    lat: float | None = None,
) -> SpotFix:
    """A problem the grid worker found and fixed: a closed case of the patrol source (through the
    case services), linked to the open patrol if any, and drawn or not for a spot check."""
    try:
        case = case_fix_on_spot(
            actor=actor,
            category=category,
            title=title,
            description=description,
            done=done,
            place=place,
            photos_before=photos_before,
            photos_after=photos_after,
            lon=lon,
            lat=lat,
        )
    except CaseActionError as exc:
        raise FieldworkError(" ".join(exc.messages), code=exc.code, field=exc.field) from exc
    return SpotFix.objects.create(
        case=case,
        worker=actor,
        patrol=open_patrol_of(actor),
        place_code=case.place_code,
        created_at=case.created_at,
        in_sample=_drawn_for_sample(),
    )


@transaction.atomic
def spot_check_record(*, actor, fix_id: int, result: str, note: str = "") -> SpotFix:
    """Staff over the fix's place record what they found there: fixed, or not (with a note, which
    the worker is told). A fix is checked once."""
    fix = SpotFix.objects.select_for_update(of=("self",)).select_related("case").filter(pk=fix_id).first()
    require(can_check_fix(actor, fix), _("You cannot check this fix."), "not_allowed")
    require(fix.check_result == SpotFix.Check.UNCHECKED, _("This fix has already been checked."), "already")
    require(
        result in (SpotFix.Check.OK, SpotFix.Check.NOT_OK), _("Say whether it was fixed."), field="result"
    )
    note = clean_text(
        note,
        label=_("Note"),
        field="note",
        max_length=CHECK_NOTE_MAX,
        required=result == SpotFix.Check.NOT_OK,
    )
    fix.check_result, fix.check_note = result, note
    fix.checked_by, fix.checked_at = actor, timezone.now()
    fix.save(update_fields=["check_result", "check_note", "checked_by", "checked_at"])
    audit_record(
        actor=actor, action=model_action(fix, "check"), target=fix, changes={"result": result, "note": note}
    )
    if result == SpotFix.Check.NOT_OK:
        notify(
            [fix.worker_id],
            _("Spot check of %(reference)s: not fixed. %(note)s")
            % {"reference": fix.case.reference, "note": note},
            case_id=fix.case_id,
        )
    return fix
