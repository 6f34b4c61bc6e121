"""The migrations build the schema the tests run on.

The test database is made from the models (`--no-migrations` in pyproject.toml), so this is
where the migrations themselves are applied, once, to a fresh database, and compared with the
models, on the backend the suite runs on (a fresh SQLite file, or a fresh PostgreSQL database
beside the test database, dropped afterwards)."""

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def _fresh_database_url(tmp_path):
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_migrations"[:63]
    server = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "user": params["USER"]}
    if params["PASSWORD"]:
        server["password"] = params["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = f"{server['user']}:{params['PASSWORD']}" if params["PASSWORD"] else server["user"]
        yield f"postgres://{auth}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_the_migrations_apply_to_an_empty_database_and_match_the_models(tmp_path):
    with _fresh_database_url(tmp_path) as url:
        _migrate_and_compare(url)


def _migrate_and_compare(url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["HUIZHI_DATABASE_URL"] = url
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # Every app's migrations ran, the last ones included.
    listed = subprocess.run(
        [sys.executable, "manage.py", "showmigrations", "--plan"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert "[ ]" not in listed.stdout
    assert "[X]  meetings." in listed.stdout

    # And the models are what the migrations make: no change waits for a migration.
    pending = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pending.returncode == 0, pending.stdout[-2000:]
