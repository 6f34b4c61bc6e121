"""List pages at growing sizes (issue 16, "cost independent of size"). Prints figures; asserts
nothing about time.

    .venv/bin/python benchmarks/lists.py [--sizes 10000,100000,1000000] [--requests 40]
        [--database postgres://postgres@127.0.0.1:5432/huizhi_bench_lists]

On PostgreSQL: the demo street, then cases added up to each size (about 92% closed, over two
years, bulk inserts through the models' shapes: volume only, the services are measured on their
own), VACUUM ANALYZE, and the app served by gunicorn (3 workers, the production server) on 127.0.0.1.
One client then times each page in turn (a warm-up request, then --requests more): /healthz, the
street's staff queue (open cases, and all cases: the list a full COUNT(*) used to read), a deep
page of it, the community open queue, the supervision queue, the REST list, its deepest offset
and a keyset page half way down the list. A table per size, then one JSON line of every figure.

The database is kept between runs: a size already reached is not generated again.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import free_port  # noqa: E402
from common import production_environment, session_cookie, start_gunicorn, time_get, use_database  # noqa: E402

CLOSED_SHARE = 0.92
DEEP_PAGE = 200  # rows 9,951–10,000 of the street's list, whatever its size
MARK = "列表基准"  # the generated cases' titles start with it


def generate(up_to: int) -> int:
    """Add bulk cases until the database holds `up_to` of them; returns how many were added."""
    from django.utils import timezone

    from huizhi.cases.models import Case, Category
    from huizhi.cases.states import OPEN_STATUSES, Rating, Source, Status
    from huizhi.places.kinds import OrganisationKind, PlaceKind
    from huizhi.places.models import Organisation, Place
    from huizhi.site.demo import demo_is_loaded, load_demo

    if not demo_is_loaded():
        load_demo()
    have = Case.objects.count()
    if have >= up_to:
        return 0
    rng = random.Random(up_to)
    buildings = list(Place.objects.filter(kind=PlaceKind.BUILDING).select_related("parent__parent__parent"))
    categories = list(Category.objects.filter(parent__isnull=False))
    crews = {o.place_id: o.pk for o in Organisation.objects.filter(kind=OrganisationKind.REPAIR_CREW)}
    open_statuses = sorted(OPEN_STATUSES)
    now = timezone.now()
    two_years = 2 * 365 * 24 * 60
    batch, added = [], 0
    for i in range(have, up_to):
        building = rng.choice(buildings)
        grid = building.parent.parent
        community = grid.parent
        # Open cases are the recent ones, as in a working office; closed ones spread over two years.
        closed = rng.random() < CLOSED_SHARE
        status = Status.CLOSED if closed else rng.choice(open_statuses)
        age = rng.randint(0, two_years) if closed else rng.randint(0, 30 * 24 * 60)
        created = now - timedelta(minutes=age, seconds=rng.random() * 60)
        due = created + timedelta(hours=rng.choice([8, 24, 72, 120]))
        dispatched = closed or status in (
            Status.DISPATCHED,
            Status.HANDLING,
            Status.HANDLED,
            Status.SUSPENDED,
        )
        batch.append(
            Case(
                title=f"{MARK} {i}",
                description="基准测试数据",
                source=Source.PATROL,
                category=rng.choice(categories),
                status=status,
                place=building,
                place_code=building.code,
                grid=grid,
                community=community,
                created_at=created,
                accept_due_at=created + timedelta(hours=2),
                accept_warn_at=created + timedelta(minutes=96),
                handling_unit_id=crews.get(community.id) if dispatched else None,
                handle_due_at=due if dispatched else None,
                handle_warn_at=due - timedelta(hours=2) if dispatched else None,
                rework_count=1 if rng.random() < 0.03 else 0,
                rating=(Rating.SATISFIED if rng.random() < 0.9 else Rating.UNSATISFIED) if closed else "",
                closed_at=created + timedelta(days=rng.randint(1, 10)) if closed else None,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            added += len(batch)
            batch = []
    Case.objects.bulk_create(batch)
    added += len(batch)
    # What autovacuum does to a table at rest: statistics, and the visibility map that lets an
    # index answer alone.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_case")
    return added


def middle_cursor() -> str:
    """The `cursor` a client following `next` would hold half way down the street's REST list."""
    from huizhi.api.pagination import _encode
    from huizhi.cases.models import Case

    middle = Case.objects.order_by("-created_at", "-id").values_list("created_at", "id")[
        Case.objects.count() // 2
    ]
    return _encode(middle, backwards=False)


def pages(street: dict, community: dict, commissioner: dict, token: dict, cursor: str) -> list[tuple]:
    return [
        ("healthz", "/healthz", {}),
        ("street_queue_open", "/console/cases/", street),
        ("street_queue_all", "/console/cases/?status=all", street),
        ("deep_page", f"/console/cases/?status=all&page={DEEP_PAGE}", street),
        ("community_queue", "/console/cases/", community),
        ("supervision", "/console/supervision/", commissioner),
        ("rest_list", "/api/v1/cases/", token),
        ("rest_offset_10000", "/api/v1/cases/?offset=10000", token),
        ("rest_next_middle", f"/api/v1/cases/?cursor={cursor}", token),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--database",
        default=os.environ.get(
            "HUIZHI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huizhi_bench_lists"
        ),
    )
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        raise SystemExit("This benchmark runs on PostgreSQL (--database postgres://…).")
    sizes = sorted(int(s) for s in args.sizes.split(","))
    # Migrated, not flushed: a database already holding the cases of a size is reused.
    use_database(args.database)

    from rest_framework.authtoken.models import Token

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case

    env = production_environment(args.database)
    results = []
    for size in sizes:
        started = time.perf_counter()
        added = generate(size)
        generated_s = time.perf_counter() - started
        cases = Case.objects.count()
        street = {"Cookie": session_cookie("street")}
        community = {"Cookie": session_cookie("huayuan_staff")}
        commissioner = {"Cookie": session_cookie("commissioner")}
        token, _ = Token.objects.get_or_create(user=User.objects.get(username="street"))
        rest = {"Authorization": f"Token {token.key}"}
        port = free_port()
        server = start_gunicorn(port, env, 3, threads=4)
        try:
            figures = {}
            for name, path, headers in pages(street, community, commissioner, rest, middle_cursor()):
                figures[name] = time_get(port, path, headers, args.requests, timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=10)
        open_cases = Case.objects.open().count()
        results.append((size, cases, open_cases, added, generated_s, figures))
        print(
            f"\n{cases:,} cases ({open_cases:,} open; {added:,} generated in {generated_s:.0f} s), "
            f"PostgreSQL, gunicorn 3 workers, 1 client, {args.requests} requests each"
        )
        print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for name, (p50, p95, errors) in figures.items():
            print(f"{name:<22} {p50:>8.1f} {p95:>8.1f} {errors:>7}")

    line = {
        "benchmark": "lists",
        "runs": [
            {
                "cases": cases,
                "open_cases": open_cases,
                **{f"{name}_p50_ms": round(f[0], 1) for name, f in figures.items()},
                **{f"{name}_p95_ms": round(f[1], 1) for name, f in figures.items()},
                "errors": sum(f[2] for f in figures.values()),
            }
            for _size, cases, open_cases, _added, _s, figures in results
        ],
    }
    print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
