from django.db import transaction
from django.utils.translation import gettext as _

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Category, DispatchDelegation
from huizhi.core.audit import audit_record
from huizhi.places.kinds import PlaceKind


@transaction.atomic
def dispatch_delegation_set(*, actor, community, category_ids) -> list[Category]:
    """Which subclasses the community's grid workers may accept and dispatch themselves: exactly
    these, from now on (DESIGN §15; the case loop's transition table reads it). Audited."""
    if community.kind != PlaceKind.COMMUNITY or not scopes_of(actor).covers(
        community.code, Role.COMMUNITY_STAFF, roles_only=True
    ):
        raise CaseActionError(_("Only the community's staff decide this."), code="not_allowed")
    wanted = set(category_ids)
    categories = list(Category.objects.filter(pk__in=wanted, parent__isnull=False, is_active=True))
    if len(categories) != len(wanted):
        raise CaseActionError(_("Choose active subclasses only."), code="bad_input")
    before = set(DispatchDelegation.objects.filter(community=community).values_list("category_id", flat=True))
    DispatchDelegation.objects.filter(community=community).exclude(category_id__in=wanted).delete()
    DispatchDelegation.objects.bulk_create(
        [
            DispatchDelegation(community=community, category=c, granted_by=actor)
            for c in categories
            if c.pk not in before
        ]
    )
    if before != wanted:
        codes = sorted(c.code for c in categories)
        audit_record(
            actor=actor, action="dispatch_delegation_set", target=community, changes={"categories": codes}
        )
    return categories
