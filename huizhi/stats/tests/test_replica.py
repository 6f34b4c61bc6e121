"""Statistics read from a replica when HUIZHI_REPLICA_URL configures one (huizhi/core/dbrouter.py),
and everything else — the case loop's reads and every write — stays on the primary.

The "replica" of these tests is a second database alias whose connection is the test database's
own session: a real second connection could not see rows the test has not committed. What is
asserted is which alias ran each query (`CaptureQueriesContext` per connection).
"""

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from huizhi.cases.models import Case
from huizhi.cases.tests.factories import HUAYUAN, STREET, user
from huizhi.core.dbrouter import REPLICA, reading_reports, reports_database
from huizhi.stats import metrics, tables
from huizhi.stats.periods import month_period
from huizhi.stats.tests.helpers import READ_AT, at, march, scope

pytestmark = pytest.mark.django_db

MARCH = month_period(march(1, 0).date())
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def replica():
    default = connections["default"]
    default.ensure_connection()
    conf = copy.deepcopy(default.settings_dict)  # the test database's name, as a mirror would have
    settings.DATABASES[REPLICA] = conf
    connections.settings[REPLICA] = conf  # the same dict as settings.DATABASES, once read
    wrapper = connections[REPLICA]
    wrapper.connection, wrapper.autocommit = default.connection, default.autocommit
    yield wrapper
    wrapper.connection = None  # the session is the primary's: it is not closed here
    del connections[REPLICA]
    connections.settings.pop(REPLICA, None)
    settings.DATABASES.pop(REPLICA, None)


def _sql(captured) -> str:
    return "\n".join(q["sql"] for q in captured.captured_queries)


def test_the_figures_are_read_from_the_replica_and_nothing_of_them_from_the_primary(replica, month):
    with at(READ_AT):
        expected = metrics.figures(scope(HUAYUAN), MARCH)  # the same session: the same figures
        the_scope = scope(HUAYUAN)
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            figures = metrics.figures(the_scope, MARCH)
    assert len(on_replica) >= 5 and '"cases_case"' in _sql(on_replica)
    assert len(on_primary) == 0
    assert figures.cases == expected.cases and figures.cases.reported == 7


def test_the_statistics_page_reads_its_figures_from_the_replica(client, replica, month):
    client.force_login(user("street"))
    with (
        at(READ_AT),
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/console/stats/", {"period": "month", "month": "2025-03", "scope": STREET})
    assert response.status_code == 200 and "4 / 5" in response.content.decode()
    assert '"cases_caseevent"' in _sql(on_replica) and '"wall_post"' in _sql(on_replica)
    # The primary serves the request itself (session, user, roles, navigation), not the figures.
    assert '"cases_caseevent"' not in _sql(on_primary)


def test_outside_reports_and_for_every_write_the_primary_is_used(replica, month):
    assert Case.objects.all().db == "default"  # the case loop reads its own writes
    with reading_reports():
        assert reports_database() == REPLICA
        read = Case.objects.first()
        assert read._state.db == REPLICA
        # Saved where it must be saved, though read from the replica.
        assert router.db_for_write(Case, instance=read) == "default"
    assert reports_database() == "default"
    assert router.allow_migrate(REPLICA, "cases", model_name="case") is False  # it copies the primary
    assert router.allow_migrate("default", "cases", model_name="case") is True


def test_without_a_replica_reports_read_the_primary(month):
    assert REPLICA not in settings.DATABASES
    with at(READ_AT):
        the_scope = scope(HUAYUAN)
        with CaptureQueriesContext(connections["default"]) as on_primary:
            board = tables.build(the_scope, MARCH)
    assert board and '"cases_case"' in _sql(on_primary)
    with reading_reports():
        assert reports_database() == "default" and Case.objects.all().db == "default"


@pytest.mark.parametrize("replica_url", ["", "postgres://reader@replica.intranet:5432/huizhi"])
def test_the_replica_is_configured_only_by_its_variable(replica_url):
    env = {**os.environ, "HUIZHI_REPLICA_URL": replica_url}
    code = (
        "import json; from config import settings as s; "
        "r = s.DATABASES.get('replica'); "
        "print(json.dumps(r and {k: r[k] for k in ('HOST', 'NAME', 'USER', 'TEST')}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    if replica_url:
        assert out == (
            '{"HOST": "replica.intranet", "NAME": "huizhi", "USER": "reader", "TEST": {"MIRROR": "default"}}'
        )
    else:
        assert out == "null"
