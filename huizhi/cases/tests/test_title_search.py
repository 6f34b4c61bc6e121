"""Title search: the queue's `q=` finds exactly the cases `title__icontains` finds (Chinese,
ASCII in either case, mixed, full-width, with spaces), the terms it reads are written with every
title, and on PostgreSQL the terms' GIN index serves a two-character word."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huizhi.cases import selectors
from huizhi.cases.models import Case
from huizhi.cases.search import (
    _some_case_outside,
    filter_by_title,
    place_term,
    query_terms,
    terms_array,
    title_terms,
)
from huizhi.cases.tests.bulk import bulk_cases
from huizhi.places.codes import subtree_q
from tests.factories import CaseFactory, small_street

pytestmark = [pytest.mark.django_db, pytest.mark.no_demo]

TITLES = [
    "垃圾清运不及时",
    "小区门口垃圾桶满了",
    "路边暴露垃圾",
    "垃 圾散落",  # a space inside the word: not the word
    "宠物粪便无人清理",
    "宠物 粪便",
    "LED路灯不亮",
    "led灯闪烁",
    "ＬＥＤ屏幕坏了",  # full width
    "WiFi信号差",
    "3号楼电梯故障",
    "３号楼漏水",  # a full-width digit
    "下水道堵塞",
    "楼道堆放杂物",
    "Ärger mit dem Nachbarn",
]
QUERIES = [
    "垃圾",
    "圾清",
    "垃圾桶",
    "垃 圾",
    "宠物粪便",
    "宠物",
    "led",
    "LED",
    "ＬＥＤ",
    "Led路灯",
    "wifi",
    "3号",
    "３号",
    "号楼",
    "下水",
    "堵",  # one character
    "楼",
    "ärger",
    "没有的词",
    "垃圾x",
]


@pytest.fixture
def world():
    return small_street()


@pytest.fixture
def written(world):
    return [CaseFactory(place=world.building, title=title, actor=world.resident).pk for title in TITLES]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_what_icontains_finds(written, query):
    cases = Case.objects.filter(pk__in=written)
    expected = set(cases.filter(title__icontains=query).values_list("pk", flat=True))
    assert set(filter_by_title(cases, query).values_list("pk", flat=True)) == expected


def test_the_written_set_is_searched_not_passed_through(written):
    """The equivalence above is not vacuous: the words pick some titles and leave others."""
    cases = Case.objects.filter(pk__in=written)
    assert filter_by_title(cases, "垃圾").count() == 3
    assert filter_by_title(cases, "宠物粪便").count() == 1
    assert filter_by_title(cases, "没有的词").count() == 0


def test_terms_are_written_with_the_title(written):
    case = Case.objects.get(pk=written[0])
    assert case.title_terms == title_terms("垃圾清运不及时")
    assert {"垃圾", "圾清", "垃", "时"} <= set(case.title_terms.split())
    assert Case.objects.filter(pk__in=written, title_terms="").count() == 0


def test_terms_fold_case_and_never_hold_a_space():
    assert title_terms("LED 灯") == "d e ed l le 灯"
    assert query_terms("垃圾桶") == ["圾桶", "垃圾"]
    assert query_terms("堵") == ["堵"]
    assert query_terms(" ") == []


def test_the_queue_searches_through_it(world, written):
    found = selectors.case_queue(world.street_admin, selectors.QueueFilter(status="all", query="垃圾"))
    assert {c.title for c in found} == {"垃圾清运不及时", "小区门口垃圾桶满了", "路边暴露垃圾"}


def plan_without_table_scans(queryset) -> str:
    """PostgreSQL's plan for `queryset` with scans of the whole table priced out, in its order or
    not (a test's table is too small for the planner to prefer any index; and with the statistics
    earlier tests leave, walking the newest-first index and checking each row can price lowest):
    only an index whose expression the query's condition is can then serve it."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_indexscan = on")
    return plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_a_two_character_word_is_read_from_the_gin_index(written):
    """The query's expression is the index's: with scans of the table priced out (a test's table
    is too small for the planner to prefer any index), the plan reads `case_search_terms`. Were
    the expressions to differ, no index could serve it and the plan would still scan the table."""
    queryset = filter_by_title(Case.objects.all(), "垃圾").order_by("-created_at", "-id")
    plan = plan_without_table_scans(queryset.values_list("pk", flat=True)[:51])
    assert "case_search_terms" in plan, plan
    assert "Seq Scan on cases_case" not in plan, plan


@pytest.fixture
def elsewhere(written):
    """Titles with the same words in another street (its own district, as the factories make it)."""
    return [CaseFactory(title=title).pk for title in ("垃圾满地", "路边垃圾", "宠物粪便")]


@pytest.mark.parametrize("query", ["垃圾", "宠物粪便", "堵", "led"])
def test_a_search_within_a_place_finds_what_icontains_finds_there(world, elsewhere, query):
    other = Case.objects.get(pk=elsewhere[0]).place
    codes = [world.street.code[:6], world.street.code, world.community.code, world.grid.code]
    codes += [world.compound.code, world.building.code, other.code[:9], other.code[:12], "999999"]
    for code in codes:
        there = Case.objects.filter(subtree_q(code, "place_code"))
        expected = set(there.filter(title__icontains=query).values_list("pk", flat=True))
        found = set(filter_by_title(there, query, within=code).values_list("pk", flat=True))
        assert found == expected, code
    street = Case.objects.filter(subtree_q(world.street.code, "place_code"))
    assert filter_by_title(street, "垃圾", within=world.street.code).count() >= 3  # not vacuous


def test_only_the_levels_a_scope_can_be_have_a_place_term(world):
    assert place_term(world.street.code) == f"@{world.street.code}"
    assert place_term(world.grid.code) == f"@{world.grid.code}"
    assert place_term(world.building.code) is None  # below the grid: no scope is a building
    assert place_term("") is None and place_term("34110３001") is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_the_street_queue_asks_the_index_for_the_word_and_the_street_together(world, elsewhere):
    """A large street's search read the word's whole list and the street's whole range apart;
    the place term makes it one lookup of the index for both: the queue's query asks `@>` of the
    word and the street's term, and the index serves exactly that condition (the planner's
    choice on a million rows is the city benchmark's to show; a test's table is too small).
    Cases in another street (`elsewhere`): were every case in this one, its term would be left out
    (as when this file ran alone, without the demo's cases)."""
    queue = selectors.case_queue(world.street_admin, selectors.QueueFilter(status="all", query="垃圾"))
    _sql, params = queue.values_list("pk", flat=True).query.sql_with_params()
    assert f"@{world.street.code}" in params  # beside the word, in the one `@>` of the terms
    both = Case.objects.alias(terms=terms_array()).filter(terms__contains=["垃圾", f"@{world.street.code}"])
    plan = plan_without_table_scans(both.values_list("pk", flat=True))
    assert "Bitmap Index Scan on case_search_terms" in plan, plan
    assert f"@{world.street.code}" in plan.split("Bitmap Index Scan on case_search_terms")[1], plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_a_place_that_holds_every_case_is_not_asked_of_the_index(world, written):
    """A district-wide deployment's district holds every case: its term is in every row, and asking
    the index for it only reads a list as long as the table. The search leaves it out, finding
    the same cases; once a case lies outside the place, the term narrows and is asked again."""
    street = world.street.code
    Case.objects.exclude(subtree_q(street, "place_code")).update(place_code=world.building.code)
    everything = Case.objects.all()
    _sql, params = filter_by_title(everything, "垃圾", within=street).query.sql_with_params()
    assert f"@{street}" not in params
    found = set(filter_by_title(everything, "垃圾", within=street).values_list("pk", flat=True))
    assert found == set(everything.filter(title__icontains="垃圾").values_list("pk", flat=True))
    assert found  # not vacuous

    CaseFactory(title="路边垃圾")  # in a street of its own, as the factories make it
    assert not Case.objects.filter(subtree_q(street, "place_code")).filter(title="路边垃圾").exists()
    _sql, params = filter_by_title(everything, "垃圾", within=street).query.sql_with_params()
    assert f"@{street}" in params


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_whether_a_case_lies_outside_a_place_is_read_from_the_ends_of_an_index(world, written):
    """Found by the city benchmark: a probe `place_code < %s` (prepared, so planned once for any
    value) read the whole table for the first street, which has no case below it. The question
    is now the lowest and highest codes, with no parameter to plan for: two ends of an index."""
    like = Case.objects.order_by("pk").first()
    bulk_cases(3000, like=like)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    with CaptureQueriesContext(connection) as queries:
        _some_case_outside(Case, world.street.code)
    (probe,) = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {probe}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan and "Index Only Scan" in plan, plan


STREET_SEARCH = selectors.QueueFilter(status="all", query="垃圾")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_a_street_search_is_counted_by_its_place_term_alone(world, elsewhere):
    """The count of a street's search read the street's code range as well as the index's answer
    for the word and the street, which are the same cases (the planner cannot tell: at a million
    cases 20 ms, 10 without the range). It is counted without the range, and counts the same
    cases; the rows shown still come from the scoped queue."""
    counted = selectors.case_queue_counted(world.street_admin, STREET_SEARCH)
    sql, params = counted.query.sql_with_params()
    assert '"place_code" >=' not in sql and f"@{world.street.code}" in params
    queue = selectors.case_queue(world.street_admin, STREET_SEARCH)
    assert set(counted.values_list("pk", flat=True)) == set(queue.values_list("pk", flat=True))
    assert queue.count() == 3 and Case.objects.filter(title__icontains="垃圾").count() == 5  # not vacuous


def test_the_queue_counts_itself_where_no_place_term_is_its_whole_scope(world, elsewhere):
    community = selectors.QueueFilter(status="all", query="垃圾", community=world.community.code)
    grid = selectors.QueueFilter(status="all", query="垃圾", grid=world.grid.code)
    assert selectors.case_queue_counted(world.street_admin, community) is None  # the filter may lie outside
    assert selectors.case_queue_counted(world.street_admin, grid) is None
    assert selectors.case_queue_counted(world.street_admin, selectors.QueueFilter(status="all")) is None
    assert selectors.case_queue_counted(world.crew_member, STREET_SEARCH) is None  # a unit's tasks
    if connection.vendor != "postgresql":  # no index to ask for the place: the scope is the range
        assert selectors.case_queue_counted(world.street_admin, STREET_SEARCH) is None


def test_a_street_searchs_page_counts_only_the_streets_cases(client, world, elsewhere):
    client.force_login(world.street_admin)
    response = client.get(reverse("cases:queue"), {"status": "all", "q": "垃圾"})
    page = response.context["page"]
    assert page.paginator.count == 3 and not page.paginator.capped
    assert {case.title for case in page.object_list} == {
        "垃圾清运不及时",
        "小区门口垃圾桶满了",
        "路边暴露垃圾",
    }
