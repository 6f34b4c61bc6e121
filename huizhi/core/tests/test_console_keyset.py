"""The console's lists page by cursor ("after this row"): a Next link asks for the rows after the
page's last one, so a deep page costs what the first costs and new rows arriving between clicks
neither repeat a case on the next page nor hide one (an OFFSET shifted under them)."""

import base64
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.models import Case
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.core.tests.pager import links, shown

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture(autouse=True)
def _short_pages(monkeypatch):
    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", PER_PAGE)
    bulk_cases(20, status="accepted")


@pytest.fixture
def street(client):
    client.force_login(User.objects.get(username="street"))
    return client


def queue_order() -> list[int]:
    return list(Case.objects.open().order_by("-created_at", "-id").values_list("pk", flat=True))


def test_following_next_shows_every_case_once_while_new_cases_arrive(street):
    url = reverse("cases:queue")
    before = queue_order()
    seen, response, pages = [], street.get(url, {"status": "open"}), 0
    while True:
        seen += shown(response)
        pages += 1
        # New reports between clicks: each one lands at the top of the list.
        bulk_cases(1, status="accepted", start=timezone.now() + timedelta(minutes=pages))
        follow = links(response).get("next")
        if not follow:
            break
        assert "cursor=" in follow
        response = street.get(url + follow)
        assert pages < 50
    assert seen == before  # none repeated, none skipped, in the queue's order


def test_a_page_reached_by_cursor_reads_no_offset_and_previous_goes_back(street):
    url = reverse("cases:queue")
    first = street.get(url, {"status": "open"})
    second = street.get(url + links(first)["next"])
    with CaptureQueriesContext(connection) as queries:
        third = street.get(url + links(second)["next"])
    assert shown(third) == queue_order()[2 * PER_PAGE : 3 * PER_PAGE]
    assert third.context["page"].number == 3
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    back = street.get(url + links(third)["prev"])
    assert shown(back) == shown(second)
    assert back.context["page"].number == 2
    start = street.get(url + links(back)["prev"])
    assert shown(start) == shown(first)
    assert "prev" not in links(start)  # the first page again: nothing before it


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        "!!!",
        "a" * 5000,
        _cursor({"a": ["9999-12-31T23:59:59+00:00", 1]}),
        _cursor({"a": ["0001-01-01T00:00:00+00:00", 1]}),
        _cursor({"a": ["2026-01-01T00:00:00", 1]}),  # naive
        _cursor({"a": ["2026-01-01T00:00:00+00:00"]}),  # a key short
        _cursor({"a": ["2026-01-01T00:00:00+00:00", 2**70]}),
        _cursor({"a": ["2026-01-01T00:00:00+00:00", "1"]}),
        _cursor({"c": ["2026-01-01T00:00:00+00:00", 1]}),
        _cursor(["2026-01-01T00:00:00+00:00", 1]),
        _cursor({"a": [{"nested": [[[]]]}, 1]}),
    ],
)
def test_a_cursor_the_pager_could_not_have_made_shows_the_page_by_its_number(street, cursor):
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": cursor, "page": "3"})
    assert response.status_code == 200
    assert shown(response) == queue_order()[2 * PER_PAGE : 3 * PER_PAGE]


def test_a_nul_in_a_cursor_is_refused_as_every_nul_is(street):
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": "a\x00"})
    assert response.status_code == 400


def test_next_after_the_rows_left_the_list_shows_its_last_page_not_a_page_seen_before(street):
    # The oldest case was the last row of the page the user saw; the rows after it closed since.
    oldest = Case.objects.open().order_by("created_at", "id").first()
    cursor = _cursor({"a": [oldest.created_at.isoformat(), oldest.pk]})
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": cursor, "page": "4"})
    assert response.status_code == 200
    # The list's last page, ending with the row the cursor names (it left out that row, the
    # list's last, before: found from outside).
    order = queue_order()
    assert shown(response) == order[-PER_PAGE:]
    assert "next" not in links(response) and "prev" in links(response)
    page = response.context["page"]
    assert page.number == page.pages == -(-len(order) // PER_PAGE)
    newest = Case.objects.open().order_by("-created_at", "-id").first()
    back = _cursor({"b": [newest.created_at.isoformat(), newest.pk]})  # nothing before it
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": back, "page": "3"})
    assert shown(response) == queue_order()[:PER_PAGE] and response.context["page"].number == 1


def test_the_page_number_beside_a_cursor_is_shown_within_the_list(street):
    first = street.get(reverse("cases:queue"), {"status": "open"})
    follow = links(first)["next"].replace("page=2", "page=" + "9" * 30)
    response = street.get(reverse("cases:queue") + follow)
    page = response.context["page"]
    assert shown(response) == queue_order()[PER_PAGE : 2 * PER_PAGE]
    assert 2 <= page.number <= page.paginator.num_pages


def test_a_forged_cursor_into_a_short_list_shows_where_its_page_is_not_what_its_link_says(street):
    # 4 a page. A cursor after the fifth row, in a link that says page 7 (found from outside: a
    # short list's page said "page 7 of 7" with a Next link).
    order = queue_order()
    fifth = Case.objects.get(pk=order[4])
    cursor = _cursor({"a": [fifth.created_at.isoformat(), fifth.pk]})
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": cursor, "page": "7"})
    page = response.context["page"]
    assert shown(response) == order[5:9]
    # Five rows before it fill two pages; the rest after it, as many as they fill.
    after = -(-(len(order) - 9) // PER_PAGE)
    assert after >= 2 and (page.number, page.pages) == (3, 3 + after)
    numbers = [page.number]
    while "next" in links(response):
        assert f"page={page.number + 1}" in links(response)["next"]
        response = street.get(reverse("cases:queue") + links(response)["next"])
        page = response.context["page"]
        numbers.append(page.number)
    assert numbers == list(range(3, 4 + after)) and page.pages == 3 + after
    assert shown(response) == order[5 + 4 * after :]


# Cursors beyond either end of the list (forged, from another list or scope, or stale): found from
# outside, a page of the first rows linked to a Previous page and one of the last rows to a Next.
TOP = _cursor({"a": ["2200-01-01T00:00:00+00:00", 2**63 - 1]})
BOTTOM = _cursor({"b": ["1900-01-01T00:00:00+00:00", 1]})


@pytest.mark.parametrize("capped", [False, True], ids=["counted", "capped"])
def test_a_cursor_before_the_first_row_shows_the_first_page_with_no_previous(street, monkeypatch, capped):
    if capped:
        monkeypatch.setattr("huizhi.core.pagination.COUNT_CAP", 6)
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": TOP, "page": "5"})
    page = response.context["page"]
    assert page.paginator.capped == capped
    assert shown(response) == queue_order()[:PER_PAGE]
    assert page.number == 1 and "prev" not in links(response) and "next" in links(response)


@pytest.mark.parametrize("capped", [False, True], ids=["counted", "capped"])
def test_a_cursor_after_the_last_row_shows_the_last_page_with_no_next(street, monkeypatch, capped):
    if capped:
        monkeypatch.setattr("huizhi.core.pagination.COUNT_CAP", 6)
    response = street.get(reverse("cases:queue"), {"status": "open", "cursor": BOTTOM, "page": "2"})
    assert response.context["page"].paginator.capped == capped
    assert shown(response) == queue_order()[-PER_PAGE:]
    assert "next" not in links(response) and "prev" in links(response)


def test_a_previous_link_shows_no_next_once_the_rows_after_it_left_the_list(street):
    # The Previous link of the second page, followed once every case but the two newest has closed.
    second = street.get(
        reverse("cases:queue") + links(street.get(reverse("cases:queue"), {"status": "open"}))["next"]
    )
    previous = links(second)["prev"]
    mine = queue_order()[:2]
    Case.objects.exclude(pk__in=mine).update(status="closed")
    response = street.get(reverse("cases:queue") + previous)
    assert shown(response) == mine
    assert "next" not in links(response) and "prev" not in links(response)


def test_a_capped_lists_next_page_asks_for_the_cursors_own_row_not_for_any_before_it(street, monkeypatch):
    # Any row before the page, in a common word's search at a million cases, is the word's whole
    # index (17 ms a click); the row the link names is one index probe.
    monkeypatch.setattr("huizhi.core.pagination.COUNT_CAP", 6)
    first = street.get(reverse("cases:queue"), {"status": "open"})
    with CaptureQueriesContext(connection) as queries:
        second = street.get(reverse("cases:queue") + links(first)["next"])
    asked = [q["sql"] for q in queries.captured_queries if 'AS "a"' in q["sql"] and "LIMIT 1" in q["sql"]]
    assert len(asked) == 1
    assert '"cases_case"."created_at" = ' in asked[0]
    assert not any(f'"cases_case"."created_at" {op}' in asked[0] for op in "<>")  # no range beyond it
    assert "prev" in links(second) and second.context["page"].number == 2


def test_a_list_sorted_on_a_computed_deadline_pages_by_number(street):
    url = reverse("cases:queue")
    first = street.get(url, {"status": "open", "sort": "time_left"})
    follow = links(first)["next"]
    assert "cursor=" not in follow and "page=2" in follow
    assert len(shown(street.get(url + follow))) == PER_PAGE


def test_the_residents_list_pages_by_number_so_no_home_travels_in_a_url(street, monkeypatch):
    """The residents list is sorted on each resident's home unit code: a cursor would put a
    resident's id and home into URLs that proxies and access logs keep."""
    monkeypatch.setattr("huizhi.registry.views.PAGE_SIZE", 2)
    url = reverse("registry:residents")
    response = street.get(url)
    follow = links(response).get("next")
    assert follow and "cursor=" not in follow and "page=2" in follow
    after = street.get(url + follow)
    assert after.status_code == 200 and shown(after) and not set(shown(after)) & set(shown(response))
    crafted = street.get(url, {"cursor": _cursor({"a": ["341102001003", 1]}), "page": "2"})
    assert shown(crafted) == shown(after)  # a cursor given by hand is not read either


def test_the_access_log_links_by_cursor(street, monkeypatch):
    """Its sort key is when a number was revealed, and the entry's id: nothing about a person."""
    from huizhi.registry.models import Resident
    from huizhi.registry.services.privacy import resident_reveal

    monkeypatch.setattr("huizhi.registry.views.PAGE_SIZE", 2)
    user = User.objects.get(username="street")
    for resident in Resident.objects.order_by("pk")[:3]:
        resident_reveal(actor=user, resident_id=resident.pk, field="id_number", reason="核对身份，办理低保")
    response = street.get(reverse("registry:access_log"))
    follow = links(response).get("next")
    assert follow and "cursor=" in follow


def test_a_cursor_from_a_wider_scope_shows_only_the_users_own_cases(client):
    """A link copied from the street admin's queue, opened by community staff: the cursor only says
    where to start; the rows are the staff's own queue's, after that point."""
    client.force_login(User.objects.get(username="street"))
    url = reverse("cases:queue")
    follow = links(client.get(url, {"status": "all"}))["next"]
    staff = User.objects.get(username="huayuan_staff")
    client.force_login(staff)
    response = client.get(url + follow)
    assert response.status_code == 200
    from huizhi.cases.selectors import QueueFilter, case_queue

    own = list(case_queue(staff, QueueFilter(status="all")).values_list("pk", flat=True))
    assert shown(response) and set(shown(response)) <= set(own)
    street_only = set(Case.objects.values_list("pk", flat=True)) - set(own)
    assert street_only, "the street holds cases the staff may not see"  # so the check can fail
