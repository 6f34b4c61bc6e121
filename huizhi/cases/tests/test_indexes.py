"""The reads that must stay fast at a million cases use an index: subtrees as code ranges (a LIKE
prefix is served by no index on SQLite, nor on PostgreSQL under a C.UTF-8 collation), and the open
queues the partial index of open cases (EXPLAIN, on PostgreSQL, on a table big enough that the
planner has a choice)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from huizhi.accounts.models import User
from huizhi.cases import selectors
from huizhi.cases.models import Case
from huizhi.cases.states import Rating, Status
from huizhi.cases.tests import factories as f
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall.models import Post
from huizhi.wall.selectors import WallFilter

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="EXPLAIN's plans are PostgreSQL's; SQLite has its own planner"
)


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries]


def compound_case() -> Case:
    return Case.objects.filter(place_code__regex=r"^\d{18}").order_by("pk").first()


# --- subtrees are code ranges -----------------------------------------------------------------


def test_is_recurring_counts_the_compound_as_a_code_range_and_still_counts_right(settings):
    case = compound_case()
    compound = case.place_code[: selectors.COMPOUND_CODE_LENGTH]
    sibling = Place.objects.filter(kind=PlaceKind.COMPOUND).exclude(code=compound).order_by("code").first()
    settings.HUIZHI_RECURRING_COUNT = _same_before(case) + 2
    bulk_cases(5, like=case, place_code=sibling.code, start=case.created_at)  # next door: not counted
    assert not selectors.is_recurring(case)

    (query,) = sql_of(lambda: selectors.is_recurring(case))
    assert " LIKE " not in query.upper(), query
    assert '"place_code" >=' in query and '"place_code" <' in query, query

    bulk_cases(2, like=case, start=case.created_at - timedelta(minutes=1))
    assert selectors.is_recurring(case)


def _same_before(case: Case) -> int:
    """The cases is_recurring counts, by a LIKE prefix: what the range must agree with."""
    return (
        Case.objects.filter(
            place_code__startswith=case.place_code[: selectors.COMPOUND_CODE_LENGTH],
            category_id=case.category_id,
            created_at__lte=case.created_at,
        )
        .exclude(status=Status.MERGED)
        .count()
    )


def test_dispatch_units_are_the_streets_by_a_code_range():
    case = compound_case()
    units = []
    (query,) = sql_of(lambda: units.extend(selectors.dispatch_units_for(case)))
    assert " LIKE " not in query.upper() and '"code" >=' in query, query
    assert units and all(u.place.code.startswith(case.place_code[:9]) for u in units)


def test_the_queue_category_filter_is_a_code_range():
    staff = User.objects.get(username="street")
    klass = Case.objects.select_related("category").order_by("pk").first().category.code[:2]
    queue = selectors.case_queue(staff, selectors.QueueFilter(status="all", category=klass))
    (query,) = sql_of(lambda: list(queue))
    assert " LIKE " not in query.upper(), query
    assert {c.category.code[:2] for c in queue} == {klass}


def test_the_wall_compound_filter_is_a_code_range():
    post = Post.objects.exclude(place_code="").order_by("pk").first()
    compound = post.place_code[: selectors.COMPOUND_CODE_LENGTH]
    posts = WallFilter(compound=compound).apply(Post.objects.all())
    (query,) = sql_of(lambda: list(posts))
    assert " LIKE " not in query.upper(), query
    assert post in posts and all(p.place_code.startswith(compound) for p in posts)


# --- the partial index of open cases (PostgreSQL) -----------------------------------------------


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def a_street_of_closed_cases():
    """Some 5,000 cases, 92% closed: the community's open ones a few hundred among many closed,
    recent ones elsewhere (so that walking the date index would wade through them)."""
    huayuan = Case.objects.filter(place_code__startswith=f.HUAYUAN).order_by("pk").first()
    elsewhere = Case.objects.exclude(place_code__startswith=f.HUAYUAN).order_by("pk").first()
    now = timezone.now()
    bulk_cases(4600, like=elsewhere, status=Status.CLOSED, start=now, step=timedelta(minutes=2))
    bulk_cases(
        400,
        like=huayuan,
        status=Status.DISPATCHED,
        start=now - timedelta(days=8),
        step=timedelta(minutes=40),
        handle_due_at=now - timedelta(days=1),
        rating=Rating.UNSATISFIED,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")


@on_postgresql
def test_the_community_open_queue_and_its_count_read_the_open_cases_index(a_street_of_closed_cases):
    staff = User.objects.get(username="huayuan_staff")
    queue = selectors.case_queue(staff, selectors.QueueFilter())

    page = explain(queue.values_list("pk", flat=True)[:51])
    count = explain(queue.values("pk").order_by()[:10001])

    for plan in (page, count):
        assert "case_open_place_created" in plan, plan
        # The query's states are the index's condition: no second index to AND the status with.
        assert "cases_case_status_" not in plan, plan


@on_postgresql
def test_the_supervision_queue_walks_the_open_cases_in_deadline_order(a_street_of_closed_cases):
    """The page: the first entries of the open cases' deadline index, no sort of the scope's open
    cases (which made a street's page grow with its open cases); the count: the open-cases index.
    Sorting priced out, as a test's few open cases would make a sort the planner's choice: the
    index serves the order only if its expression is the query's, else the plan still sorts."""
    commissioner = User.objects.get(username="commissioner")
    queue = selectors.supervision_queue(commissioner)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        page = explain(queue.values_list("pk", flat=True)[:51])
        cursor.execute("SET LOCAL enable_sort = on")
    assert "Index Scan using case_open_running_due" in page, page
    assert "Sort" not in page, page
    count = explain(queue.values("pk").order_by()[:10001])
    assert "case_open_place_created" in count, count
    assert "Seq Scan on cases_case" not in count, count


@on_postgresql
@pytest.mark.parametrize("view", ["due", "stalled"])
def test_the_supervision_count_reads_no_row(a_street_of_closed_cases, view):
    """The open cases' index holds every column the queue's filters test: a street commissioner's
    count (7,082 open cases at a million) reads the index alone, fetching no row (8 → 2 ms).
    Scanning an index forced, as a test's few rows would make any plan the planner's choice: only
    one that holds the columns can answer without the rows."""
    commissioner = User.objects.get(username="commissioner")
    queue = selectors.supervision_queue(commissioner, view=view)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        count = explain(queue.values("pk").order_by()[:10001])
    assert "Index Only Scan using case_open_place_created" in count, count


@on_postgresql
def test_the_stalled_view_reads_the_open_cases_index(a_street_of_closed_cases):
    commissioner = User.objects.get(username="commissioner")
    queue = selectors.supervision_queue(commissioner, view="stalled")
    plan = explain(queue.values_list("pk", flat=True)[:51])
    assert "case_open_place_created" in plan, plan
    assert "Seq Scan on cases_case" not in plan, plan


@on_postgresql
def test_is_recurring_reads_an_index_not_the_table(a_street_of_closed_cases):
    case = compound_case()
    (query,) = sql_of(lambda: selectors.is_recurring(case))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on cases_case" not in plan and "Index" in plan, plan


@on_postgresql
def test_merge_suggestions_read_the_open_cases_of_the_community_and_category(a_street_of_closed_cases):
    case = Case.objects.filter(place_code__startswith=f.HUAYUAN, status=Status.DISPATCHED).first()
    suggested = selectors.merge_suggestions_for(case)
    (query,) = sql_of(lambda: selectors.merge_suggestions_for(case))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # One index answers it, newest first: never every case of the category ever filed (a common
    # one holds tens of thousands at a city's scale) ANDed with the community's.
    assert "case_open_community_category" in plan, plan
    assert "BitmapAnd" not in plan and "case_category_newest" not in plan, plan
    assert suggested and all(c.pk != case.pk for c in suggested)


@on_postgresql
def test_the_api_lists_own_reports_part_reads_the_open_reporter_index(a_street_of_closed_cases):
    from huizhi.cases.permissions import visible_case_parts

    staff = User.objects.get(username="huayuan_staff")
    _scope, own_reports = visible_case_parts(staff)
    plan = explain(own_reports.open().order_by().values("pk")[:10001])
    # Not the reporter's index ANDed with every open case's status (96,000 entries at a million).
    assert "case_open_reporter" in plan, plan
    assert "BitmapAnd" not in plan and "cases_case_status_" not in plan, plan


@on_postgresql
def test_the_queue_filtered_by_a_subclass_reads_the_categorys_newest_in_order(a_street_of_closed_cases):
    street = User.objects.get(username="street")
    category = Case.objects.filter(place_code__startswith=f.HUAYUAN).order_by("pk").first().category
    queue = selectors.case_queue(street, selectors.QueueFilter(status="all", category=category.code))
    page = explain(queue.values_list("pk", flat=True)[:51])
    assert "case_category_newest" in page, page
    # The page is the index's first entries of the scope, not the category's cases sorted: before,
    # the filter on the joined category's code read every case of the street or sorted them.
    assert "Sort" not in page and "cases_category" not in page, page


@on_postgresql
def test_the_filtered_queues_count_reads_the_category_within_the_scope(a_street_of_closed_cases):
    """The count of a street's cases of one category: one range of an index led by the category,
    then the place code (before, an index led by the place code read the street's every entry and
    kept the category's: a twelfth of the district's cases to count a fifteenth of those)."""
    street = User.objects.get(username="street")
    category = Case.objects.filter(place_code__startswith=f.HUAYUAN).order_by("pk").first().category
    queue = selectors.case_queue(street, selectors.QueueFilter(status="all", category=category.code))
    count = explain(queue.values("pk").order_by()[:10001])
    assert "case_category_place" in count, count
    assert "Seq Scan on cases_case" not in count, count
