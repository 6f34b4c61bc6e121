"""One table turns a refusal's code into an HTTP status (core.errors.http_status), and the case
page and the REST API answer the same refusal with the same status through it."""

import pytest
from django.urls import reverse

from huizhi.api.tests.clients import token_client
from huizhi.cases.errors import CaseActionError
from huizhi.cases.models import Case
from huizhi.cases.states import Status
from huizhi.cases.tests import factories as f
from huizhi.core.errors import Refusal, http_status


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("not_allowed", 403),
        ("not_found", 404),
        ("wrong_state", 409),
        ("moved_on", 409),
        ("already", 409),
        ("bad_input", 400),
        ("missing_reason", 400),
        ("something_new", 400),
    ],
)
def test_each_code_answers_with_its_status(code, status):
    assert http_status(Refusal("…", code=code)) == status
    assert http_status(CaseActionError("…", code=code)) == status


def _page(client, case: Case, username: str, action: str, version: int) -> int:
    client.force_login(f.user(username))
    data = {"action": action, "version": version}
    return client.post(reverse("cases:act", args=[case.pk]), data).status_code


def _api(case: Case, username: str, action: str, version: int) -> int:
    body = {"action": action, "expected_version": version}
    return (
        token_client(f.user(username))
        .post(f"/api/v1/cases/{case.pk}/transitions/", body, format="json")
        .status_code
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "username", "action", "stale", "status"),
    [
        (Status.ACCEPTED, "huayuan_staff", "escalate", True, 409),  # moved_on: someone acted first
        (Status.REPORTED, "huayuan_staff", "start", False, 409),  # wrong_state
        (Status.HANDLED, "repair_crew", "verify", False, 403),  # not_allowed: no unit checks its own work
        (Status.REPORTED, "huayuan_staff", "reject", False, 400),  # missing_reason
    ],
)
def test_the_page_and_the_api_answer_a_refusal_alike(client, state, username, action, stale, status):
    case = f.case_in(state)
    version = case.version - 1 if stale else case.version
    assert _page(client, case, username, action, version) == status
    assert _api(case, username, action, version) == status
    assert Case.objects.get(pk=case.pk).status == state
