"""A common word's search reads its windows with the index asked for the window's report spans
(huizhi.cases.search.narrow_to_window): the rows found are exactly those one query finds, from
every start, in both directions; the index serves the spans with the words and the date index is
left out; and the count proves a common word past its cap from its recent windows alone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huizhi.cases.models import Case
from huizhi.cases.search import MOST_SPANS, SPAN_SECONDS, filter_by_title, narrow_to_window, span_terms
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.core.pagination import CappedPaginator, read_in_windows

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the terms index is PostgreSQL's"
)

WORD = "垃圾"


def test_span_terms_cover_the_window_and_stop_at_most_spans():
    first = 2066  # the span that starts 2026-07-26 00:00 UTC
    start = datetime(1970, 1, 1, tzinfo=UTC) + first * timedelta(seconds=SPAN_SECONDS)
    assert span_terms(start, start + timedelta(days=3)) == [f"#{first}"]
    assert span_terms(start - timedelta(microseconds=1), start) == [f"#{first - 1}", f"#{first}"]
    wide = span_terms(start, start + timedelta(seconds=SPAN_SECONDS * (MOST_SPANS - 1)))
    assert wide is not None and len(wide) == MOST_SPANS
    assert span_terms(start, start + timedelta(seconds=SPAN_SECONDS * MOST_SPANS)) is None
    # Before 1970 the spans count down the same way the database's floor() does.
    assert span_terms(datetime(1969, 12, 31, 23, 0, tzinfo=UTC), datetime(1970, 1, 1, 1, tzinfo=UTC)) == [
        "#-1",
        "#0",
    ]


@pytest.fixture
def spread_matches():
    """Matches and other titles at uneven distances: today, the last weeks, years ago, a decade
    ago, and two in the future (a clock set wrong); two at the same moment."""
    now = timezone.now()
    like = Case.objects.order_by("pk").first()
    for start, step, n in [
        (now, timedelta(minutes=30), 6),
        (now - timedelta(days=2), timedelta(days=4), 5),
        (now - timedelta(days=700), timedelta(days=90), 4),
        (now - timedelta(days=4100), timedelta(days=1), 1),
        (now + timedelta(days=3), timedelta(days=1), 2),
        (now - timedelta(days=9, hours=3), timedelta(0), 2),
    ]:
        bulk_cases(n, like=like, status="accepted", start=start, step=step, title=f"路边{WORD}堆积")
        bulk_cases(n, like=like, status="accepted", start=start, step=step, title="路灯不亮")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


def searched(descending: bool):
    order = ("-created_at", "-id") if descending else ("created_at", "id")
    return filter_by_title(Case.objects.all(), WORD).order_by(*order).values_list("pk", "created_at")


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("limit", [1, 3, 7, 30])
def test_narrowed_windows_give_the_rows_one_query_gives_from_every_start(spread_matches, descending, limit):
    everything = list(searched(descending))
    assert len(everything) == 20
    for start in [None] + [created for _pk, created in everything]:
        rows = searched(descending)
        if start is not None:
            rows = rows.filter(**{f"created_at__{'lte' if descending else 'gte'}": start})
        found = read_in_windows(rows, "created_at", descending, start, limit, narrow_to_window)
        assert found == list(rows[:limit]), (start, descending)


@on_postgresql
def test_a_narrowed_window_asks_the_index_for_its_spans_and_not_the_date_index(spread_matches):
    now = timezone.now()
    window = narrow_to_window(searched(True), now - timedelta(days=3), now)
    sql, params = window.query.sql_with_params()
    with connection.cursor() as cursor:
        # As at a million cases, where only bitmap scans are worth it: a test's few rows would
        # make walking any index in order the planner's choice.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_search_terms" in plan and "&&" in plan, plan
    assert "case_newest_with_place" not in plan and "BitmapAnd" not in plan, plan


@on_postgresql
def test_a_common_word_is_counted_past_its_cap_from_its_recent_windows(spread_matches):
    rows = filter_by_title(Case.objects.all(), WORD).values_list("pk")
    paginator = CappedPaginator(rows, 2, cap=5, window_key=("created_at", True), narrow=narrow_to_window)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.capped and paginator.count == 5
    # The future, then the 15 days (count_recent): two in the future, six today: more than five.
    assert len(queries) == 2 and all("&&" in q["sql"] or '"created_at" >=' in q["sql"] for q in queries)


@on_postgresql
def test_a_rare_word_is_counted_whole(spread_matches):
    rows = filter_by_title(Case.objects.all(), WORD).values_list("pk")
    paginator = CappedPaginator(rows, 2, cap=100, window_key=("created_at", True), narrow=narrow_to_window)
    assert not paginator.capped and paginator.count == 20


@pytest.mark.parametrize("year", [1200, 2026, 3000, 9000])
def test_a_row_a_microsecond_before_a_span_starts_is_found(year):
    """Found from outside: spans counted in a float's seconds put a moment just before a span's
    start into it, far from today, and the row there was never asked for."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    n = (datetime(year, 6, 1, tzinfo=UTC) - epoch) // timedelta(seconds=SPAN_SECONDS)
    before = epoch + n * timedelta(seconds=SPAN_SECONDS) - timedelta(microseconds=1)
    assert span_terms(before, before) == [f"#{n - 1}"]
    edge = before + timedelta(days=3)
    like = Case.objects.order_by("pk").first()
    for moment in (before, edge):
        bulk_cases(1, like=like, status="accepted", start=moment, title=f"路边{WORD}")
    rows = searched(True).filter(created_at__lte=edge)
    assert read_in_windows(rows, "created_at", True, edge, 5, narrow_to_window) == list(rows[:5])


def test_rows_at_the_calendars_last_microsecond_are_found_from_a_cursor_there():
    """Found from outside: the window after a cursor at the last microsecond had no end to give
    and ended before it, dropping the rows tied with the cursor's."""
    last = datetime.max.replace(tzinfo=UTC)
    like = Case.objects.order_by("pk").first()
    bulk_cases(3, like=like, status="accepted", start=last, step=timedelta(0), title=f"路边{WORD}")
    rows = searched(True).filter(created_at__lte=last)
    assert read_in_windows(rows, "created_at", True, last, 5, narrow_to_window) == list(rows[:5])
    assert len(list(rows[:5])) == 3
