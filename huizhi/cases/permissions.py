"""Who may see and act on a case. The actor rules named in transitions.TRANSITIONS live here."""

import operator
from collections.abc import Callable
from functools import reduce

import rules
from django.db.models import Q, QuerySet
from django.http import Http404

from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import Scopes, scopes_of
from huizhi.cases.models import Case, SupervisionNotice
from huizhi.cases.states import Level, Status
from huizhi.cases.transitions import TRANSITIONS, Transition
from huizhi.places.codes import CODE_RULES
from huizhi.places.kinds import PlaceKind

UNIT_ROLES = (Role.HANDLING_UNIT, Role.SERVICE_OPERATOR)

# The actor rules below ask `roles_only`: taking a step of the loop is the role's work, so being a
# superuser lets one read every case but take no step without the role.


def _is_community_staff(user, case: Case, scopes: Scopes) -> bool:
    return scopes.covers(case.place_code, Role.COMMUNITY_STAFF, roles_only=True)


def _is_staff(user, case: Case, scopes: Scopes) -> bool:
    """Community staff of the case's community; street leadership once it is at street level."""
    if _is_community_staff(user, case, scopes):
        return True
    return case.level == Level.STREET and scopes.covers(case.place_code, Role.STREET_ADMIN, roles_only=True)


def _is_unit(user, case: Case, scopes: Scopes) -> bool:
    return case.handling_unit_id is not None and case.handling_unit_id in scopes.organisations_for(
        *UNIT_ROLES
    )


def _is_verifier(user, case: Case, scopes: Scopes) -> bool:
    """The grid worker of the case's grid, or staff — never the unit that did the work."""
    if _is_unit(user, case, scopes):
        return False
    return scopes.covers(case.place_code, Role.GRID_WORKER, roles_only=True) or _is_staff(user, case, scopes)


COMMUNITY_CODE_LENGTH = CODE_RULES[PlaceKind.COMMUNITY][1]


def delegated_categories(user, community_id: int | None) -> frozenset[int]:
    """The subclasses whose cases the community lets its grid workers accept and dispatch. For a
    grid worker, every community of their grids is read in one query, once per request (kept on the
    user object, as the scopes are), however many cases a list checks."""
    cache = user.__dict__.get("_huizhi_delegations")
    if cache is None:
        from huizhi.cases.models import DispatchDelegation

        communities = {code[:COMMUNITY_CODE_LENGTH] for code in scopes_of(user).codes_for(Role.GRID_WORKER)}
        rows = DispatchDelegation.objects.filter(community__code__in=communities).values_list(
            "community_id", "category_id"
        )
        cache = {}
        for community, category in rows:
            cache.setdefault(community, set()).add(category)
        user.__dict__["_huizhi_delegations"] = cache
    return frozenset(cache.get(community_id, ()))


def _is_delegated_grid_worker(user, case: Case, scopes: Scopes) -> bool:
    """The grid worker of the case's grid, where the community lets grid workers dispatch its subclass."""
    return scopes.covers(case.place_code, Role.GRID_WORKER, roles_only=True) and (
        case.category_id in delegated_categories(user, case.community_id)
    )


def _is_reporter(user, case: Case, scopes: Scopes) -> bool:
    return case.reporter_id is not None and case.reporter_id == user.pk


ACTOR_RULES: dict[str, Callable[[object, Case, Scopes], bool]] = {
    "community_staff": _is_community_staff,
    "staff": _is_staff,
    "delegated_grid_worker": _is_delegated_grid_worker,
    "unit": _is_unit,
    "verifier": _is_verifier,
    "reporter": _is_reporter,
}


def may_take(user, case: Case, transition: Transition) -> bool:
    """Whether `user`'s roles allow `transition` on `case` (its state is checked separately)."""
    if not getattr(user, "is_authenticated", False):
        return False
    scopes = scopes_of(user)
    return any(ACTOR_RULES[rule](user, case, scopes) for rule in transition.who)


def available_transitions(user, case: Case) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if t.applies_to(case) and may_take(user, case, t)]


def _work_scope_q(user, scopes: Scopes) -> Q | None:
    q = None
    if scopes.place_codes:
        q = scopes.q("place_code")
    if units := scopes.organisations_for(*UNIT_ROLES):
        unit_q = Q(handling_unit_id__in=units)
        q = unit_q if q is None else q | unit_q
    return q


def cases_in_work_scope(user) -> QuerySet[Case]:
    """The cases a user's roles cover: their places' cases and their unit's tasks (the queues).

    Kept apart from the reporter's own cases so that a queue filter stays an indexed range."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return Case.objects.all()
    q = _work_scope_q(user, scopes)
    return Case.objects.filter(q) if q is not None else Case.objects.none()


def _visible_filters(user) -> list[Q] | None:
    """What makes a case visible to `user`, one filter a reason: their work scope, then their own
    reports (an integrating system, huizhi.api.clients.SystemClient, has no user row to have
    reported). None: every case; an empty list: none."""
    if not getattr(user, "is_authenticated", False):
        return []
    scopes = scopes_of(user)
    if scopes.sees_everything:
        return None
    filters = [work] if (work := _work_scope_q(user, scopes)) is not None else []
    return filters + [Q(reporter_id=user.pk)] if user.pk else filters


def cases_visible_to(user) -> QuerySet[Case]:
    """Cases in the user's place scope, dispatched to their unit, or reported by them."""
    filters = _visible_filters(user)
    if filters is None:
        return Case.objects.all()
    return Case.objects.filter(reduce(operator.or_, filters)) if filters else Case.objects.none()


def visible_case_parts(user) -> list[QuerySet[Case]]:
    """`cases_visible_to(user)` as disjoint parts whose union it is, each answered by one index:
    the work scope, then their own reports outside it. No one index answers the OR of the two, so
    counting the whole list visits every row it holds (a street's list: a sequential scan)."""
    filters = _visible_filters(user)
    if filters is None:
        return [Case.objects.all()]
    return [
        Case.objects.filter(q).exclude(reduce(operator.or_, filters[:n])) if n else Case.objects.filter(q)
        for n, q in enumerate(filters)
    ] or [Case.objects.none()]


# Roles whose places hold a case and who work it face to face: they see who reported it and the
# exact point. Handling units, representatives, integrating systems and the public do not.
PARTICULARS_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISCIPLINE_COMMISSIONER, Role.STREET_ADMIN)


def sees_case_particulars(user, case: Case) -> bool:
    """Whether `user` reads the reporter's name and the exact map point of `case`, everywhere it is
    shown (case page, REST, Open311); everyone else gets the name masked and the point of the
    case's place, as the public pages show it."""
    if not getattr(user, "is_authenticated", False):
        return False
    scopes = scopes_of(user)
    return _is_reporter(user, case, scopes) or scopes.covers(case.place_code, *PARTICULARS_ROLES)


def filing_scope(user) -> tuple[str, ...] | None:
    """The place codes `user` may file cases in: their place scope when they hold one (a key for a
    community files only there), else anywhere (None) — a resident reports wherever they see the
    problem, and reads it back as its reporter."""
    scopes = scopes_of(user)
    if scopes.sees_everything or not scopes.place_codes:
        return None
    return scopes.place_codes


CASE_PAGE_RELATED = ("category", "place", "grid", "community", "handling_unit", "reporter")


def get_case_for_user(
    user, pk: int, *, related: tuple[str, ...] = CASE_PAGE_RELATED, prefetch: tuple[str, ...] = ()
) -> Case:
    """The case, or 404 both when there is none and when the user may not see it; read in one query
    with the `related` rows its reader needs (and `prefetch`'s), not read again to get them."""
    case = cases_visible_to(user).select_related(*related).prefetch_related(*prefetch).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


@rules.predicate
def can_view_case(user, case: Case) -> bool:
    return cases_visible_to(user).filter(pk=case.pk).exists()


@rules.predicate
def can_supervise_case(user, case: Case) -> bool:
    """The discipline commissioner over the case's place may issue a 督办单 to its handling unit.
    Supervision is that office's own (`roles_only`): a superuser without the role issues none."""
    return (
        case.handling_unit_id is not None
        and case.is_open
        and scopes_of(user).covers(case.place_code, Role.DISCIPLINE_COMMISSIONER, roles_only=True)
    )


@rules.predicate
def can_answer_notice(user, notice: SupervisionNotice) -> bool:
    return not notice.is_answered and notice.unit_id in scopes_of(user).organisations_for(*UNIT_ROLES)


@rules.predicate
def can_rate_case(user, case: Case) -> bool:
    return case.status == Status.CLOSED and not case.rating and _is_reporter(user, case, scopes_of(user))


@rules.predicate
def can_report_case(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


@rules.predicate
def can_supervise(user) -> bool:
    # As can_supervise_case: the commissioner's own work, not every superuser's.
    return scopes_of(user).holds(Role.DISCIPLINE_COMMISSIONER, roles_only=True)


# Call-backs (回访) are community staff's work, and the street's for cases in its communities.
CALLBACK_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_ADMIN)


def can_call_back(user, case: Case) -> bool:
    """Staff over the case's place (the role's own work, `roles_only`) call back its closed cases."""
    if not getattr(user, "is_authenticated", False):
        return False
    return scopes_of(user).covers(case.place_code, *CALLBACK_ROLES, roles_only=True)


@rules.predicate
def can_call_back_any(user) -> bool:
    return scopes_of(user).holds(*CALLBACK_ROLES, roles_only=True)


rules.add_perm("cases.view_case", can_view_case)
rules.add_perm("cases.supervise_case", can_supervise_case)
rules.add_perm("cases.answer_notice", can_answer_notice)
rules.add_perm("cases.rate_case", can_rate_case)
rules.add_perm("cases.report_case", can_report_case)
rules.add_perm("cases.supervise", can_supervise)
rules.add_perm("cases.call_back", can_call_back_any)


@rules.predicate
def can_configure_categories(user) -> bool:
    """Street leadership sets categories' time limits and closing conditions (DESIGN §2, §4)."""
    return scopes_of(user).holds(Role.STREET_ADMIN)


rules.add_perm("cases.configure_categories", can_configure_categories)


@rules.predicate
def can_delegate_dispatch(user) -> bool:
    """Community staff say which subclasses their grid workers may accept and dispatch themselves."""
    return scopes_of(user).holds(Role.COMMUNITY_STAFF, roles_only=True)


rules.add_perm("cases.delegate_dispatch", can_delegate_dispatch)
