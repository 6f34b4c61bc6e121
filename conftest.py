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


@pytest.fixture
def live_demo(transactional_db):
    if not demo_is_loaded():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            load_demo()
