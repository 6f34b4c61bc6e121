"""Every REST and Open311 route answers with and without its trailing slash.

A 301 to the slashed address is followed by clients as a GET, so a POST without the slash lost its
body and filed nothing. The OpenAPI document still names each route once, with the slash.
"""

import pytest
import yaml
from rest_framework.test import APIClient

from huizhi.api.tests.clients import key_client, token_client
from huizhi.cases.models import Case
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

FILING = {
    "category": f.GARBAGE,
    "title": "扬天小区门口垃圾",
    "description": "门口堆放垃圾两天。",
    "place": f.YANGTIAN,
}


@pytest.mark.parametrize("path", ["/api/v1/cases", "/api/v1/cases/"])
def test_a_filing_is_taken_with_or_without_the_slash(path):
    before = Case.objects.count()
    response = key_client(f.HUAYUAN).post(path, FILING, format="json")
    assert response.status_code == 201, (response.status_code, response.get("Location"))
    assert Case.objects.count() == before + 1
    assert Case.objects.get(pk=response.json()["id"]).title == FILING["title"]


@pytest.mark.parametrize("slash", ["", "/"])
def test_reading_and_acting_on_a_case_take_both_forms(slash):
    case = f.reported_case()
    staff = token_client("huayuan_staff")
    assert staff.get(f"/api/v1/cases/{case.pk}{slash}").json()["id"] == case.pk
    assert (
        staff.get(
            f"/api/v1/cases/nearby{slash}", {"category": f.GARBAGE, "lon": 118.3, "lat": 32.3}
        ).status_code
        == 200
    )
    moved = staff.post(f"/api/v1/cases/{case.pk}/transitions{slash}", {"action": "accept"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["status"] == "accepted"


@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/stats/", "/api/v1/categories", "/api/v1/places"])
def test_the_other_lists_take_both_forms(path):
    assert token_client("huayuan_staff").get(path).status_code == 200


def test_the_document_names_each_route_once_with_its_slash():
    document = token_client("huayuan_staff").get("/api/v1/schema/")
    paths = yaml.safe_load(document.content)["paths"]
    assert paths, "no paths in the document"
    assert all(path.endswith("/") for path in paths), sorted(paths)
    assert "/api/v1/cases/" in paths and "/api/v1/stats/" in paths


@pytest.mark.parametrize("path", ["/open311/v2/requests.json", "/open311/v2/requests.json/"])
def test_an_open311_filing_is_taken_with_or_without_a_slash(path):
    client = key_client(f.HUAYUAN)
    before = Case.objects.count()
    response = client.post(
        path,
        {
            "api_key": client.raw_key,
            "service_code": f.GARBAGE,
            "description": "扬天小区门口堆放垃圾。",
            "address_string": "扬天小区",
        },
    )
    assert response.status_code == 201, response.content.decode()
    assert Case.objects.count() == before + 1


@pytest.mark.parametrize("slash", ["", "/"])
def test_open311_reads_take_both_forms(slash):
    response = APIClient().get(f"/open311/v2/services.json{slash}")
    assert response.status_code == 200
    assert isinstance(response.json(), list) and response.json()
