"""The suggestions' accuracy on live traffic counts only the reports whose category a person chose:
a REST or Open311 filing that names none is filed under intake's first suggestion, a "hit" by
construction, so its row is marked as chosen by the suggestion and left out (issue 17)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from huizhi.accounts.models import User
from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f
from huizhi.intake import store
from huizhi.intake.models import Suggestion

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
DRAIN = {"title": "下水道堵了", "description": "扬天小区11栋门口下水道堵塞，污水外溢，味道很大。"}


@pytest.fixture(autouse=True)
def _keywords_only():
    store.forget()  # the demo's keywords, whatever model another test trained
    yield
    store.forget()


def filed(response) -> Suggestion:
    assert response.status_code == 201, response.content
    return Suggestion.objects.get(case_id=response.json()["id"])


def test_a_rest_filing_without_a_category_is_marked_and_not_counted_as_a_hit():
    before = Suggestion.objects.accuracy()
    row = filed(
        token_client("huayuan_staff").post(CASES, {"place": f.building_11().code, **DRAIN}, format="json")
    )
    assert row.chosen.code == f.DRAIN and row.suggested[0][0] == f.DRAIN  # filed under the first suggestion
    assert row.chosen_by == Suggestion.ChosenBy.SUGGESTION
    assert row.top1 is None and row.top3 is None
    assert Suggestion.objects.accuracy() == before
    assert not Suggestion.objects.judged().filter(pk=row.pk).exists()


def test_the_same_text_with_the_category_named_is_a_persons_choice_and_counts():
    before = Suggestion.objects.accuracy()
    body = {"place": f.building_11().code, "category": f.DRAIN, **DRAIN}
    row = filed(token_client("huayuan_staff").post(CASES, body, format="json"))
    assert row.chosen_by == Suggestion.ChosenBy.PERSON and row.top1 is True
    after = Suggestion.objects.accuracy()
    assert (after.judged, after.top1, after.top3) == (before.judged + 1, before.top1 + 1, before.top3 + 1)


def test_an_open311_request_without_a_service_code_is_marked_too():
    client = key_client(f.HUAYUAN)
    response = APIClient().post(
        "/open311/v2/requests.json",
        {
            "api_key": client.raw_key,
            "address_string": "扬天小区11栋",
            "description": DRAIN["description"],
            "attribute[overflow]": "yes",
        },
    )
    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(pk=response.json()[0]["service_request_id"])
    row = Suggestion.objects.get(case=case)
    assert row.chosen_by == Suggestion.ChosenBy.SUGGESTION and row.top1 is None


@pytest.mark.parametrize("path", ["rest", "open311"])
def test_the_mark_reaches_the_task_worker_with_the_report(path, database_queue):
    """Deployed, the worker records the suggestion after the commit: the mark travels in the
    report's timeline line (`category_suggested`), not on the request's copy of the category."""
    from django.core.management import call_command

    client = key_client(f.HUAYUAN)
    if path == "rest":
        response = client.post(CASES, {"place": f.building_11().code, **DRAIN}, format="json")
        case_id = response.json()["id"]
    else:
        body = {
            "api_key": client.raw_key,
            "address_string": "扬天小区11栋",
            "description": DRAIN["description"],
        }
        body["attribute[overflow]"] = "yes"
        response = APIClient().post("/open311/v2/requests.json", body)
        case_id = response.json()[0]["service_request_id"]
    assert response.status_code == 201, response.content.decode()
    assert not Suggestion.objects.filter(case_id=case_id).exists()  # left to the worker
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
    row = Suggestion.objects.get(case_id=case_id)
    assert row.chosen_by == Suggestion.ChosenBy.SUGGESTION and row.top1 is None


def test_the_mark_stays_on_the_filing_it_was_made_for():
    """The next filing with the same text, in the same process, is a person's again."""
    client = token_client("huayuan_staff")
    client.post(CASES, {"place": f.building_11().code, **DRAIN}, format="json")
    body = {"place": f.building_11().code, "category": f.DRAIN, **DRAIN}
    assert filed(client.post(CASES, body, format="json")).chosen_by == Suggestion.ChosenBy.PERSON


def test_the_admin_list_shows_the_accuracy_without_the_rows_intake_chose(client):
    api = token_client("huayuan_staff")
    filed(api.post(CASES, {"place": f.building_11().code, **DRAIN}, format="json"))
    filed(api.post(CASES, {"place": f.building_11().code, "category": f.GARBAGE, **DRAIN}, format="json"))
    client.force_login(User.objects.filter(is_superuser=True).first())
    response = client.get(reverse("admin:intake_suggestion_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    accuracy = Suggestion.objects.accuracy()
    assert response.context["subtitle"].startswith(f"Accuracy over {accuracy.judged} reports")
    assert accuracy.judged == Suggestion.objects.filter(chosen_by="person").count()
