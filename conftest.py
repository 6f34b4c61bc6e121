"""Fixtures for the whole suite.

The demo street is loaded once into the test database (session), so every test can use it and
rolls back its own changes. Transactional tests (the browser journeys) flush the database when
they end, so they ask for `live_demo`, which loads the demo again when it is gone.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings

from huizhi.core.demo import demo_is_loaded, load_demo
from huizhi.places import gridindex

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        load_demo()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 is the production hasher (tested in accounts); tests need not pay for it per login.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    gridindex.invalidate()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def _demo_snapshot(django_db_setup, django_db_blocker):
    """The demo street as loaded for the session, to put back after a transactional test's flush
    (tests/snapshot.py); None where no copy can be taken, and the demo is reloaded instead."""
    from django.db import connection

    from tests import snapshot

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        if not demo_is_loaded():  # an earlier transactional test flushed it
            load_demo()
        copy = snapshot.take(connection)
    yield copy
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
