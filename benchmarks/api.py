"""API benchmark (issue: APIs). Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/api.py [--cases 100000] [--clients 10] [--seconds 20]

Needs PostgreSQL (HUIZHI_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/huizhi_bench_api). It
loads the demo street and N cases, serves the app with gunicorn on 127.0.0.1 (loopback only), and
drives it from C concurrent clients, each with its own keep-alive connection, for S seconds per
endpoint (bounded in time and count):
  - POST /open311/v2/requests.json — a hotline system filing a case with its API key;
  - GET  /api/v1/cases/            — staff following their community's cases with a token.
It prints requests per second, median and p95 latency, and the error count for each.
"""

import argparse
import http.client
import os
import socket
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentile, production_environment, seed_cases, setup_django, start_gunicorn  # noqa: E402

MAX_REQUESTS_PER_CLIENT = 20_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, clients: int, seconds: float, make_request) -> tuple[int, list[float], int]:
    """Run `clients` threads for `seconds`; returns (requests, latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        for i in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                break
            method, path, body, headers = make_request(number, i)
            start = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - start)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    url = os.environ.get("HUIZHI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/huizhi_bench_api")
    if not url.startswith("postgres"):
        raise SystemExit("This benchmark runs on PostgreSQL (set HUIZHI_DATABASE_URL=postgres://…).")
    setup_django("unused.sqlite3", url)

    from rest_framework.authtoken.models import Token

    from huizhi.accounts.models import User
    from huizhi.api.keys import api_key_create
    from huizhi.cases.models import Case
    from huizhi.places.models import Place

    started = time.perf_counter()
    seed_cases(args.cases)
    print(f"seeded {Case.objects.count():,} cases in {time.perf_counter() - started:.0f} s")
    community = Place.objects.get(kind="community", name="花园街社区")
    _key, raw_key = api_key_create(name="基准测试热线", place=community)
    token, _ = Token.objects.get_or_create(user=User.objects.get(username="huayuan_staff"))
    building = Place.objects.get(kind="building", name="11栋", parent__name="扬天小区")

    port = free_port()
    # Notifications run in the request here ("immediate"), as before this benchmark's figures.
    env = production_environment(url, {"HUIZHI_TASKS_BACKEND": "immediate"})
    server = start_gunicorn(port, env, 3, threads=4)
    try:

        def file_case(client: int, i: int):
            body = urllib.parse.urlencode(
                {
                    "api_key": raw_key,
                    "service_code": "0101",
                    "lat": building.lat,
                    "long": building.lon,
                    "description": f"基准测试 {client}-{i}：路边有暴露垃圾",
                }
            )
            return (
                "POST",
                "/open311/v2/requests.json",
                body,
                {"Content-Type": "application/x-www-form-urlencoded"},
            )

        def list_cases(client: int, i: int):
            return "GET", "/api/v1/cases/?status=open", None, {"Authorization": f"Token {token.key}"}

        rows = []
        for name, make in (("POST /open311/v2/requests.json", file_case), ("GET /api/v1/cases/", list_cases)):
            count, latencies, errors = load(port, args.clients, args.seconds, make)
            rows.append(
                (
                    name,
                    count / args.seconds,
                    percentile(latencies, 50) * 1000,
                    percentile(latencies, 95) * 1000,
                    errors,
                    count,
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"\n{args.clients} concurrent clients, {args.seconds:.0f} s each, gunicorn 3 workers × 4 threads, "
        f"PostgreSQL, {args.cases:,} cases"
    )
    print(f"{'endpoint':<34} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'errors':>7} {'requests':>9}")
    for name, rps, median, p95, errors, count in rows:
        print(f"{name:<34} {rps:>8.1f} {median:>10.1f} {p95:>8.1f} {errors:>7} {count:>9}")


if __name__ == "__main__":
    main()
