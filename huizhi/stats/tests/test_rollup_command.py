"""`manage.py stats_rollup`: a whole rebuild replaces every row in one transaction, then (on
PostgreSQL) builds the roll-up tables' indexes afresh, which that leaves twice their size."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from huizhi.cases.models import Case
from huizhi.stats import rollups
from huizhi.stats.models import CaseFact
from tests.factories import CaseFactory, small_street

# An ordinary (rolled-back) test: inside its transaction the indexes are rebuilt with a plain
# REINDEX, as CONCURRENTLY cannot run there; the command outside one uses CONCURRENTLY.
pytestmark = [pytest.mark.no_demo, pytest.mark.django_db]


def _index_pages(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(pg_relation_size(indexrelid)), 0) FROM pg_index WHERE indrelid = %s::regclass",
            [table],
        )
        return cursor.fetchone()[0]


def test_a_whole_rebuild_keeps_the_facts_and_tidies_the_indexes_on_postgresql():
    here = small_street()
    for _ in range(300):
        CaseFactory(place=here.building, category=here.category, actor=here.gridworker)
    out = io.StringIO()
    call_command("stats_rollup", "--rebuild", stdout=out)
    # A fact for every case (cases another test committed before this one included).
    assert CaseFact.objects.count() == Case.objects.count() >= 300 and rollups.state() is not None
    if connection.vendor != "postgresql":
        assert "indexes rebuilt" not in out.getvalue()
        return
    assert "indexes rebuilt: stats_casefact" in out.getvalue()
    fresh = _index_pages("stats_casefact")
    rollups.rebuild()  # the rebuild alone: every index entry written twice over
    bloated = _index_pages("stats_casefact")
    assert bloated > fresh
    assert rollups.compact_after_rebuild()
    # Smaller again (not quite the fresh size: inside this test's transaction the rows the rebuild
    # replaced cannot be vacuumed away yet).
    assert _index_pages("stats_casefact") < bloated
