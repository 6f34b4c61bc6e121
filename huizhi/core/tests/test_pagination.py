"""Capped counts: a page list counts at most COUNT_CAP + 1 rows ("10,000+") instead of reading every
row of the list, and its pager still reaches every row — page by page, past the cap too."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.accounts.models import User
from huizhi.cases.models import Case
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.core import pagination
from huizhi.core.pagination import CappedPaginator, paginate_by_ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _more_cases():
    """Some thirty cases, half of them open: the demo street has a handful."""
    bulk_cases(30, closed_share=0.5)


def cases():
    return Case.objects.order_by("-created_at", "-id")


def every_page(queryset, per_page: int, cap: int) -> list[list[int]]:
    pages, number = [], 1
    while True:
        page = paginate_by_ids(queryset, number, per_page, cap=cap)
        pages.append([row.pk for row in page.object_list])
        if not page.has_next():
            return pages
        number = page.next_page_number()


def test_a_list_longer_than_the_cap_counts_to_the_cap_and_says_so():
    total = Case.objects.count()
    cap = total - 5
    page = paginate_by_ids(cases(), 1, 4, cap=cap)

    assert (page.paginator.count, page.paginator.capped) == (cap, True)
    assert page.has_next() and not page.has_previous()


def test_a_list_within_the_cap_counts_exactly():
    total = Case.objects.count()
    for cap in (total, total + 1, 10 * total):
        paginator = paginate_by_ids(cases(), 1, 4, cap=cap).paginator
        assert (paginator.count, paginator.capped) == (total, False)
        assert paginator.num_pages == -(-total // 4)


def test_the_count_reads_at_most_cap_plus_one_rows_unsorted():
    with CaptureQueriesContext(connection) as queries:
        paginate_by_ids(cases(), 1, 4, cap=7).paginator.count  # noqa: B018
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    # The count's subquery stops after cap + 1 rows and sorts nothing.
    assert re.search(r"LIMIT 8\b", counts[0]), counts[0]
    assert "ORDER BY" not in counts[0].upper()


@pytest.mark.parametrize("cap", [3, 10, 10**6])
def test_paging_past_the_cap_reaches_every_row_once_in_order(cap):
    pages = every_page(cases(), 4, cap)
    seen = [pk for page in pages for pk in page]

    assert seen == list(cases().values_list("pk", flat=True))
    assert all(len(page) == 4 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 4


def test_the_last_page_of_a_capped_list_has_no_next_and_the_index_range_is_its_rows():
    total = Case.objects.count()
    per_page = 4
    last = -(-total // per_page)
    page = paginate_by_ids(cases(), last, per_page, cap=3)

    assert page.paginator.capped and not page.has_next() and page.has_previous()
    assert page.start_index() == (last - 1) * per_page + 1
    assert page.end_index() == total


@pytest.mark.parametrize("asked", ["abc", "-1", "0", "99999999999999999999", 10**9])
def test_a_page_that_is_not_one_or_past_the_end_of_a_capped_list_is_the_first(asked):
    page = paginate_by_ids(cases(), asked, 4, cap=3)
    first = paginate_by_ids(cases(), 1, 4, cap=3)

    assert page.number == 1
    assert [c.pk for c in page.object_list] == [c.pk for c in first.object_list]


def test_a_page_past_the_end_of_an_exact_list_is_its_last_as_before():
    paginator = CappedPaginator(cases().values_list("pk", flat=True), 4, cap=10**6)
    assert paginator.get_page(10**6).number == paginator.num_pages


def test_a_plain_list_is_capped_too():
    paginator = CappedPaginator(list(range(30)), 10, cap=25)
    assert (paginator.count, paginator.capped) == (25, True)
    assert list(paginator.page(3).object_list) == list(range(20, 30))
    assert not paginator.page(3).has_next()


# --- the pages that print a count --------------------------------------------------------------


def login(client, username: str) -> None:
    client.force_login(User.objects.get(username=username))


def test_the_staff_queue_past_the_cap_shows_no_last_page_and_its_next_link_works(client, monkeypatch):
    login(client, "street")
    open_cases = Case.objects.open().count()
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", 2)

    first = client.get(reverse("cases:queue"))
    html = first.content.decode()
    assert first.status_code == 200 and open_cases > 4
    assert first.context["page"].paginator.capped
    assert "page=2" in html
    assert re.search(r"Page 1</span>|第1页</span>", html), "no page total when the count is capped"

    # Past the cap (page 3 starts at row 5 of a list counted to 3): rows, and the link back.
    third = client.get(reverse("cases:queue"), {"page": 3})
    shown = [c.pk for c in third.context["page"].object_list]
    assert shown == list(Case.objects.open().order_by("-created_at", "-id").values_list("pk", flat=True)[4:6])
    assert "page=2" in third.content.decode()


def test_the_staff_queue_within_the_cap_still_shows_its_total(client, monkeypatch):
    login(client, "street")
    monkeypatch.setattr("huizhi.cases.views.PAGE_SIZE", 2)
    html = client.get(reverse("cases:queue")).content.decode()
    pages = -(-Case.objects.open().count() // 2)
    assert re.search(rf"Page 1 of {pages}|第1页，共{pages}页", html)


def test_the_residents_list_prints_a_capped_count_with_a_plus(client, monkeypatch):
    login(client, "street")
    shown = client.get(reverse("registry:residents")).context["page"].paginator.count
    assert shown > 2
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    html = client.get(reverse("registry:residents")).content.decode()
    assert '<span class="muted">(2+)</span>' in html


def test_a_searched_queue_counts_to_the_search_cap_and_the_plain_queue_to_the_list_cap(client, monkeypatch):
    login(client, "street")
    monkeypatch.setattr("huizhi.cases.views.SEARCH_COUNT_CAP", 2)
    word = Case.objects.open().first().title[:2]
    matches = Case.objects.open().filter(title__contains=word).count()
    assert matches > 2
    searched = client.get(reverse("cases:queue"), {"q": word}).context["page"].paginator
    assert (searched.count, searched.capped) == (2, True)
    client.get(reverse("cases:queue"), {"clear": ""})  # the queue remembers its last filter
    plain = client.get(reverse("cases:queue")).context["page"].paginator
    assert not plain.capped and plain.count == Case.objects.open().count()
