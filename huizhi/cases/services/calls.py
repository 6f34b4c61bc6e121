"""One tap to call the person who reported a case, or the unit handling it, for those whose work
is face to face with it (issue 18). The number is personal data: it leaves its encryption only
here, after the reveal is written to the access log (huizhi.core.reveals)."""

from django.utils.translation import gettext as _

from huizhi.accounts.models import RoleAssignment
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case
from huizhi.cases.permissions import PARTICULARS_ROLES, UNIT_ROLES, cases_visible_to
from huizhi.core.reveals import Reveal, log_reveal

REPORTER, UNIT = "reporter", "unit"
# Who calls a case's unit: those who dispatch and chase it on the ground.
UNIT_CALLERS = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.STREET_ADMIN, Role.DISCIPLINE_COMMISSIONER)


def may_call(user, case: Case, who: str) -> bool:
    """Whether `user` may reveal the number of the case's reporter or unit to call it."""
    if not getattr(user, "is_authenticated", False):
        return False
    scopes = scopes_of(user)
    if who == REPORTER:
        return (
            case.reporter_id is not None
            and case.reporter_id != user.pk
            and scopes.covers(case.place_code, *PARTICULARS_ROLES, roles_only=True)
        )
    if who == UNIT:
        return case.handling_unit_id is not None and scopes.covers(
            case.place_code, *UNIT_CALLERS, roles_only=True
        )
    return False


def _unit_number(case: Case) -> str:
    """The mobile of the unit's first active account that has one (the unit's duty phone)."""
    holders = RoleAssignment.objects.filter(
        organisation_id=case.handling_unit_id, role__in=UNIT_ROLES, user__is_active=True
    ).select_related("user")
    return next((row.user.mobile for row in holders.order_by("user_id") if row.user.mobile), "")


def case_call_number(
    *, actor, case_id: int, who: str, ip_address: str | None = None, user_agent: str = ""
) -> str:
    """The full number to call; refused unless `may_call`, logged before it is returned."""
    case = cases_visible_to(actor).select_related("reporter").filter(pk=case_id).first()
    if case is None:
        raise CaseActionError(_("No such case."), code="not_found")
    if not may_call(actor, case, who):
        raise CaseActionError(_("Your roles do not allow calling from this case."), code="not_allowed")
    number = case.reporter.mobile if who == REPORTER else _unit_number(case)
    if not number:
        raise CaseActionError(_("There is no number to call."), code="not_found")
    reason = (
        _("call the reporter of %(case)s") if who == REPORTER else _("call the handling unit of %(case)s")
    ) % {"case": case.reference}
    log_reveal(
        Reveal(
            user=actor,
            field="mobile",
            place_code=case.place_code,
            reason=reason,
            ip_address=ip_address,
            user_agent=user_agent,
        )
    )
    return number
