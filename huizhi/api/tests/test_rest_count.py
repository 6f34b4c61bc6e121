"""The REST case list's count (issue 16): taken from the list's disjoint parts — the reader's work
scope and their own reports outside it — so that each is counted from an index instead of every row
of an OR being visited. It must still be the list's own count, whoever reads and whatever the filter."""

import pytest
from django.db.models import Count

from huizhi.api.tests.test_rest import CASES, PEOPLE, fenghuang_case, key_client, token_client
from huizhi.cases.models import Case
from huizhi.cases.permissions import cases_visible_to, visible_case_parts
from huizhi.cases.tests import factories as f

pytestmark = pytest.mark.django_db

FILTERS = [{}, {"status": "open"}, {"status": "reported"}, {"category": "01"}, {"place": f.HUAYUAN}]


@pytest.fixture
def reports_on_both_sides():
    """huayuan_staff reported a case in Fenghuang (outside their scope) and one in Huayuan (inside:
    it must be counted once); the resident reported one in each community."""
    outside, inside = fenghuang_case(), f.reported_case()
    Case.objects.filter(pk__in=[outside.pk, inside.pk]).update(reporter=f.user("huayuan_staff"))
    for case in (fenghuang_case(), f.reported_case()):
        Case.objects.filter(pk=case.pk).update(reporter=f.user("resident"))


def _all_pages(client, params) -> tuple[list[int], dict]:
    ids, first, url, query = [], None, CASES, {"limit": 7, **params}
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        first = first or body
        ids += [row["id"] for row in body["results"]]
        url, query = body["next"], None
    return ids, first


@pytest.mark.usefixtures("reports_on_both_sides")
@pytest.mark.parametrize("params", FILTERS, ids=["all", "open", "reported", "category", "place"])
@pytest.mark.parametrize("who", [*PEOPLE, "key"])
def test_the_count_is_the_number_of_rows_the_list_holds(who, params):
    client = key_client(f.HUAYUAN) if who == "key" else token_client(who)
    ids, first = _all_pages(client, params)
    assert len(ids) == len(set(ids)), "a row came twice"
    assert first["count"] == len(ids)
    assert first["count_exact"] is True


@pytest.mark.usefixtures("reports_on_both_sides")
@pytest.mark.parametrize("who", PEOPLE)
def test_the_parts_are_disjoint_and_make_up_the_visible_cases(who):
    user = f.user(who)
    parts = [set(part.values_list("pk", flat=True)) for part in visible_case_parts(user)]
    union = set().union(*parts)
    assert sum(len(p) for p in parts) == len(union), "a case is in two parts"
    assert union == set(cases_visible_to(user).values_list("pk", flat=True))


@pytest.mark.usefixtures("reports_on_both_sides")
def test_own_reports_outside_the_scope_are_a_part_of_their_own():
    staff = f.user("huayuan_staff")
    work, own = visible_case_parts(staff)
    outside = own.values("community__code").annotate(n=Count("id"))
    assert list(outside) == [{"community__code": f.FENGHUANG, "n": 1}]
    assert not own.filter(pk__in=work.values("pk")).exists()


@pytest.mark.parametrize("who", ["huayuan_staff", "street", "gridworker"])
def test_no_count_asks_for_reporter_or_place(who):
    """The defect: the count was one query of `reporter = me OR place in my subtree`, which no index
    answers (at a million cases a street's count was a sequential scan, 30–63 ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert token_client(who).get(CASES).status_code == 200
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert counts
    for sql in counts:
        assert not ('"reporter_id" = ' in sql and " OR " in sql), sql
