"""Fixtures for the whole suite.

Two worlds:

- The demo street is what a database test sees by default. It is loaded once into the test
  database (session) and every test rolls back its own changes. Loading it costs seconds, so it
  is loaded only when at least one collected test that uses the database needs it.
- A module that builds its own small world from `tests/factories.py` says so with
  `pytestmark = pytest.mark.no_demo`. A run that collects only such modules (and tests that use
  no database) never loads the demo, so a unit file runs in about two seconds. In a run that also
  collects demo tests, the no_demo tests run on top of the demo: they must not assume an empty
  database (count what they made, look rows up by what they made).

`pytest -m no_demo` runs the fast tests alone. Transactional tests (the browser journeys) flush
the database when they end, so they ask for `live_demo`, which puts the demo back.

In parallel (pytest-xdist, `make test` runs `-n 2`) each worker is its own session: its own test
database (pytest-django names PostgreSQL's `test_<name>_gw0`, `_gw1`; SQLite's is in memory), its
own demo, and its own Redis database (below), since the tests clear the cache.
"""

import os
import random
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.test import override_settings

from huizhi.core import kept
from huizhi.places import gridindex
from huizhi.site.demo import demo_is_loaded, load_demo

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# "gw0", "gw1", … in an xdist worker; "" in a run without xdist and in xdist's controller.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_NUMBER = int(XDIST_WORKER[2:]) if XDIST_WORKER.startswith("gw") else 0

if not XDIST_WORKER:
    # Every worker collects the suite itself, and xdist refuses to run if their lists differ: a
    # parametrize over a set of strings would be ordered by each process's own hash seed. The
    # workers inherit this environment, so they share one seed (a new one each run).
    os.environ.setdefault("PYTHONHASHSEED", str(random.randint(1, 2**32 - 1)))


def _redis_db(url: str, number: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number % 16}"))


def _own_redis_database_per_worker() -> None:
    """With Redis as the cache, worker gwN uses the configured database number less N (CI's 15:
    gw0 15, gw1 14), so one worker's cache.clear() (every test does one) never empties another's
    rate-limit counts. Settings are loaded before this file, so the cache setting is changed here
    and the environment with it, for the subprocesses tests start (manage.py, gunicorn)."""
    from asgiref.local import Local
    from django.conf import settings
    from django.core.cache import caches

    default = settings.CACHES["default"]
    if not XDIST_WORKER or "redis" not in default["BACKEND"].lower():
        return
    number = int(urlsplit(default["LOCATION"]).path.strip("/") or 0) - WORKER_NUMBER
    default["LOCATION"] = _redis_db(default["LOCATION"], number)
    os.environ["HUIZHI_REDIS_URL"] = default["LOCATION"]
    # What django.test.signals.clear_cache_handlers does when a test changes CACHES.
    caches._settings = caches.settings = caches.configure_settings(None)
    caches._connections = Local()


_own_redis_database_per_worker()


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before xdist's own, which would pick its scheduler
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (pyproject.toml) with every browser journey in one group: they run in one
    worker, one after another as without xdist (one chromium, one live server, not two fighting for
    two cores), while the other worker takes the rest; every other test is scheduled on its own.

    The group is made here from the path, not by an xdist_group mark: pytest 9.2's structured node IDs
    make xdist 3.8 drop the marks silently (pytest-dev/pytest-xdist#1386). Marks still count once fixed."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class BrowserGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith("tests/browser/"):
                return "tests/browser"
            return super()._split_scope(nodeid)

    return BrowserGroupScheduling(config, log)


@pytest.fixture
def real_redis_url(settings) -> str:
    """A Redis database this test may flush: the suite's own cache's when that is Redis (one per
    worker, above), else database 13 (12 for worker gw1, …). Whether Redis answers is the test's to check."""
    default = settings.CACHES["default"]
    if "redis" in default["BACKEND"].lower():
        return default["LOCATION"]
    return _redis_db("redis://127.0.0.1:6379/", 13 - WORKER_NUMBER)


_NEEDS_DEMO = pytest.StashKey[bool]()
# A transactional test ended (emptying the database) since the demo was last put back.
_FLUSHED = pytest.StashKey[bool]()
_SNAPSHOT = pytest.StashKey[object]()  # the session's copy of the demo (_demo_snapshot), once taken


def _needs_demo(item: pytest.Item) -> bool:
    """Whether `item` reads the database and did not declare that it builds its own world."""
    if item.get_closest_marker("no_demo"):
        return False
    fixtures = getattr(item, "fixturenames", ())
    # `db`, `transactional_db`, `admin_client`, `live_server`, `live_demo` all depend on
    # django_db_setup; the django_db marker asks for the database at run time instead.
    return "django_db_setup" in fixtures or item.get_closest_marker("django_db") is not None


def pytest_collection_finish(session: pytest.Session) -> None:
    # After -k/-m deselection: only the tests that will run decide.
    session.config.stash[_NEEDS_DEMO] = any(_needs_demo(item) for item in session.items)


def _transactional(item: pytest.Item) -> bool:
    """Whether `item` ends by flushing the database (as pytest-django tells them apart)."""
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or "live_server" in fixtures


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Put the demo back before a test that reads it, when a transactional test emptied the database.

    pytest-django runs the transactional tests after the others, so in one process this never
    happens; with xdist the browser journeys run first in their worker (pytest_xdist_make_scheduler),
    and that worker goes on to ordinary tests."""
    config = item.config
    if config.stash.get(_FLUSHED, False) and _needs_demo(item) and not _transactional(item):
        from django.db import connection
        from pytest_django.plugin import blocking_manager_key

        with config.stash[blocking_manager_key].unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            snapshot = config.stash.get(_SNAPSHOT, None)
            if snapshot is not None:
                snapshot.restore(connection)
            elif not demo_is_loaded():
                load_demo()
        config.stash[_FLUSHED] = False
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem):
    try:
        return (yield)
    finally:
        if _transactional(item):
            item.config.stash[_FLUSHED] = True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    if not request.config.stash.get(_NEEDS_DEMO, True):
        return
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        load_demo()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 is the production hasher (tested in accounts); tests need not pay for it per login.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language: a request through the test client leaves its
    language active in the thread (LocaleMiddleware activates it and nothing deactivates it), so a
    test that asked for English would otherwise change what the next test's services write."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    kept.drop_all()  # a copy read in a test that was rolled back
    gridindex.invalidate()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _demo_snapshot(django_db_setup, django_db_blocker, request):
    """The demo street as loaded for the session, to put back after a transactional test's flush
    (tests/snapshot.py); None where no copy can be taken, and the demo is reloaded instead."""
    from django.db import connection

    from tests import snapshot

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        if not demo_is_loaded():  # an earlier transactional test flushed it
            load_demo()
        copy = snapshot.take(connection)
    request.config.stash[_SNAPSHOT] = copy
    yield copy
    request.config.stash[_SNAPSHOT] = None
    if copy is not None:
        copy.close()


@pytest.fixture
def live_demo(_demo_snapshot, transactional_db):
    """The demo street in a transactional test (browser journeys, live servers, threads): restored
    from the session's copy, or reloaded."""
    from django.db import connection

    if _demo_snapshot is not None:
        _demo_snapshot.restore(connection)
    elif not demo_is_loaded():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            load_demo()


@pytest.fixture
def database_queue(settings, monkeypatch):
    """Tasks queued in the database for a task worker, as deployed (`db_worker` runs them in the
    test's transaction)."""
    from huizhi.core.management.commands import db_worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker would close the test's connection (and its transaction) between tasks.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
