"""Title search: the queue's `q=` finds exactly the cases `title__icontains` finds (Chinese,
ASCII in either case, mixed, full-width, with spaces), the terms it reads are written with every
title, and on PostgreSQL the terms' GIN index serves a two-character word."""

import pytest
from django.db import connection

from huizhi.cases import selectors
from huizhi.cases.models import Case
from huizhi.cases.search import filter_by_title, query_terms, title_terms
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_a_two_character_word_is_read_from_the_gin_index(written):
    """The query's expression is the index's: with scans of the table priced out (a test's table
    is too small for the planner to prefer any index), the plan reads `case_title_terms`. Were
    the expressions to differ, no index could serve it and the plan would still scan the table."""
    queryset = filter_by_title(Case.objects.all(), "垃圾").order_by("-created_at", "-id")
    sql, params = queryset.values_list("pk", flat=True)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "case_title_terms" in plan, plan
    assert "Seq Scan on cases_case" not in plan, plan
