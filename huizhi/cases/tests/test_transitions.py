"""The case state machine (DESIGN §4): every action × every state × every role.

The expectations below are written out from DESIGN §4 and §2, not read from TRANSITIONS, so a
table that drifts from the design fails here. An allowed combination must succeed and append
exactly one event; every other one is refused with `wrong_state` (the case is not in a state the
action starts from) or `not_allowed` (it is, but the role or scope does not reach) and changes
nothing at all.
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.db.models import Count, Max
from django.utils import translation

from huizhi.accounts.models import User
from huizhi.cases.models import Case, CaseEvent
from huizhi.cases.services import CaseActionError, case_transition
from huizhi.cases.states import Level, Outcome, Status
from huizhi.cases.tests import factories as f
from huizhi.cases.transitions import TRANSITIONS
from huizhi.places.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # result photos go here, not into the project


S = Status
ALL_STATES = list(S.values)

# action -> the states it starts from (DESIGN §4)
SOURCES: dict[str, set[str]] = {
    "accept": {S.REPORTED},
    "reject": {S.REPORTED},
    "merge": {S.REPORTED},
    "dispatch": {S.ACCEPTED},
    "start": {S.DISPATCHED},
    "return": {S.DISPATCHED},
    "report_result": {S.HANDLING},
    "verify": {S.HANDLED},
    "verify_failed": {S.HANDLED},
    "escalate": {S.ACCEPTED, S.DISPATCHED, S.HANDLING},
    "suspend": {S.ACCEPTED, S.DISPATCHED, S.HANDLING},
    "resume": {S.SUSPENDED},
    "reopen": {S.CLOSED},
}
SAME, PREVIOUS = "same", "previous"
TARGETS: dict[str, str] = {
    "accept": S.ACCEPTED,
    "reject": S.REJECTED,
    "merge": S.MERGED,
    "dispatch": S.DISPATCHED,
    "start": S.HANDLING,
    "return": S.ACCEPTED,
    "report_result": S.HANDLED,
    "verify": S.CLOSED,
    "verify_failed": S.DISPATCHED,
    "escalate": SAME,
    "suspend": S.SUSPENDED,
    "resume": PREVIOUS,
    "reopen": S.DISPATCHED,
}

# Roles: who acts, and whether the case they act on has been escalated to the street.
ROLES = {
    "staff_in_scope": ("huayuan_staff", False),
    "staff_out_of_scope": ("fenghuang_staff", False),
    "grid_worker": ("gridworker", False),
    "handling_unit": ("repair_crew", False),
    "other_unit": ("care_operator", False),
    "commissioner": ("commissioner", False),
    "street_on_community_case": ("street", False),
    "street_on_street_case": ("street", True),
    "reporter": (f.RESIDENT, False),
    "unrelated_resident": (None, False),  # created per test: a resident with no part in the case
}
STAFF = {"staff_in_scope", "street_on_street_case"}
# action -> the roles that may take it (in a state it starts from)
ALLOWED: dict[str, set[str]] = {
    "accept": STAFF,
    "reject": STAFF,
    "merge": STAFF,
    "dispatch": STAFF,
    "start": {"handling_unit"},
    "return": {"handling_unit"},
    "report_result": {"handling_unit"},
    "verify": STAFF | {"grid_worker"},
    "verify_failed": STAFF | {"grid_worker"},
    "escalate": {"staff_in_scope"},  # community staff only
    "suspend": STAFF,
    "resume": STAFF,
    # Staff reopen directly; the reporter reopens by rating 不满意 within the window (case_rate,
    # tested in test_services), never by the bare transition — not even after rating 满意.
    "reopen": STAFF,
}
# action -> the case levels it applies at (any, when not listed): a case at street level is not
# escalated again — whoever asks, that is the wrong state for it.
LEVELS: dict[str, set[str]] = {"escalate": {Level.COMMUNITY}}
# Only a case that went through `accepted` can have been escalated.
NEVER_AT_STREET_LEVEL = {S.REPORTED, S.REJECTED, S.MERGED}


def test_the_matrix_covers_the_whole_table():
    assert set(SOURCES) == set(TRANSITIONS) == set(ALLOWED) == set(TARGETS)
    for action, transition in TRANSITIONS.items():
        assert set(transition.sources) == SOURCES[action], action
        assert transition.target == TARGETS[action], action
        assert set(transition.levels or Level.values) == LEVELS.get(action, set(Level.values)), action


def _snapshot(case: Case) -> tuple:
    """Everything a transition may change, and the timeline's length and last line, in one query."""
    return (
        Case.objects.filter(pk=case.pk)
        .annotate(events_count=Count("events"), last_event=Max("events__id"))
        .values_list(
            "status",
            "version",
            "level",
            "handling_unit",
            "merged_into",
            "outcome",
            "rework_count",
            "reopen_count",
            "handle_due_at",
            "suspended_from",
            "closed_at",
            "events_count",
            "last_event",
        )
        .get()
    )


@dataclass
class World:
    cases: dict[tuple[str, bool], Case]  # (state, at street level) -> the case as built
    people: dict[str, User]  # role -> who acts
    merge_target: Case
    crew: Organisation
    street: User
    district_leader: User

    def given(self, action: str, role: str) -> dict:
        """Inputs made once for the module: the merge target, the unit, the suspension's approver."""
        if action == "merge":
            return {"merged_into": self.merge_target}
        if action == "dispatch":
            return {"unit": self.crew}
        if action == "suspend":
            approver = self.district_leader if self.people[role] == self.street else self.street
            return {"approver": approver}
        return {}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One case per (state, street level), built once through the real services, and the people.

    Built inside a transaction that stays open for the module and is rolled back at its end;
    each test runs in a savepoint inside it (pytest-django nests its atomic blocks), so every
    test starts from these cases exactly as built, and nothing outlives the module. The users'
    scopes are read once; no test changes a role.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            people = {
                role: f.user(username) if username else f.resident()
                for role, (username, _lvl) in ROLES.items()
            }
            built = {
                (state, street_level): f.case_in(
                    state, street_level=street_level, reporter=people["reporter"]
                )
                for state in ALL_STATES
                for street_level in (False, True)
                if not (street_level and state in NEVER_AT_STREET_LEVEL)
            }
            made = World(
                cases=built,
                people=people,
                merge_target=f.reported_case(title="11栋门口垃圾（先报的一件）"),
                crew=f.repair_crew(),
                street=people["street_on_street_case"],
                district_leader=f.district_leader(),
            )
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield made
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


MATRIX = [
    pytest.param(action, state, role, id=f"{action}-{state}-{role}")
    for action in TRANSITIONS
    for state in ALL_STATES
    for role in ROLES
    if not (ROLES[role][1] and state in NEVER_AT_STREET_LEVEL)
]


@pytest.mark.parametrize(("action", "state", "role"), MATRIX)
def test_transition_matrix(world, action, state, role):
    street_level = ROLES[role][1]
    case = world.cases[(state, street_level)]  # as built; each test starts from it (savepoint)
    actor = world.people[role]
    inputs = f.inputs_for(action, case, actor, given=world.given(action, role))
    before = _snapshot(case)
    level = Level.STREET if street_level else Level.COMMUNITY
    assert (before[0], before[2]) == (state, level)

    if state not in SOURCES[action] or level not in LEVELS.get(action, {level}):
        expected_code = "wrong_state"
    elif role not in ALLOWED[action]:
        expected_code = "not_allowed"
    else:
        expected_code = None

    if expected_code:
        with pytest.raises(CaseActionError) as refused:
            case_transition(actor=actor, case_id=case.pk, action=action, **inputs)
        assert refused.value.code == expected_code
        assert _snapshot(case) == before
        return

    moved = case_transition(actor=actor, case_id=case.pk, action=action, **inputs)
    target = TARGETS[action]
    expected_status = state if target == SAME else S.DISPATCHED if target == PREVIOUS else target
    after = Case.objects.get(pk=moved.pk)
    assert after.status == expected_status
    assert after.version == case.version + 1
    new_events = list(CaseEvent.objects.filter(case=case, pk__gt=before[-1]))
    assert len(new_events) == 1
    event = new_events[0]
    assert (event.action, event.from_status, event.to_status) == (action, state, expected_status)
    assert event.actor_id == actor.pk
    if action == "escalate":
        assert after.level == Level.STREET
    if action == "dispatch":
        assert after.handling_unit == world.crew
    if action == "return":
        assert after.handling_unit_id is None
    if action == "merge":
        assert after.merged_into == world.merge_target


# --- Required inputs: refused with the reason, nothing changed ---------------------------------


def _refused(case: Case, actor, action: str, code: str, **inputs) -> CaseActionError:
    before = _snapshot(case)
    with translation.override("en"), pytest.raises(CaseActionError) as refused:
        case_transition(actor=actor, case_id=case.pk, action=action, **inputs)
    assert refused.value.code == code
    assert _snapshot(case) == before
    return refused.value


def test_reject_without_a_reason_is_refused():
    case = f.case_in(S.REPORTED)
    staff = f.user("huayuan_staff")
    error = _refused(case, staff, "reject", "missing_reason", outcome=Outcome.INVALID)
    assert str(error.message) == "Give a reason."
    _refused(case, staff, "reject", "missing_reason", reason="   ", outcome=Outcome.INVALID)


def test_reject_without_an_outcome_is_refused():
    case = f.case_in(S.REPORTED)
    staff = f.user("huayuan_staff")
    error = _refused(case, staff, "reject", "bad_input", reason="重复上报")
    assert "not our responsibility" in str(error.message)
    # "fixed" and "duplicate" are not reasons to reject: a duplicate is merged.
    _refused(case, staff, "reject", "bad_input", reason="重复上报", outcome=Outcome.FIXED)
    _refused(case, staff, "reject", "bad_input", reason="重复上报", outcome=Outcome.DUPLICATE)


def test_reject_with_a_reason_and_an_outcome_records_both():
    case = f.case_in(S.REPORTED)
    f.advance(case, "reject", reason="属于市政道路，不归社区", outcome=Outcome.NOT_OUR_RESPONSIBILITY)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (S.REJECTED, Outcome.NOT_OUR_RESPONSIBILITY)
    event = case.events.get(action="reject")
    assert event.note == "属于市政道路，不归社区"


def test_dispatch_without_a_unit_is_refused():
    case = f.case_in(S.ACCEPTED)
    error = _refused(case, f.user("huayuan_staff"), "dispatch", "missing_unit")
    assert "unit" in str(error.message)


def test_dispatch_with_a_deadline_in_the_past_is_refused():
    from django.utils import timezone

    case = f.case_in(S.ACCEPTED)
    past = timezone.now() - timezone.timedelta(hours=1)
    _refused(case, f.user("huayuan_staff"), "dispatch", "bad_input", unit=f.repair_crew(), due_at=past)


def test_report_result_without_a_photo_is_refused_when_the_category_requires_one():
    case = f.case_in(S.HANDLING, category_code=f.DRAIN)
    crew = f.user("repair_crew")
    error = _refused(case, crew, "report_result", "missing_photo", note="已疏通")
    assert "photo" in str(error.message)
    f.advance(case, "report_result", actor=crew, note="已疏通", photos=[f.jpeg("after.jpg")])
    case.refresh_from_db()
    assert case.status == S.HANDLED
    assert case.events.get(action="report_result").photos.count() == 1


def test_report_result_without_a_photo_is_accepted_when_the_category_does_not_require_one():
    case = f.case_in(S.HANDLING, category_code=f.GARBAGE)
    f.advance(case, "report_result", note="已清运", photos=[])
    case.refresh_from_db()
    assert case.status == S.HANDLED


def test_report_result_without_a_note_is_refused():
    case = f.case_in(S.HANDLING)
    _refused(case, f.user("repair_crew"), "report_result", "missing_reason")


def test_return_and_verify_failed_and_reopen_need_a_reason():
    dispatched = f.case_in(S.DISPATCHED)
    _refused(dispatched, f.user("repair_crew"), "return", "missing_reason")
    handled = f.case_in(S.HANDLED)
    _refused(handled, f.user("gridworker"), "verify_failed", "missing_reason")
    closed = f.case_in(S.CLOSED)
    _refused(closed, f.user("huayuan_staff"), "reopen", "missing_reason")


def test_suspend_without_an_approver_is_refused_with_the_reason():
    case = f.case_in(S.DISPATCHED)
    error = _refused(case, f.user("huayuan_staff"), "suspend", "bad_input", reason="等待材料")
    assert "street leadership" in str(error.message)


@pytest.mark.parametrize("approver", ["huayuan_staff", "commissioner", "fenghuang_staff", "gridworker"])
def test_suspend_approved_by_someone_not_street_leadership_is_refused(approver):
    case = f.case_in(S.DISPATCHED)
    error = _refused(
        case,
        f.user("huayuan_staff"),
        "suspend",
        "bad_input",
        reason="等待材料",
        approver=f.user(approver),
    )
    assert "street leadership" in str(error.message)


def test_suspend_without_a_reason_is_refused():
    case = f.case_in(S.DISPATCHED)
    _refused(case, f.user("huayuan_staff"), "suspend", "missing_reason", approver=f.user("street"))


def test_street_leadership_cannot_approve_its_own_suspension():
    case = f.case_in(S.DISPATCHED, street_level=True)
    street = f.user("street")
    _refused(case, street, "suspend", "bad_input", reason="等待材料", approver=street)


def test_suspend_approved_by_street_leadership_records_the_approver():
    case = f.case_in(S.DISPATCHED)
    street = f.user("street")
    f.advance(case, "suspend", reason="等待材料", approver=street)
    case.refresh_from_db()
    assert (case.status, case.suspended_from) == (S.SUSPENDED, S.DISPATCHED)
    assert case.events.get(action="suspend").data["approver"] == street.pk


@pytest.mark.parametrize("state", [S.ACCEPTED, S.DISPATCHED, S.HANDLING])
def test_resume_goes_back_to_the_state_the_case_was_suspended_from(state):
    case = f.case_in(state)
    f.advance(case, "suspend")
    f.advance(case, "resume")
    case.refresh_from_db()
    assert case.status == state
    assert case.suspended_from == ""
    assert list(case.events.values_list("action", flat=True))[-2:] == ["suspend", "resume"]


def test_escalating_twice_is_refused():
    case = f.case_in(S.ACCEPTED, street_level=True)
    assert case.level == Level.STREET
    _refused(case, f.user("huayuan_staff"), "escalate", "wrong_state")


def test_merge_needs_an_open_case_of_the_same_community():
    case = f.case_in(S.REPORTED)
    staff = f.user("huayuan_staff")
    _refused(case, staff, "merge", "bad_input")
    _refused(case, staff, "merge", "bad_input", merged_into=case)
    closed = f.case_in(S.CLOSED)
    _refused(case, staff, "merge", "bad_input", merged_into=closed)
    elsewhere = f.reported_case(where=f.place(f.FENGHUANG))
    _refused(case, staff, "merge", "bad_input", merged_into=elsewhere)


def test_an_unknown_action_is_refused():
    case = f.case_in(S.REPORTED)
    _refused(case, f.user("huayuan_staff"), "close_quietly", "bad_input")


def test_a_stale_version_is_refused_as_moved_on():
    case = f.case_in(S.REPORTED)
    staff = f.user("huayuan_staff")
    seen = case.version
    case_transition(actor=staff, case_id=case.pk, action="accept", expected_version=seen)
    case.refresh_from_db()
    before = _snapshot(case)
    with pytest.raises(CaseActionError) as refused:
        case_transition(
            actor=staff,
            case_id=case.pk,
            action="reject",
            expected_version=seen,
            reason="重复",
            outcome=Outcome.INVALID,
        )
    assert refused.value.code == "moved_on"
    assert _snapshot(case) == before


def test_an_anonymous_user_can_take_no_transition():
    from django.contrib.auth.models import AnonymousUser

    case = f.case_in(S.REPORTED)
    _refused(case, AnonymousUser(), "accept", "not_allowed")


# --- The timeline is append-only ----------------------------------------------------------------


def test_a_saved_case_event_cannot_be_changed():
    case = f.case_in(S.ACCEPTED)
    event = case.events.get(action="accept")
    event.note = "改写历史"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_a_case_event_cannot_be_deleted():
    case = f.case_in(S.ACCEPTED)
    event = case.events.get(action="accept")
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert CaseEvent.objects.filter(pk=event.pk).exists()


def test_each_step_of_the_loop_appends_one_event_in_order():
    case = f.case_in(S.CLOSED, reporter=f.user(f.RESIDENT))
    rows = list(case.events.values_list("action", "from_status", "to_status", "actor__username"))
    assert rows == [
        ("report", "", S.REPORTED, f.RESIDENT),
        ("accept", S.REPORTED, S.ACCEPTED, "huayuan_staff"),
        ("dispatch", S.ACCEPTED, S.DISPATCHED, "huayuan_staff"),
        ("start", S.DISPATCHED, S.HANDLING, "repair_crew"),
        ("report_result", S.HANDLING, S.HANDLED, "repair_crew"),
        ("verify", S.HANDLED, S.CLOSED, "gridworker"),
    ]
    assert case.version == 5
