"""Statistics at city scale (issue 15, "fast at scale"): the leader's view and the statistics API on
the worlds `benchmarks/city.py` builds, read from the daily roll-ups. Prints figures; asserts nothing
about time.

How to run (after `benchmarks/city.py --cases N --generate-only` has built each world):

    .venv/bin/python benchmarks/stats.py                      # 10k, 100k and 1M on PostgreSQL
    .venv/bin/python benchmarks/stats.py --cases 10000 --requests 20
    .venv/bin/python benchmarks/stats.py --cases 100000 --skip-rebuild

    --cases N[,N…]   the worlds (databases h7a_city_10k, h7a_city_100k, h7a_city_1m as city.py names them)
    --requests K     timed requests per page with one client, after one warm-up request
    --raw-requests R requests of the API's street-year with the roll-ups switched off (their state row
                     set aside, so every figure is counted from the cases, as before the roll-ups); 0: skip
    --skip-rebuild   keep the roll-ups the world has (else `stats_rollup --rebuild`, timed)

Each world runs in its own process: migrate (the statistics' tables), rebuild the roll-ups with the
command (timed), VACUUM ANALYZE, then gunicorn (3 sync workers, as city.py) on 127.0.0.1 and, with
one client, `/healthz` and the street-year, street-month and community-year figures on the page
(`/console/stats/`, a signed-in session) and the API (`/api/v1/stats/`, a REST token), p50/p95.
The year is the current one (days before today from the roll-ups, today from the cases, the rest
still to come), the month the last whole one. The page never groups its hot-topics panel (its
script asks /console/stats/hot/ for it, kept for the hour): that panel is measured on a second
server that groups it with every request ("not kept"), the cost of a viewer's first panel of the
hour. One table, then one JSON line per world.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api import free_port  # noqa: E402
from common import ROOT, production_environment, session_cookie, start_gunicorn, time_get, use_database  # noqa: E402

WORKERS = 3


def _size(cases: int) -> str:
    return f"{cases // 1000}k" if cases < 1_000_000 else f"{cases / 1e6:g}m"


def _pages(world: dict) -> list[tuple[str, str, dict]]:
    today = date.today()
    year = f"period=year&date={today.year}-01-01"
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    month = f"period=month&month={last_month}"
    street, community = world["street_code"], world["community_code"]
    page, token = world["cookie"], world["token"]
    return [
        ("healthz", "/healthz", {}),
        ("page street-year", f"/console/stats/?scope={street}&{year}", page["street"]),
        ("page street-month", f"/console/stats/?scope={street}&{month}", page["street"]),
        ("page community-year", f"/console/stats/?scope={community}&{year}", page["community"]),
        ("api street-year", f"/api/v1/stats/?scope={street}&{year}", token["street"]),
        ("api street-month", f"/api/v1/stats/?scope={street}&{month}", token["street"]),
        ("api community-year", f"/api/v1/stats/?scope={community}&{year}", token["community"]),
    ]


def one_world(cases: int, requests: int, raw_requests: int, skip_rebuild: bool) -> dict:
    url = f"postgres://postgres@127.0.0.1:5432/h7a_city_{_size(cases)}"
    use_database(url)
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from huizhi.accounts.models import User
    from huizhi.cases.models import Case
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.stats.models import CaseFact, DailyFigures, MonthlyFigures, RollupState

    figures = {"cases": Case.objects.count(), "engine": "PostgreSQL", "database": url.rsplit("/", 1)[-1]}
    if not skip_rebuild or not RollupState.objects.exists():
        started = time.perf_counter()
        call_command("stats_rollup", "--rebuild", verbosity=0)
        figures["rebuild_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            for table in (
                "stats_casefact",
                "stats_dailyfigures",
                "stats_monthlyfigures",
                "stats_rollupstate",
                # Their statistics indexes are read alone once the visibility map is set (the
                # notices' place codes were written by a migration after city.py's VACUUM).
                "cases_supervisionnotice",
                "wall_post",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    figures["facts_daily_monthly_rows"] = (
        f"{CaseFact.objects.count()}/{DailyFigures.objects.count()}/{MonthlyFigures.objects.count()}"
    )

    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    tokens = {
        u: Token.objects.get_or_create(user=User.objects.get(username=u))[0].key
        for u in ("street", "community")
    }
    world = {
        "street_code": street.code,
        "community_code": community.code,
        "cookie": {u: {"Cookie": session_cookie(u)} for u in ("street", "community")},
        "token": {u: {"Authorization": f"Token {key}"} for u, key in tokens.items()},
    }
    env = production_environment(url)
    port = free_port()
    server = start_gunicorn(port, env, WORKERS)
    rows = {}
    try:
        for name, path, headers in _pages(world):
            p50, p95, errors = time_get(port, path, headers, requests, warm_ups=2 * WORKERS)
            rows[name] = {"p50": round(p50, 1), "p95": round(p95, 1), "errors": errors}
        if raw_requests:
            # The same API request with every figure counted from the cases: the state row set aside.
            state = RollupState.objects.get()
            RollupState.objects.all().delete()
            try:
                name, path, headers = _pages(world)[4]
                p50, p95, errors = time_get(port, path, headers, raw_requests, timeout=600)
                rows["api street-year, from the cases"] = {
                    "p50": round(p50, 1),
                    "p95": round(p95, 1),
                    "errors": errors,
                }
            finally:
                state.save(force_insert=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
    # The hot-topics panel the page's script asks for (stats:hot), grouped with every request: what
    # a viewer's first panel of the hour costs (the page itself never groups it).
    port = free_port()
    server = start_gunicorn(port, {**env, "HUIZHI_STATS_HOT_CACHE_SECONDS": "0"}, WORKERS)
    try:
        for name, path, headers in _pages(world)[1:4]:
            path = path.replace("/console/stats/?", "/console/stats/hot/?") + "&part=1"
            p50, p95, errors = time_get(port, path, headers, requests, warm_ups=2 * WORKERS)
            rows[f"{name.replace('page', 'hot topics')}, not kept"] = {
                "p50": round(p50, 1),
                "p95": round(p95, 1),
                "errors": errors,
            }
    finally:
        server.terminate()
        server.wait(timeout=20)
    figures["load"] = "/".join(f"{n:.1f}" for n in os.getloadavg())  # the machine is shared
    return {**figures, "pages": rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--raw-requests", type=int, default=3)
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child: one world
    args = parser.parse_args()
    sizes = [int(n) for n in args.cases.split(",")]
    if args.one:
        print(json.dumps(one_world(sizes[0], args.requests, args.raw_requests, args.skip_rebuild)))
        return
    results = []
    for cases in sizes:
        command = [sys.executable, __file__, "--one", "--cases", str(cases), "--requests", str(args.requests)]
        command += ["--raw-requests", str(args.raw_requests)] + (
            ["--skip-rebuild"] if args.skip_rebuild else []
        )
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"  {cases:,}: done", file=sys.stderr, flush=True)
    names = list(results[0]["pages"]) if results else []
    print(
        f"\nstatistics on PostgreSQL, gunicorn {WORKERS} sync workers on 127.0.0.1, 1 client × {args.requests} requests after {2 * WORKERS} warm-ups"
    )
    header = f"{'':<48}" + "".join(
        f"{_size(r['cases']) + ' p50':>12}{_size(r['cases']) + ' p95':>12}" for r in results
    )
    print(header)
    for name in names:
        line = f"{name + ' (ms)':<48}"
        for r in results:
            page = r["pages"].get(name)
            line += f"{page['p50']:>12.1f}{page['p95']:>12.1f}" if page else f"{'':>24}"
        print(line)
    for key in ("cases", "rebuild_s", "facts_daily_monthly_rows", "load"):
        print(f"{key:<48}" + "".join(f"{str(r.get(key, '')):>24}" for r in results))
    for r in results:
        line = {
            "benchmark": "stats",
            "cases": r["cases"],
            "rebuild_s": r.get("rebuild_s"),
            "healthz_p95_ms": r["pages"]["healthz"]["p95"],
            "stats_year_p95_ms": r["pages"]["page street-year"]["p95"],
            **{f"{k.replace(' ', '_').replace(',', '')}_p95_ms": v["p95"] for k, v in r["pages"].items()},
            "errors": sum(v["errors"] for v in r["pages"].values()),
        }
        print(json.dumps(line, ensure_ascii=False))


if __name__ == "__main__":
    main()
