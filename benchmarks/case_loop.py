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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import seed_cases, setup_django, time_page  # noqa: E402


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
    setup_django("huizhi-bench-cases.sqlite3", os.environ.get("HUIZHI_DATABASE_URL"))

    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case

    setup_test_environment()
    started = time.perf_counter()
    seed_cases(args.cases)
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
