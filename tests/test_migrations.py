"""The migrations build the schema the tests run on.

The test database is made from the models (`--no-migrations` in pyproject.toml), so this is
where the migrations themselves are applied, once, to a fresh database, and compared with the
models."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_migrations_apply_to_an_empty_database_and_match_the_models(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["HUIZHI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
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
