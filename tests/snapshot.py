"""A copy of the demo street as the test session loaded it, restored after a transactional test
flushed the database: reloading the demo costs seconds on each of dozens of journeys (about 4.5 s
on PostgreSQL), restoring the copy a fraction of one.

SQLite's in-memory database is copied with the backup API; PostgreSQL's tables with COPY (binary),
put back in one transaction so that the deferred foreign keys are checked once, at the end, and
then the id sequences are moved past the restored rows.
"""

import sqlite3

from django.apps import apps
from django.core.management.color import no_style
from django.db import transaction


class SqliteSnapshot:
    def __init__(self, connection):
        connection.ensure_connection()
        self.copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(self.copy)

    def restore(self, connection):
        connection.ensure_connection()
        self.copy.backup(connection.connection)

    def close(self):
        self.copy.close()


class PostgresSnapshot:
    def __init__(self, connection):
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )
        self.rows: dict[str, bytes] = {}
        with connection.cursor() as cursor:
            for table in self.tables:
                name = connection.ops.quote_name(table)
                with cursor.cursor.copy(f"COPY {name} TO STDOUT (FORMAT binary)") as copy:
                    self.rows[table] = b"".join(bytes(chunk) for chunk in copy)

    def restore(self, connection):
        names = ", ".join(connection.ops.quote_name(t) for t in self.tables)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table, data in self.rows.items():
                with cursor.cursor.copy(
                    f"COPY {connection.ops.quote_name(table)} FROM STDIN (FORMAT binary)"
                ) as copy:
                    copy.write(data)
            models = apps.get_models(include_auto_created=True)
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

    def close(self):
        self.rows.clear()


def take(connection):
    """A snapshot of the database as it is now, or None where none can be taken (a file database)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return SqliteSnapshot(connection)
    if connection.vendor == "postgresql":
        return PostgresSnapshot(connection)
    return None
