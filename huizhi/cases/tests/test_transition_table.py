"""The transition table is read, not repeated: the case page shows each action exactly the inputs
its row names, the form and the API take every input some row names, and the service takes each
as a keyword. Action values are those stored in events and sent to webhooks, unchanged."""

import inspect
import re

import pytest
from django.urls import reverse

from huizhi.api.serializers import TransitionWithPhotosSerializer
from huizhi.cases.forms import TransitionForm
from huizhi.cases.services import case_transition
from huizhi.cases.states import Action, Status
from huizhi.cases.tests import factories as f
from huizhi.cases.transitions import INPUTS, TRANSITIONS

# Written out, not read from the code: events in the database and webhook subscriptions hold these.
STORED_ACTIONS = {
    "accept", "reject", "merge", "dispatch", "start", "return", "report_result", "verify",
    "verify_failed", "escalate", "suspend", "resume", "reopen",
    "report", "rate", "supervise", "supervision_reply", "near_due", "overdue",
}  # fmt: skip


def test_action_values_are_the_stored_ones():
    assert set(Action.values) >= STORED_ACTIONS
    assert set(TRANSITIONS) == STORED_ACTIONS - {
        "report", "rate", "supervise", "supervision_reply", "near_due", "overdue",
    }  # fmt: skip


def test_the_form_the_api_and_the_service_take_every_input_a_row_names():
    named = {name for t in TRANSITIONS.values() for name in t.inputs}
    assert named == set(INPUTS)
    # and the deadline's presets, which the form turns into the deadline itself
    assert set(TransitionForm.base_fields) == {"action", "version", "due_preset", *INPUTS}
    assert set(TransitionWithPhotosSerializer().fields) == {"action", "expected_version", *INPUTS}
    assert set(INPUTS) <= set(inspect.signature(case_transition).parameters)


# (state, who looks) -> the actions the page offers them
PAGES = [
    (Status.REPORTED, "huayuan_staff"),
    (Status.ACCEPTED, "huayuan_staff"),
    (Status.DISPATCHED, "repair_crew"),
    (Status.HANDLING, "repair_crew"),
    (Status.HANDLED, "gridworker"),
    (Status.SUSPENDED, "huayuan_staff"),
    (Status.CLOSED, "huayuan_staff"),
]
HIDDEN = {"csrfmiddlewaretoken", "action", "version", "due_preset"}  # presets: the deadline, in working time


def _action_blocks(page: str) -> dict[str, str]:
    blocks = re.findall(r'(<details class="action"[^>]*data-action="(\w+)">.*?</details>)', page, re.S)
    return {action: block for block, action in blocks if action != "supervise"}


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "username"), PAGES)
def test_the_page_shows_each_action_the_inputs_of_its_row(client, state, username):
    case = f.case_in(state, category_code=f.DRAIN)
    client.force_login(f.user(username))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    blocks = _action_blocks(page)
    assert blocks, "nothing offered"
    for position, (action, block) in enumerate(blocks.items()):
        row = TRANSITIONS[action]
        shown = [n for n in re.findall(r'name="(\w+)"', block) if n not in HIDDEN]
        assert shown == list(row.inputs), action
        assert f">{row.label}</button>" in block
        opened = block.startswith('<details class="action" open')
        assert opened == (position == 0 and not row.collapsed), action
        if row.note_label:
            assert f"<label>{row.note_label}<textarea" in block
