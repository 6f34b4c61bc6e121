"""The resident list stays fast on a deep page: its order is an index's (EXPLAIN, on PostgreSQL, on a
community big enough that the planner has a choice)."""

from datetime import date, timedelta

import pytest
from django.db import connection

from huizhi.registry import selectors
from huizhi.registry.selectors import RegistryFilter
from huizhi.registry.services import registry_import
from huizhi.registry.tests.conftest import user
from huizhi.registry.tests.sheets import person_row, xlsx

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="EXPLAIN's plans are PostgreSQL's; SQLite has its own planner",
    ),
]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_deep_page_of_the_resident_list_walks_the_index_in_its_order():
    staff = user("huayuan_staff")
    rows = [  # 3,000 people (a birth date holds 100 test ID numbers), four to a room
        person_row(
            i % 100,
            birth=date(1950, 1, 1) + timedelta(days=i // 100),
            room=f"{i // 4 % 6 + 1}单元{i // 24 + 101}",
        )
        for i in range(3000)
    ]
    job = registry_import(actor=staff, data=xlsx(rows), file_name="居民.xlsx")
    assert job.created == 3000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_resident")

    residents = selectors.resident_list(staff, RegistryFilter(), date.today())
    plan = explain(residents.select_related(None).values_list("pk", flat=True)[1000:1051])

    assert "resident_active_order" in plan, plan
    # Before the index, PostgreSQL read the community's rows by place and sorted each place's by id.
    assert "Sort" not in plan, plan
