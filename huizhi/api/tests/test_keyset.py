"""Keyset paging of the REST lists: a client following `next` reads every row once, in order, even
while rows are added between its requests; `count` is capped; `offset` works up to the cap."""

import base64
import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from huizhi.accounts.models import User
from huizhi.accounts.scopes import place_scope_q
from huizhi.cases.models import Case
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.core import pagination
from huizhi.places.models import Place

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


def client_of(username: str = "street") -> APIClient:
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def get(client, url, params=None) -> dict:
    response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return response.json()


def listed() -> list[int]:
    """What the street's list holds, in its order (the street user sees every demo case)."""
    return list(Case.objects.order_by("-created_at", "-id").values_list("pk", flat=True))


def follow(client, url: str, params: dict, between=None) -> list[list[int]]:
    """Every page from `url` by its `next` links, calling `between(n)` after page n."""
    pages, body = [], get(client, url, params)
    while True:
        pages.append([row["id"] for row in body["results"]])
        if between:
            between(len(pages))
        if body["next"] is None:
            return pages
        body = get(client, body["next"])


@pytest.fixture
def many():
    """Some forty cases, several sharing a created_at (so the id settles their order)."""
    now = Case.objects.order_by("created_at").first().created_at - timedelta(hours=1)
    bulk_cases(30, start=now, step=timedelta(minutes=3))
    bulk_cases(6, start=now - timedelta(minutes=31), step=timedelta(0))  # six at one moment


def test_following_next_reads_every_row_once_in_order(many):
    pages = follow(client_of(), CASES, {"limit": 7})
    assert [pk for page in pages for pk in page] == listed()
    assert all(len(page) == 7 for page in pages[:-1])


def test_rows_added_between_pages_neither_shift_nor_repeat_the_pages(many):
    """With an offset, a row added at the top moves every later row down one: the next page repeats
    the last row seen. A cursor is a position in the order, not a number of rows."""
    before = listed()
    like = Case.objects.get(pk=before[len(before) // 2])

    def add(n: int):
        newest = Case.objects.order_by("-created_at").first().created_at
        bulk_cases(2, like=like, start=newest + timedelta(minutes=1))  # at the top
        bulk_cases(1, like=like, start=like.created_at)  # beside a row in the middle
        Case.objects.filter(pk=listed()[-1 - n]).delete()  # one near the end gone

    pages = follow(client_of(), CASES, {"limit": 5}, between=add)
    seen = [pk for page in pages for pk in page]

    assert len(seen) == len(set(seen)), "a row repeated"
    remaining = set(listed())
    kept = [pk for pk in before if pk in remaining]
    assert kept == [pk for pk in seen if pk in kept], (
        "a row that was there from the start and is still there was skipped, or out of order"
    )
    order = listed()
    present = [pk for pk in seen if pk in order]
    assert present == sorted(present, key=order.index), "the pages keep the list's order"


def test_previous_goes_back_to_the_same_rows(many):
    client = client_of()
    first = get(client, CASES, {"limit": 6})
    second = get(client, first["next"])
    third = get(client, second["next"])
    back = get(client, third["previous"])
    assert [r["id"] for r in back["results"]] == [r["id"] for r in second["results"]]
    back_again = get(client, back["previous"])
    assert [r["id"] for r in back_again["results"]] == [r["id"] for r in first["results"]]
    assert first["previous"] is None
    assert back_again["previous"] is None, "the first page reached backwards knows it is the first"


def test_the_next_page_is_a_range_on_the_sort_key_not_an_offset(many):
    client = client_of()
    first = get(client, CASES, {"limit": 5})
    with CaptureQueriesContext(connection) as queries:
        get(client, first["next"])
    cut = [q["sql"] for q in queries if "LIMIT 6" in q["sql"]]
    assert cut, [q["sql"] for q in queries]
    assert "OFFSET" not in cut[0].upper() and '"created_at" <=' in cut[0], cut[0]


def test_the_links_keep_the_filters_and_the_limit(many):
    body = get(client_of(), CASES, {"limit": 4, "status": "open"})
    query = parse_qs(urlsplit(body["next"]).query)
    assert query["limit"] == ["4"] and query["status"] == ["open"] and "offset" not in query
    statuses = {r["status"] for r in get(client_of(), body["next"])["results"]}
    assert statuses and "closed" not in statuses


def test_an_offset_page_links_on_by_cursor(many):
    client = client_of()
    body = get(client, CASES, {"limit": 5, "offset": 10})
    assert [r["id"] for r in body["results"]] == listed()[10:15]
    assert [r["id"] for r in get(client, body["next"])["results"]] == listed()[15:20]
    assert [r["id"] for r in get(client, body["previous"])["results"]] == listed()[5:10]


def test_another_list_pages_by_its_own_key_the_code():
    client = client_of()
    codes, body = [], get(client, "/api/v1/places/", {"limit": 9})
    while True:
        codes += [p["code"] for p in body["results"]]
        if body["next"] is None:
            break
        body = get(client, body["next"])
    street = User.objects.get(username="street")
    expected = list(
        Place.objects.filter(place_scope_q(street)).exclude(kind="unit").values_list("code", flat=True)
    )
    assert codes == sorted(expected)


# --- the count ------------------------------------------------------------------------------------


def test_the_count_is_exact_within_the_cap(many):
    body = get(client_of(), CASES, {"limit": 3})
    assert (body["count"], body["count_exact"]) == (len(listed()), True)


def test_past_the_cap_the_count_is_the_cap_and_says_so_and_is_read_with_a_limit(many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 12)
    with CaptureQueriesContext(connection) as queries:
        body = get(client_of(), CASES, {"limit": 3})
    assert (body["count"], body["count_exact"]) == (12, False)
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # One count per part of the list (its work scope, the reader's own reports outside it), each
    # stopping at the cap.
    assert counts and all(re.search(r"LIMIT 13\b", sql) for sql in counts), counts


# --- offset, capped -------------------------------------------------------------------------------


def test_an_offset_past_the_cap_is_a_400_that_points_to_the_cursor(many, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 12)
    client = client_of()
    assert client.get(CASES, {"offset": 12}).status_code == 200
    response = client.get(CASES, {"offset": 13})
    assert response.status_code == 400
    assert "offset" in response.json()["fields"]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "abc!",
        "x" * 401,
        base64.urlsafe_b64encode(b"not json").decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"a":[1]}').decode().rstrip("="),  # one key of two
        base64.urlsafe_b64encode(b'{"c":["2026-01-01T00:00:00+08:00",1]}').decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"a":["2026-01-01T00:00:00",1]}').decode().rstrip("="),  # naive
        base64.urlsafe_b64encode(b'{"a":["9999-12-31T23:59:59+00:00",1]}').decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"a":["2026-01-01T00:00:00+08:00",99999999999999999999]}')
        .decode()
        .rstrip("="),
        base64.urlsafe_b64encode(b'{"a":["2026-01-01T00:00:00+08:00","1"]}').decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"a":["tomorrow",1]}').decode().rstrip("="),
    ],
)
def test_a_cursor_the_list_did_not_make_is_a_400(cursor):
    response = client_of().get(CASES, {"cursor": cursor})
    assert response.status_code == 400, (cursor, response.content)
    assert "cursor" in response.json()["fields"]


def test_a_cursor_and_an_offset_together_are_a_400(many):
    body = get(client_of(), CASES, {"limit": 3})
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    assert client_of().get(CASES, {"cursor": cursor, "offset": 0}).status_code == 400


def test_the_cursor_holds_the_last_rows_sort_key(many):
    body = get(client_of(), CASES, {"limit": 3})
    cursor = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    held = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    last = Case.objects.get(pk=body["results"][-1]["id"])
    assert held == {"a": [last.created_at.isoformat(), last.pk]}


# --- the document ---------------------------------------------------------------------------------


def test_the_document_declares_the_cursor_the_capped_offset_and_count():
    document = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    params = {p["name"]: p for p in document["paths"][CASES]["get"]["parameters"]}
    assert params["cursor"]["schema"]["type"] == "string" and "next" in params["cursor"]["description"]
    assert params["offset"]["schema"]["maximum"] == pagination.COUNT_CAP
    listing = document["paths"][CASES]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    ref = listing["$ref"].rsplit("/", 1)[1]
    body = document["components"]["schemas"][ref]["properties"]
    assert body["count_exact"]["type"] == "boolean" and "cursor" in body["next"]["description"]
