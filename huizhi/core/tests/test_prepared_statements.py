"""On PostgreSQL a connection keeps the queries it repeats prepared on the server (the settings
that turn it on and off: tests/test_deploy.py)."""

import pytest
from django.db import connection

from huizhi.places.models import Place


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
