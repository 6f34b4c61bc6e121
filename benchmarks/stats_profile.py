"""Where a street-year of the statistics spends its time (issue 15, "fast at scale"): each part of
the leader's view and of the API timed in-process, through the real code paths, on a world that
`benchmarks/city.py` built and `benchmarks/stats.py` rolled up. Prints figures; asserts nothing.

How to run:

    .venv/bin/python benchmarks/stats_profile.py                    # h7a_city_1m, street-year
    .venv/bin/python benchmarks/stats_profile.py --cases 100000 --period month --repeat 9

    --cases N     the world (database h7a_city_<N> as city.py names it)
    --period P    year (the current one) or month (the last whole one)
    --scope S     street or community (the first of its kind by code)
    --database U  another database than h7a_city_<N> (a world in a cluster of its own)
    --repeat R    timed calls of each part (after one warm-up); the median and the slowest are printed

Each part runs inside `rollups.one_state()` as the view does, with its queries counted; the hot
topics panel is timed without its cache (what a viewer's first page of the hour costs).
"""

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import use_database  # noqa: E402
from stats import _size  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--period", choices=("year", "month"), default="year")
    parser.add_argument("--scope", choices=("street", "community"), default="street")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default="", help="default: h7a_city_<N> on the shared cluster")
    args = parser.parse_args()
    use_database(args.database or f"postgres://postgres@127.0.0.1:5432/h7a_city_{_size(args.cases)}")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from huizhi.accounts.models import User
    from huizhi.places.kinds import PlaceKind
    from huizhi.places.models import Place
    from huizhi.stats import hot, metrics, rollups, tables
    from huizhi.stats.care import care_figures
    from huizhi.stats.fieldwork import fieldwork_figures
    from huizhi.stats.periods import period_of

    kind = PlaceKind.STREET if args.scope == "street" else PlaceKind.COMMUNITY
    scope = metrics.Scope(Place.objects.filter(kind=kind).order_by("code").first())
    today = date.today()
    if args.period == "year":
        period = period_of("year", today)
    else:
        period = period_of("month", today.replace(day=1) - timedelta(days=1))
    user = User.objects.get(username=args.scope)
    now = timezone.now()

    parts = {
        "reported by source and state": lambda: metrics._reported_by(scope, period, now),
        "case counts": lambda: metrics.case_counts(scope, period, now=now),
        "case counts, previous period": lambda: metrics.case_counts(scope, period.previous(), now=now),
        "supervision": lambda: metrics._supervision_row(scope, period, now),
        "meetings, decisions, hours": lambda: metrics.community_work(scope, period, now=now),
        "wall figures": lambda: metrics.wall_figures(scope, period),
        "time to accept": lambda: metrics.time_to_accept(scope, period, now),
        "time to fix": lambda: metrics.time_to_fix(scope, period, now),
        "freshness": metrics.freshness,
        "by category": lambda: metrics.by_category(scope, period, now=now),
        **{
            f"ranking {of}": (lambda of=of: metrics.ranking(scope, period, of, now=now))
            for of in ("community", "grid", "unit", "gridworker")
        },
        "trend": lambda: metrics.trend(scope, period, now=now),
        "field work": lambda: fieldwork_figures(scope, period),
        "care": lambda: care_figures(scope, period, now=now),
        "hot topics (not cached)": lambda: hot._hot_panel(user, scope, period, now=now),
        "= metrics.figures (the API)": lambda: metrics.figures(scope, period, now=now),
        "= tables.build (the page, less hot topics)": lambda: tables.build(scope, period, now=now),
    }
    print(
        f"{_size(args.cases)} · {scope.place.name} ({scope.place.code}) · {period.label} · {args.repeat} calls each"
    )
    print(f"{'part':<44}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, call in parts.items():
        timings, queries = [], 0
        for i in range(args.repeat + 1):
            with rollups.one_state(), CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                call()
                elapsed = (time.perf_counter() - started) * 1000
            if i:  # the first call warms the caches
                timings.append(elapsed)
                queries = len(captured.captured_queries)
        print(f"{name:<44}{statistics.median(timings):>10.1f}{max(timings):>10.1f}{queries:>9}")


if __name__ == "__main__":
    main()
