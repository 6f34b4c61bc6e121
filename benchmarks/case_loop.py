"""Case loop benchmark (issue: the case loop). Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/case_loop.py [--cases 100000] [--requests 50] [--reports 500]

Uses HUIZHI_DATABASE_URL when set (e.g. postgres://postgres@127.0.0.1:5432/huizhi_bench), otherwise a
fresh SQLite file in the temporary folder. It loads the demo street, adds N cases spread over every community
with bulk inserts (volume only: the services are measured separately), then measures:
  - the staff queue page (/console/cases/) and the supervision page (/console/supervision/):
    median and p95 render time over R requests, and the queries per request;
  - cases filed per second through the report service (case_report), the path every source uses.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def setup_django(database_url: str | None) -> None:
    if database_url is None:
        path = Path(tempfile.gettempdir()) / "huizhi-bench-cases.sqlite3"
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
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def seed(count: int) -> None:
    from django.utils import timezone

    from huizhi.cases.models import Case, Category
    from huizhi.cases.states import Source, Status
    from huizhi.core.demo import load_demo
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Organisation, Place

    load_demo()
    rng = random.Random(7)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING).select_related("parent__parent__parent"))
    categories = list(Category.objects.filter(parent__isnull=False))
    crews = {o.place_id: o for o in Organisation.objects.filter(kind="repair_crew")}
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
        grid = building.parent.parent
        community = grid.parent
        status = rng.choice(statuses)
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
    from django.db import connection

    with connection.cursor() as cursor:  # as a running installation would have (autovacuum, `demo`)
        cursor.execute("ANALYZE")


def time_page(client, url: str, requests: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the template loader
    timings = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))], len(queries)


def file_reports(count: int) -> float:
    from huizhi.accounts.models import User
    from huizhi.cases.models import Category
    from huizhi.cases.services import case_report
    from huizhi.cases.states import Source
    from huizhi.places.models import Place

    worker = User.objects.get(username="gridworker")
    category = Category.objects.get(code="1105")
    building = Place.objects.get(kind="building", name="11栋", parent__name="扬天小区")
    start = time.perf_counter()
    for i in range(count):
        case_report(
            actor=worker,
            category=category,
            title=f"基准上报 {i}",
            description="下水堵塞",
            source=Source.PATROL,
            place=building,
        )
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reports", type=int, default=500)
    args = parser.parse_args()
    setup_django(os.environ.get("HUIZHI_DATABASE_URL"))

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case

    setup_test_environment()
    started = time.perf_counter()
    seed(args.cases)
    print(
        f"database: {connection.vendor}; seeded {Case.objects.count():,} cases in {time.perf_counter() - started:.1f} s"
    )

    rows = []
    for username, url in (
        ("huayuan_staff", "/console/cases/"),
        ("street", "/console/cases/"),
        ("commissioner", "/console/supervision/"),
    ):
        client = Client()
        client.force_login(User.objects.get(username=username))
        median, p95, queries = time_page(client, url, args.requests)
        rows.append((f"{url} as {username}", median * 1000, p95 * 1000, queries))
    rate = file_reports(args.reports)

    print(f"\n{'page':<42} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
    for name, median, p95, queries in rows:
        print(f"{name:<42} {median:>10.1f} {p95:>10.1f} {queries:>8}")
    print(f"\ncases filed through case_report: {rate:,.0f} per second ({args.reports} reports, one process)")


if __name__ == "__main__":
    main()
