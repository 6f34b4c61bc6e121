from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Category
from huizhi.cases.permissions import can_configure_categories
from huizhi.cases.services.common import clean_text
from huizhi.cases.states import ClockUnit
from huizhi.core.audit import audit_record

MAX_LIMIT = Decimal("999")

EDITABLE = (
    "accept_limit",
    "accept_unit",
    "handle_limit",
    "handle_unit",
    "closing_condition",
    "requires_result_photo",
    "is_active",
    "is_public",
)


@transaction.atomic
def category_update(*, actor, category_id: int, **changes) -> Category:
    """Change a subclass's limits and closing condition. New limits apply to clocks set from now on;
    running clocks keep the deadline they were given."""
    if not can_configure_categories(actor):
        raise CaseActionError(_("Only the street leadership can change categories."), code="not_allowed")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise CaseActionError(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="bad_input"
        )
    category = Category.objects.select_for_update().get(pk=category_id)
    for name, value in changes.items():
        setattr(category, name, value)
    for name in ("accept_limit", "handle_limit"):
        value = Decimal(getattr(category, name))
        if not Decimal("0") < value <= MAX_LIMIT:
            raise CaseActionError(
                _("A time limit is more than 0 and at most %(max)s.") % {"max": MAX_LIMIT}, code="bad_input"
            )
    for name in ("accept_unit", "handle_unit"):
        if getattr(category, name) not in ClockUnit.values:
            raise CaseActionError(_("Unknown unit of time."), code="bad_input")
    category.closing_condition = clean_text(
        category.closing_condition, label=_("Closing condition"), max_length=1000, required=False
    )
    try:
        category.full_clean()
    except ValidationError as exc:
        raise CaseActionError(" ".join(exc.messages), code="bad_input") from exc
    category.save(update_fields=list(changes))
    audit_record(actor=actor, action="cases.category.change", target=category, changes=changes)
    return category
