"""A search past its count cap is read in time windows (core.pagination.read_in_windows): the 3
days from where the page starts, then out to 15, 63, … days, each one query, stopping when the
page is full. The windows only bound what each query reads: the rows shown are exactly those one
query over the whole list shows, in every direction, from every start."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases.models import Case
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.core.pagination import MAX_OFFSET, WINDOW_REACHES, read_in_windows
from huizhi.core.tests.pager import links, shown

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture
def spread_cases():
    """Cases at uneven distances: a burst today, a few in the last weeks, some years ago, one a
    decade ago (beyond the widest window), two in the future (a clock set wrong)."""
    now = timezone.now()
    bulk_cases(6, status="accepted", start=now, step=timedelta(minutes=30))
    bulk_cases(5, status="accepted", start=now - timedelta(days=2), step=timedelta(days=4))
    bulk_cases(4, status="accepted", start=now - timedelta(days=700), step=timedelta(days=90))
    bulk_cases(1, status="accepted", start=now - timedelta(days=4100))
    bulk_cases(2, status="accepted", start=now + timedelta(days=3), step=timedelta(days=1))
    # Two cases at the same moment: the id decides between them.
    tie = now - timedelta(days=9, hours=3)
    bulk_cases(2, status="accepted", start=tie, step=timedelta(0))


def ordered(descending: bool):
    order = ("-created_at", "-id") if descending else ("created_at", "id")
    return Case.objects.order_by(*order).values_list("pk", "created_at")


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("limit", [1, 3, 7, 30])
def test_windows_give_the_rows_one_query_gives_from_every_start(spread_cases, descending, limit):
    everything = list(ordered(descending))
    starts = [None] + [created for _pk, created in everything]
    for start in starts:
        if start is None:
            rows = ordered(descending)
        else:
            rows = ordered(descending).filter(**{f"created_at__{'lte' if descending else 'gte'}": start})
        assert read_in_windows(rows, "created_at", descending, start, limit) == list(rows[:limit])


def test_a_page_full_within_the_first_day_is_one_query_bounded_by_the_day(spread_cases):
    rows = ordered(True)
    with CaptureQueriesContext(connection) as queries:
        found = read_in_windows(rows, "created_at", True, None, 5)
    assert found == list(rows[:5])
    assert len(queries.captured_queries) == 1
    assert '"created_at" >=' in queries.captured_queries[0]["sql"]


def test_windows_reach_the_oldest_row_and_stop_at_the_rest_of_the_list(spread_cases):
    rows = ordered(True)
    with CaptureQueriesContext(connection) as queries:
        found = read_in_windows(rows, "created_at", True, None, 1000)
    assert found == list(rows)
    # Every window, then the open-ended rest (the case a decade old lies beyond the widest).
    assert len(queries.captured_queries) == len(WINDOW_REACHES) + 1


@pytest.mark.parametrize("start", [datetime(1, 1, 3, tzinfo=UTC), datetime(9999, 12, 29, tzinfo=UTC)])
def test_a_window_past_the_calendar_is_the_rest_of_the_list(spread_cases, start):
    descending = start.year == 1
    # No row lies beyond year 1 or 9999: the windows must end, not overflow.
    rows = ordered(not descending)
    assert read_in_windows(rows, "created_at", not descending, start, 5) == list(rows[:5])


# The case queue's search, past its cap ----------------------------------------------------------


@pytest.fixture
def searched(client, monkeypatch):
    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", PER_PAGE)
    monkeypatch.setattr("huizhi.cases.views.SEARCH_COUNT_CAP", 5)
    like = Case.objects.order_by("pk").first()
    now = timezone.now()
    # Matches today, last month, years ago; and cases without the word between them.
    for start, step, title in [
        (now, timedelta(hours=2), "路边垃圾"),
        (now - timedelta(hours=1), timedelta(hours=2), "路灯不亮"),
        (now - timedelta(days=30), timedelta(days=5), "积存垃圾渣土"),
        (now - timedelta(days=800), timedelta(days=60), "垃圾箱破损"),
    ]:
        bulk_cases(5, like=like, status="accepted", start=start, step=step, title=title)
    client.force_login(User.objects.get(username="street"))
    return client


def test_a_common_words_pages_by_next_and_back_by_previous_show_every_match_once(searched):
    url = reverse("cases:queue")
    matches = list(
        Case.objects.filter(title__contains="垃圾")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    with CaptureQueriesContext(connection) as queries:
        first = searched.get(url, {"status": "all", "q": "垃圾"})
    assert first.context["page"].paginator.capped  # past the cap: the pages are read in windows
    assert any('"created_at" >=' in query["sql"] for query in queries.captured_queries)
    pages, response = [first], first
    while "next" in links(response):
        response = searched.get(url + links(response)["next"])
        pages.append(response)
        assert len(pages) < 20
    assert [pk for page in pages for pk in shown(page)] == matches
    back = searched.get(url + links(pages[-1])["prev"])
    assert shown(back) == shown(pages[-2])


def test_a_capped_lists_page_number_beside_a_cursor_is_shown_within_what_a_list_can_hold(searched):
    """Found from outside: a capped list showed whatever number its link carried (3,800 digits)."""
    url = reverse("cases:queue")
    first = searched.get(url, {"status": "all", "q": "垃圾"})
    follow = links(first)["next"].replace("page=2", "page=" + "9" * 3800)
    response = searched.get(url + follow)
    assert response.status_code == 200
    assert 2 <= response.context["page"].number <= MAX_OFFSET // PER_PAGE + 1
