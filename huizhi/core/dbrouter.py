"""Reports may read from a PostgreSQL replica (HUIZHI_REPLICA_URL), and nothing else does.

Reads go to the replica only inside `reading_reports()`, which the statistics' entry points use
(`stats/metrics.py: figures`, `stats/tables.py: build`). Everything else reads the primary,
because the case loop needs to read its own writes: a case just accepted must show as accepted
on the next page, and a replica may be a few seconds behind. Statistics tolerate that lag.

Without a "replica" database configured, `reading_reports()` changes nothing. Writes always go
to the primary, even for an object that was read from the replica, and the replica is never
migrated (it copies the primary's schema).
"""

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reports: ContextVar[bool] = ContextVar("huizhi_reading_reports", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class reading_reports(ContextDecorator):  # noqa: N801 — used as a context manager and decorator, like atomic
    """Inside it (or a function it decorates), reads go to the replica when there is one."""

    def __enter__(self):
        self._token = _reports.set(True)
        return self

    def __exit__(self, *exc):
        _reports.reset(self._token)
        return False


def reports_database() -> str:
    """The alias reports read from here and now: the replica inside `reading_reports()`, if any."""
    return REPLICA if _reports.get() and replica_configured() else DEFAULT_DB_ALIAS


class ReportsRouter:
    """Installed always; it routes anything only when a replica is configured."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reports.get() and replica_configured() else None

    def db_for_write(self, model, **hints):
        # An instance read from the replica carries it as its database; it is saved to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: objects from either may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None
