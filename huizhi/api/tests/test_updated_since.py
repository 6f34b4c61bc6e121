"""REST `updated_since` takes a time with its offset only, and the API's own messages come in the
language the client asks for (Accept-Language), simplified Chinese when it asks for none.

A time without an offset is ambiguous for an integrator in another zone: it is refused, naming the
parameter, rather than read silently in the server's zone."""

import pytest
import yaml

from huizhi.api.tests.clients import token_client
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def test_a_time_without_an_offset_is_refused_naming_the_parameter_in_chinese_by_default():
    response = token_client("huayuan_staff").get(CASES, {"updated_since": "2026-01-01T08:00:00"})
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["updated_since"]
    assert body["fields"]["updated_since"] == (
        "updated_since 不是带时区的 ISO 8601 时间，例如 2026-01-01T00:00:00+08:00。"
    )


def test_the_same_refusal_in_english_when_asked_for():
    response = token_client("huayuan_staff").get(
        CASES, {"updated_since": "2026-01-01T08:00:00"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["updated_since"] == (
        "updated_since is not an ISO 8601 date-time with a time zone, e.g. 2026-01-01T00:00:00+08:00."
    )


@pytest.mark.parametrize(
    "query",
    [
        "updated_since=2020-01-01T00:00:00%2B08:00",  # the "+" encoded, as it should be
        "updated_since=2020-01-01T00:00:00+08:00",  # unencoded: the "+" arrives as a space
        "updated_since=2019-12-31T16:00:00Z",
    ],
)
def test_a_time_with_its_offset_filters(query):
    case = f.reported_case()
    response = token_client("huayuan_staff").get(f"{CASES}?{query}&limit=1000")
    assert response.status_code == 200, response.content
    assert case.pk in {row["id"] for row in response.json()["results"]}


def test_a_time_after_every_change_lists_nothing_changed_since():
    f.reported_case()
    response = token_client("huayuan_staff").get(CASES, {"updated_since": "2199-01-01T00:00:00+08:00"})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_document_says_an_offset_is_needed():
    document = yaml.safe_load(token_client("huayuan_staff").get("/api/v1/schema/").content)
    parameters = document["paths"]["/api/v1/cases/"]["get"]["parameters"]
    (since,) = [p for p in parameters if p["name"] == "updated_since"]
    assert "without an offset is refused" in since["description"]
