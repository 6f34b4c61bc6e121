"""A filing names its category by code: REST and Open311 read it from intake's kept catalog of
active subclasses, with no query (at a hundred filings a second every round trip counts), and a
subclass made inactive is refused at once, as it was when it was read from the database."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from huizhi.api.keys import api_key_create
from huizhi.api.tests.clients import key_client
from huizhi.cases.models import Case, Category
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

GARBAGE = "0101"


def category_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "cases_category"' in q["sql"]]


def rest_filing(client, code: str = GARBAGE):
    building = f.building_11()
    body = {
        "category": code,
        "title": "门口暴露垃圾",
        "description": "单元门口堆放生活垃圾。",
        "place": building.code,
    }
    return client.post("/api/v1/cases/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def open311_filing(raw: str, code: str = GARBAGE):
    building = f.building_11()
    data = {"api_key": raw, "service_code": code, "lat": str(building.lat), "long": str(building.lon)}
    return Client().post("/open311/v2/requests.json", {**data, "description": "单元门口堆放生活垃圾。"})


def test_a_rest_filing_reads_no_category():
    client = key_client(f.HUAYUAN)
    assert rest_filing(client).status_code == 201  # the catalog is loaded once per process
    with CaptureQueriesContext(connection) as queries:
        response = rest_filing(client)
    assert response.status_code == 201, response.content
    assert category_reads(queries) == []
    assert Case.objects.get(pk=response.json()["id"]).category.code == GARBAGE


def test_an_open311_filing_reads_no_category():
    _key, raw = api_key_create(name="12345热线", place=f.place(f.HUAYUAN))
    assert open311_filing(raw).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = open311_filing(raw)
    assert response.status_code == 201, response.content
    assert category_reads(queries) == []
    case = Case.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert case.category.code == GARBAGE


def _deactivate(code: str) -> None:
    category = Category.objects.get(code=code)
    category.is_active = False
    category.save()  # as the admin saves it: the catalog follows the write


def test_a_subclass_made_inactive_is_refused_at_once():
    client = key_client(f.HUAYUAN)
    _key, raw = api_key_create(name="12345热线", place=f.place(f.HUAYUAN))
    assert rest_filing(client).status_code == 201 and open311_filing(raw).status_code == 201
    _deactivate(GARBAGE)
    refused = rest_filing(client)
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["category"]
    assert open311_filing(raw).status_code == 404


def test_a_subclass_of_an_inactive_class_is_no_open311_service():
    _key, raw = api_key_create(name="12345热线", place=f.place(f.HUAYUAN))
    assert open311_filing(raw).status_code == 201
    _deactivate(GARBAGE[:2])
    assert open311_filing(raw).status_code == 404
