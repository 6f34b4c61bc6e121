"""A public request closed as a duplicate names the case it was merged into only to a reader who
may read that case: merged into a private one (a family dispute, a care need), the public reads
"merged" and nothing of which case, in the request's status_notes and in its updates."""

import pytest
from rest_framework.test import APIClient

from huizhi.api.tests.clients import key_client
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

PRIVATE = "1101"  # a subclass the demo street keeps off the public pages


def merged_into(target_code: str):
    target = f.reported_case(category_code=target_code, title="另一件", description="不公开的内容。")
    duplicate = f.advance(f.reported_case(), "merge", merged_into=target)
    return duplicate, target


def request_item(client, case, **params) -> dict:
    response = client.get(f"/open311/v2/requests/{case.pk}.json", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content.decode()
    (item,) = response.json()
    return item


def duplicate_updates(client, case, **params) -> list[dict]:
    response = client.get("/open311/v2/servicerequestupdates.json", params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content.decode()
    return [
        u for u in response.json() if u["service_request_id"] == str(case.pk) and u["status"] == "DUPLICATE"
    ]


def test_the_public_is_not_told_which_private_case_a_request_was_merged_into():
    duplicate, target = merged_into(PRIVATE)
    assert not target.category.is_public

    item = request_item(APIClient(), duplicate)
    assert item["status"] == "closed"
    assert "merged into" not in item["status_notes"] and str(target.pk) not in item["status_notes"]
    (update,) = duplicate_updates(APIClient(), duplicate)
    assert "duplicate_of" not in update


def test_a_key_over_both_cases_is_told_which_case_it_was_merged_into():
    duplicate, target = merged_into(PRIVATE)
    key = key_client(f.HUAYUAN)

    item = request_item(APIClient(), duplicate, api_key=key.raw_key)
    assert f"merged into request {target.pk}" in item["status_notes"]
    (update,) = duplicate_updates(APIClient(), duplicate, api_key=key.raw_key)
    assert update["duplicate_of"] == str(target.pk)


def test_the_public_is_told_which_public_case_a_request_was_merged_into():
    duplicate, target = merged_into(f.GARBAGE)

    item = request_item(APIClient(), duplicate)
    assert f"merged into request {target.pk}" in item["status_notes"]
    (update,) = duplicate_updates(APIClient(), duplicate)
    assert update["duplicate_of"] == str(target.pk)
