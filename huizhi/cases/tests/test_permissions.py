"""Who sees which case and who may move it: a role × scope matrix over the demo logins.

Each row names what a user sees and may do *and* what they do not, so a rule that widens fails as
surely as one that narrows. The cases are built through the real services, one per situation.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404

from huizhi.accounts.models import User
from huizhi.cases.models import Case, Category
from huizhi.cases.permissions import available_transitions, cases_visible_to, get_case_for_user
from huizhi.cases.services import CaseActionError, case_report, case_transition
from huizhi.cases.states import Level, Source, Status
from huizhi.cases.transitions import TRANSITIONS
from huizhi.places.models import Organisation, Place

pytestmark = pytest.mark.django_db

YANGTIAN_11 = "341102001003001001011"  # 扬天小区 11栋, in the grid worker's grid (花园街第1网格)
MINGGUANG = "341102001003002001"  # 明光新村, in 花园街第2网格 — same community, another grid
JIANSHE = "341102001001001001"  # 建设小区, in 凤凰社区

ANONYMOUS = "anonymous"


def person(username: str):
    if username == ANONYMOUS:
        return AnonymousUser()
    return User.objects.get(username=username)


def _report(actor: str, place_code: str, title: str) -> Case:
    return case_report(
        actor=person(actor),
        category=Category.objects.get(code="0101"),
        source=Source.PATROL,
        title=title,
        description="现场有暴露垃圾。",
        place=Place.objects.get(code=place_code),
    )


def _move(case: Case, actor: str, action: str, **fields) -> Case:
    return case_transition(actor=person(actor), case_id=case.pk, action=action, **fields)


def _to(case: Case, state: str, unit: Organisation | None = None) -> Case:
    """Walk `case` from reported to `state` the way people would."""
    path = ["accepted", "dispatched", "handling", "handled", "closed"]
    steps = {
        "accepted": ("huayuan_staff", "accept", {}),
        "dispatched": ("huayuan_staff", "dispatch", {"unit": unit}),
        "handling": ("repair_crew", "start", {}),
        "handled": ("repair_crew", "report_result", {"note": "已清运。"}),
        "closed": ("huayuan_staff", "verify", {}),
    }
    for step in path[: path.index(state) + 1]:
        actor, action, fields = steps[step]
        case = _move(case, actor, action, **fields)
    return case


@pytest.fixture(scope="module")
def cases(django_db_setup, django_db_blocker) -> dict[str, Case]:
    """Built once for the module inside a transaction rolled back at its end; each test runs in a
    savepoint inside it (pytest-django's per-test atomic), so no test sees another's writes."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_cases()
        transaction.set_rollback(True)


def _build_cases() -> dict[str, Case]:
    crew = Organisation.objects.get(name="花园街社区红色汇治维修队")
    company = Organisation.objects.get(name="琅琊物业管理有限公司")
    made = {
        "yangtian_reported": _report("gridworker", YANGTIAN_11, "扬天 上报"),
        "yangtian_accepted": _to(_report("gridworker", YANGTIAN_11, "扬天 受理"), "accepted"),
        "yangtian_escalated": _to(_report("gridworker", YANGTIAN_11, "扬天 上报街道"), "accepted"),
        "crew_dispatched": _to(_report("gridworker", YANGTIAN_11, "扬天 派遣"), "dispatched", crew),
        "crew_handling": _to(_report("gridworker", YANGTIAN_11, "扬天 处置中"), "handling", crew),
        "crew_handled": _to(_report("gridworker", YANGTIAN_11, "扬天 待核查"), "handled", crew),
        "resident_closed": _to(_report("resident", YANGTIAN_11, "扬天 已结案"), "closed", crew),
        "neighbour_reported": _report("huayuan_staff", MINGGUANG, "明光 上报"),
        "neighbour_handled": _to(_report("huayuan_staff", MINGGUANG, "明光 待核查"), "handled", crew),
        "company_dispatched": _to(_report("huayuan_staff", MINGGUANG, "明光 物业"), "dispatched", company),
        "fenghuang_reported": _report("fenghuang_staff", JIANSHE, "建设 上报"),
        "resident_fenghuang": _report("resident", JIANSHE, "建设 居民上报"),
    }
    made["yangtian_escalated"] = _move(made["yangtian_escalated"], "huayuan_staff", "escalate")
    return {name: Case.objects.get(pk=case.pk) for name, case in made.items()}


def test_the_cases_are_in_the_states_the_matrix_assumes(cases):
    assert {name: (c.status, c.level) for name, c in cases.items()} == {
        "yangtian_reported": (Status.REPORTED, Level.COMMUNITY),
        "yangtian_accepted": (Status.ACCEPTED, Level.COMMUNITY),
        "yangtian_escalated": (Status.ACCEPTED, Level.STREET),
        "crew_dispatched": (Status.DISPATCHED, Level.COMMUNITY),
        "crew_handling": (Status.HANDLING, Level.COMMUNITY),
        "crew_handled": (Status.HANDLED, Level.COMMUNITY),
        "resident_closed": (Status.CLOSED, Level.COMMUNITY),
        "neighbour_reported": (Status.REPORTED, Level.COMMUNITY),
        "neighbour_handled": (Status.HANDLED, Level.COMMUNITY),
        "company_dispatched": (Status.DISPATCHED, Level.COMMUNITY),
        "fenghuang_reported": (Status.REPORTED, Level.COMMUNITY),
        "resident_fenghuang": (Status.REPORTED, Level.COMMUNITY),
    }
    assert cases["yangtian_reported"].grid.code == YANGTIAN_11[:15]
    assert cases["neighbour_reported"].grid.code == MINGGUANG[:15]


# --- who sees which case ------------------------------------------------------------------------------

HUAYUAN_CASES = {
    "yangtian_reported",
    "yangtian_accepted",
    "yangtian_escalated",
    "crew_dispatched",
    "crew_handling",
    "crew_handled",
    "resident_closed",
    "neighbour_reported",
    "neighbour_handled",
    "company_dispatched",
}
FENGHUANG_CASES = {"fenghuang_reported", "resident_fenghuang"}
ALL_CASES = HUAYUAN_CASES | FENGHUANG_CASES
GRID_1_CASES = {name for name in HUAYUAN_CASES if not name.startswith(("neighbour", "company"))}

VISIBLE = {
    "admin": ALL_CASES,
    "street": ALL_CASES,
    "huayuan_staff": HUAYUAN_CASES,
    "commissioner": HUAYUAN_CASES,
    "fenghuang_staff": FENGHUANG_CASES,
    "sanliting_staff": set(),
    # Their grid's cases only: not 明光新村's, in the neighbouring grid of the same community.
    "gridworker": GRID_1_CASES,
    # Only what was dispatched to the crew (still theirs once closed), nothing merely reported,
    # nothing dispatched to the property company.
    "repair_crew": {
        "crew_dispatched",
        "crew_handling",
        "crew_handled",
        "resident_closed",
        "neighbour_handled",
    },
    # A resident sees what they reported, wherever it is, and nothing else.
    "resident": {"resident_closed", "resident_fenghuang"},
    "liaison": set(),
    "care_operator": set(),
    ANONYMOUS: set(),
}


@pytest.mark.parametrize(("username", "expected"), VISIBLE.items(), ids=list(VISIBLE))
def test_cases_visible_to(cases, username, expected):
    ids = {case.pk: name for name, case in cases.items()}
    visible = cases_visible_to(person(username)).filter(pk__in=ids)
    assert {ids[pk] for pk in visible.values_list("pk", flat=True)} == expected


@pytest.mark.parametrize(("username", "expected"), VISIBLE.items(), ids=list(VISIBLE))
def test_get_case_for_user_answers_404_alike_for_hidden_and_missing(cases, username, expected):
    user = person(username)
    for name, case in cases.items():
        if name in expected:
            assert get_case_for_user(user, case.pk) == case
        else:
            with pytest.raises(Http404):
                get_case_for_user(user, case.pk)
    with pytest.raises(Http404):
        get_case_for_user(user, max(c.pk for c in cases.values()) + 1000)


def test_a_deactivated_staff_member_loses_the_community_scope(cases):
    staff = person("huayuan_staff")
    staff.is_active = False
    visible = cases_visible_to(staff).filter(pk__in=[c.pk for c in cases.values()])
    assert not visible.exclude(reporter=staff).exists()


# --- who may move which case ------------------------------------------------------------------------

# (user, case) → the actions offered. Every visible case of each role is listed; a case a user
# cannot see offers nothing either.
ALLOWED = {
    "huayuan_staff": {
        "yangtian_reported": {"accept", "reject", "merge"},
        "yangtian_accepted": {"dispatch", "escalate", "suspend"},
        "crew_dispatched": {"escalate", "suspend"},
        "crew_handling": {"escalate", "suspend"},
        "crew_handled": {"verify", "verify_failed"},
        "resident_closed": {"reopen"},
        "neighbour_handled": {"verify", "verify_failed"},
        "company_dispatched": {"escalate", "suspend"},
        "fenghuang_reported": set(),
    },
    "fenghuang_staff": {
        "fenghuang_reported": {"accept", "reject", "merge"},
        "yangtian_reported": set(),
        "crew_handled": set(),
    },
    "street": {
        # Street leadership acts as staff only once a case is escalated to the street.
        "yangtian_escalated": {"dispatch", "suspend"},
        "yangtian_reported": set(),
        "yangtian_accepted": set(),
        "crew_handled": set(),
    },
    "gridworker": {
        "crew_handled": {"verify", "verify_failed"},
        "yangtian_reported": set(),
        "yangtian_accepted": set(),
        "crew_dispatched": set(),
        "crew_handling": set(),
        "resident_closed": set(),
        "neighbour_handled": set(),  # another grid's check
    },
    "repair_crew": {
        "crew_dispatched": {"start", "return"},
        "crew_handling": {"report_result"},
        "crew_handled": set(),  # never verifies its own work
        "resident_closed": set(),
        "company_dispatched": set(),
        "yangtian_reported": set(),
    },
    "resident": {
        "resident_closed": set(),  # the reporter reopens by rating it unsatisfied, not by this action
        "resident_fenghuang": set(),
        "yangtian_reported": set(),
    },
    "commissioner": {name: set() for name in sorted(ALL_CASES)},  # sees everything in scope, moves nothing
    "admin": {"yangtian_reported": set(), "crew_handled": set()},
    "liaison": {"yangtian_reported": set()},
    ANONYMOUS: {name: set() for name in sorted(ALL_CASES)},
}
ROWS = [(user, name, actions) for user, row in ALLOWED.items() for name, actions in row.items()]


@pytest.mark.parametrize(("username", "name", "expected"), ROWS, ids=[f"{u}-{n}" for u, n, _ in ROWS])
def test_available_transitions(cases, username, name, expected):
    offered = {t.action for t in available_transitions(person(username), cases[name])}
    assert offered == expected


def test_the_street_level_case_is_handled_by_staff_and_street_alike(cases):
    case = cases["yangtian_escalated"]
    staff = {t.action for t in available_transitions(person("huayuan_staff"), case)}
    assert {"dispatch", "suspend"} <= staff
    assert {"accept", "start", "verify"}.isdisjoint(staff)


def test_escalate_is_not_offered_once_the_case_is_at_street_level(cases):
    offered = {t.action for t in available_transitions(person("huayuan_staff"), cases["yangtian_escalated"])}
    assert "escalate" not in offered


@pytest.mark.parametrize("username", [u for u in ALLOWED if u != ANONYMOUS])
def test_what_is_not_offered_the_service_refuses(cases, username):
    """The page's offer and the service's check are one rule: each action the state allows but the
    user is not offered is refused as not_allowed, and the case is unchanged."""
    user = person(username)
    for name, expected in ALLOWED[username].items():
        case = cases[name]
        for action, transition in TRANSITIONS.items():
            if not transition.applies_to(case) or action in expected:
                continue
            before = Case.objects.filter(pk=case.pk).values_list("status", "version", "level").get()
            with pytest.raises(CaseActionError) as refused:
                case_transition(actor=user, case_id=case.pk, action=action, reason="理由", note="说明")
            assert refused.value.code == "not_allowed", (username, name, action)
            assert Case.objects.filter(pk=case.pk).values_list("status", "version", "level").get() == before


def test_the_commissioner_is_refused_every_action_on_every_case(cases):
    commissioner = person("commissioner")
    for case in cases.values():
        events = case.events.count()
        for action in TRANSITIONS:
            with pytest.raises(CaseActionError) as refused:
                case_transition(actor=commissioner, case_id=case.pk, action=action, reason="督办")
            assert refused.value.code in ("not_allowed", "wrong_state")
        fresh = Case.objects.get(pk=case.pk)
        assert (fresh.status, fresh.version, fresh.events.count()) == (case.status, case.version, events)
