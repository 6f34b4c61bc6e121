"""Who approves suspending a case: one rule, read both by the list the page and the API offer and
by the suspend transition that accepts or refuses the approver chosen."""

from django.db.models import QuerySet

from huizhi.accounts.models import User
from huizhi.accounts.roles import Role
from huizhi.cases.models import Case


def suspension_approvers(case: Case, *, actor=None) -> QuerySet[User]:
    """The street leadership over the case: active users holding the street administrator's role
    over a place that holds it (its street, or the district above). Never `actor`: nobody approves
    their own suspension."""
    # The places that hold the case are those whose codes begin its code (codes nest, DESIGN §3).
    holding = [case.place_code[:length] for length in range(1, len(case.place_code) + 1)]
    approvers = User.objects.filter(
        is_active=True, roles__role=Role.STREET_ADMIN, roles__place__code__in=holding
    ).distinct()
    if getattr(actor, "pk", None) is not None:
        approvers = approvers.exclude(pk=actor.pk)
    return approvers


def may_approve_suspension(approver, case: Case, *, actor) -> bool:
    """Whether `approver` may approve `actor`'s suspending `case` (the rule of suspension_approvers)."""
    return approver is not None and suspension_approvers(case, actor=actor).filter(pk=approver.pk).exists()
