"""What the benchmarks share: a fresh database with the demo street, page timing, and bulk cases."""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(sqlite_name: str, database_url: str | None = None) -> str:
    """Point Django at `database_url` (else a fresh SQLite file named `sqlite_name` in the temporary
    folder), migrate an empty database and return the URL used."""
    if database_url is None:
        path = Path(tempfile.gettempdir()) / sqlite_name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    os.environ["HUIZHI_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HUIZHI_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    if not database_url.startswith("sqlite"):
        _create_postgres_database(database_url)
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    return database_url


def _create_postgres_database(database_url: str) -> None:
    """Create the benchmark's database when it does not exist yet (the server's `postgres` db is asked)."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def analyze() -> None:
    """Table statistics, as a running installation has them (autovacuum; `huizhi demo` on SQLite)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def seed_cases(count: int) -> None:
    """The demo street, then `count` cases spread over every building and state (bulk inserts:
    volume only; the services are measured on their own)."""
    from django.utils import timezone

    from huizhi.cases.models import Case, Category
    from huizhi.cases.states import Source, Status
    from huizhi.places.kinds import OrganisationKind, PlaceKind
    from huizhi.places.models import Organisation, Place
    from huizhi.site.demo import load_demo

    load_demo()
    rng = random.Random(7)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING).select_related("parent__parent__parent"))
    categories = list(Category.objects.filter(parent__isnull=False))
    crews = {o.place_id: o for o in Organisation.objects.filter(kind=OrganisationKind.REPAIR_CREW)}
    statuses = [
        Status.REPORTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.HANDLING,
        Status.HANDLED,
        Status.CLOSED,
        Status.CLOSED,
        Status.CLOSED,
    ]
    now = timezone.now()
    batch = []
    for i in range(count):
        building = rng.choice(buildings)
        grid, status = building.parent.parent, rng.choice(statuses)
        community = grid.parent
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        due = created + timedelta(hours=rng.choice([2, 8, 24, 72]))
        dispatched = status in (Status.DISPATCHED, Status.HANDLING, Status.HANDLED, Status.CLOSED)
        batch.append(
            Case(
                title=f"批量案件 {i}",
                description="基准测试数据",
                source=Source.PATROL,
                category=rng.choice(categories),
                status=status,
                place=building,
                place_code=building.code,
                grid=grid,
                community=community,
                created_at=created,
                accept_due_at=created + timedelta(hours=1),
                accept_warn_at=created + timedelta(minutes=48),
                handling_unit=crews.get(community.id) if dispatched else None,
                handle_due_at=due if dispatched else None,
                handle_warn_at=due - timedelta(minutes=30) if dispatched else None,
                rework_count=1 if rng.random() < 0.03 else 0,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    analyze()


def time_page(client, url: str, requests: int) -> tuple[float, float, int]:
    """(median seconds, p95 seconds, queries per request) of GET `url` through the Django test client."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the template loader
    timings, queries = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(timings), percentile(timings, 95), queries


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
