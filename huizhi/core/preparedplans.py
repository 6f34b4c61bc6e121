"""A prepared statement outlives a migration that changes a column it reads.

Each PostgreSQL connection keeps the queries it repeats prepared (HUIZHI_DATABASE_PREPARED_STATEMENTS).
When a migration changes the type or length of a column such a statement reads, PostgreSQL refuses
to run it again ("cached plan must not change result type"), on every connection that prepared it,
until the statement is dropped. Inside a transaction the refusal rolls the transaction back, and the
rollback drops the connection's statements (psycopg's rule): the request fails once. A query run on
its own (autocommit) would fail again and again for as long as the connection lives, so there the
connection's statements are dropped and the query, which did nothing, is run once more.
"""

from django.db import NotSupportedError
from django.db.backends.signals import connection_created
from django.dispatch import receiver

STALE_PLAN = "cached plan must not change result type"


def retry_after_a_stale_plan(execute, sql, params, many, context):
    try:
        return execute(sql, params, many, context)
    except NotSupportedError as error:
        wrapper = context["connection"]
        if STALE_PLAN not in str(error) or not wrapper.get_autocommit():
            raise
        # psycopg forgets its own list of prepared statements when it sees this command run.
        wrapper.connection.execute("DEALLOCATE ALL")
        return execute(sql, params, many, context)


@receiver(connection_created)
def _install(sender, connection, **kwargs):
    if connection.vendor == "postgresql" and retry_after_a_stale_plan not in connection.execute_wrappers:
        connection.execute_wrappers.append(retry_after_a_stale_plan)
