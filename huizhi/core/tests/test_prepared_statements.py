"""On PostgreSQL a connection keeps the queries it repeats prepared on the server (the settings
that turn it on and off: tests/test_deploy.py)."""

import psycopg
import pytest
from django.db import connection

from huizhi.core.preparedplans import retry_after_a_stale_plan
from huizhi.places.models import Place

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


@on_postgresql
@pytest.mark.django_db
def test_a_query_run_again_and_again_is_prepared_once_on_the_server():
    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    before = prepared()
    for code in ("341103", "341103001", "341103001001", "x", "y", "z"):
        # A query of this test's own shape (names by code, newest code first).
        list(Place.objects.filter(code=code).order_by("-code").values_list("name", flat=True))
    new = [statement for statement in prepared() - before if '"places_place"."code" = $1' in statement]
    assert len(new) == 1  # one statement, whatever the code: the value travels apart from it


@on_postgresql
@pytest.mark.django_db
def test_a_prepared_query_is_still_planned_for_its_values():
    """Found by the city benchmark: after five runs of a prepared statement PostgreSQL may keep
    one generic plan, and for a scope's ranges and a clock's cut-offs it read a street's open
    cases instead of walking the deadline index (31 → 123 ms from the tenth request on)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"


PROBE_QUERY = "SELECT id, name FROM hz_prepared_probe WHERE id = %s"


@pytest.fixture
def stale_prepared_probe():
    """A table whose one query this connection has prepared, then a migration (another
    connection) widens the column that query reads: the prepared plan is now stale."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE hz_prepared_probe (id integer PRIMARY KEY, name varchar(10))")
        cursor.execute("INSERT INTO hz_prepared_probe VALUES (1, 'a')")
    try:
        with connection.cursor() as cursor:
            for _ in range(6):  # past psycopg's prepare_threshold
                cursor.execute(PROBE_QUERY, [1])
        params = connection.get_connection_params()
        other = {k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
        with psycopg.connect(**other, autocommit=True) as migration:
            migration.execute("ALTER TABLE hz_prepared_probe ALTER COLUMN name TYPE varchar(40)")
        yield PROBE_QUERY
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE hz_prepared_probe")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_prepared_query_still_runs_after_a_migration_changed_its_column(stale_prepared_probe):
    """In autocommit (no request transaction) the stale statement is dropped and the query re-run."""
    with connection.cursor() as cursor:
        cursor.execute(stale_prepared_probe, [1])
        assert cursor.fetchall() == [(1, "a")]
        cursor.execute(stale_prepared_probe, [1])  # and prepared again from now on
        assert cursor.fetchall() == [(1, "a")]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_stale_plan_fails_once_and_the_rollback_clears_it(stale_prepared_probe):
    from django.db import NotSupportedError, transaction

    with pytest.raises(NotSupportedError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(stale_prepared_probe, [1])  # a request's transaction: it fails, and is rolled back
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(stale_prepared_probe, [1])  # the next one runs
        assert cursor.fetchall() == [(1, "a")]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_every_postgresql_connection_has_the_wrapper():
    connection.ensure_connection()
    assert retry_after_a_stale_plan in connection.execute_wrappers
    connection.close()
    connection.ensure_connection()
    assert connection.execute_wrappers.count(retry_after_a_stale_plan) == 1
