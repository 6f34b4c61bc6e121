"""On PostgreSQL a connection keeps the queries it repeats prepared on the server, unless the
operator turns it off (a pooler in transaction mode cannot keep them)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from huizhi.places.models import Place

ROOT = Path(__file__).resolve().parents[3]


def database_options(**env) -> dict:
    """The default database's OPTIONS as a fresh process reads them from its environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUIZHI_", "DJANGO_"))}
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HUIZHI_DATABASE_URL": "postgres://huizhi@127.0.0.1:5432/huizhi",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_prepared_statements_are_on_by_default_and_can_be_turned_off():
    on = database_options()
    assert on["server_side_binding"] is True
    assert on["prepare_threshold"] == 5
    off = database_options(HUIZHI_DATABASE_PREPARED_STATEMENTS="false")
    assert "server_side_binding" not in off
    assert "prepare_threshold" not in off


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
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
