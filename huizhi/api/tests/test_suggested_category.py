"""A filing that names no category (REST without `category`, Open311 without `service_code`) is
filed under intake's first suggestion when intake is clear about the text (issue 17); otherwise it
is refused, naming the field, as before. What intake suggested is recorded like any report's."""

import pytest
from rest_framework.test import APIClient

from huizhi.api import suggesting
from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f
from huizhi.intake.models import Suggestion

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"
DRAIN = {"title": "下水道堵了", "description": "扬天小区11栋门口下水道堵塞，污水外溢，味道很大。"}
GIBBERISH = {"title": "xqzv plk", "description": "qwrt zzpf mmnb 0042"}


def filing(**text) -> dict:
    return {"place": f.building_11().code, **text}


@pytest.mark.parametrize("who", ["token", "key"])
def test_a_rest_filing_about_a_blocked_drain_is_filed_as_one(who):
    client = token_client("huayuan_staff") if who == "token" else key_client(f.HUAYUAN)
    response = client.post(CASES, filing(**DRAIN), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["category"] == f.DRAIN
    case = Case.objects.get(pk=response.json()["id"])
    assert case.category.code == f.DRAIN
    # Recorded as intake records every report (through the outbound seam): no second record.
    recorded = Suggestion.objects.get(case=case)
    assert recorded.chosen.code == f.DRAIN and recorded.suggested[0][0] == f.DRAIN


def test_a_null_category_is_taken_as_none_named():
    response = token_client("huayuan_staff").post(CASES, filing(category=None, **DRAIN), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["category"] == f.DRAIN


def test_gibberish_without_a_category_is_refused_naming_the_field_and_files_nothing():
    before = Case.objects.count()
    response = token_client("huayuan_staff").post(
        CASES, filing(**GIBBERISH), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["category"]
    assert "Name the category" in response.json()["message"]
    assert Case.objects.count() == before


def test_a_named_category_is_kept_whatever_the_text_says():
    response = token_client("huayuan_staff").post(CASES, filing(category=f.GARBAGE, **DRAIN), format="json")
    assert response.status_code == 201
    assert response.json()["category"] == f.GARBAGE


def test_a_suggestion_not_above_the_threshold_is_not_taken(monkeypatch):
    drain = f.category(f.DRAIN)
    garbage = f.category(f.GARBAGE)
    unsure = suggesting.suggest(DRAIN["title"], DRAIN["description"])
    unsure.categories = [(drain, suggesting.MIN_CONFIDENCE), (garbage, 1 - suggesting.MIN_CONFIDENCE)]
    monkeypatch.setattr(suggesting, "suggest", lambda title, text: unsure)
    response = token_client("huayuan_staff").post(CASES, filing(**DRAIN), format="json")
    assert response.status_code == 400
    assert "category" in response.json()["fields"]


# --- Open311 -----------------------------------------------------------------------------------------


def open311_post(client, **fields):
    return APIClient().post(
        "/open311/v2/requests.json", {"api_key": client.raw_key, "address_string": "扬天小区11栋", **fields}
    )


def test_an_open311_request_without_a_service_code_about_a_drain_is_filed_as_one():
    # The suggested service's own questions are asked as if it had been named (1105 asks one).
    fields = {"description": DRAIN["description"], "attribute[overflow]": "yes"}
    response = open311_post(key_client(f.HUAYUAN), **fields)
    assert response.status_code == 201, response.content.decode()
    case = Case.objects.get(pk=response.json()[0]["service_request_id"])
    assert case.category.code == f.DRAIN
    assert Suggestion.objects.filter(case=case, chosen=case.category).exists()


@pytest.mark.parametrize("description", [GIBBERISH["description"], ""])
def test_an_open311_request_without_a_service_code_or_clear_text_is_refused_as_before(description):
    before = Case.objects.count()
    response = open311_post(key_client(f.HUAYUAN), description=description)
    assert response.status_code == 400
    assert "service_code" in response.json()[0]["description"]
    assert Case.objects.count() == before
