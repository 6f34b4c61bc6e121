"""Soak with faults (issue 20): a mixed load at a fixed rate against the deployment topology on
loopback, with a worker killed, PostgreSQL restarted and Redis stopped and hung along the way; then
every write is checked. Prints figures; asserts nothing about time.

    .venv/bin/python benchmarks/soak.py --minutes 5 [--rate R] [--database URL] [--pg-cluster 15/h5soak]

What it does, in order:

1. A PostgreSQL cluster of its own (default: `pg_createcluster 15 h5soak --port 5433`, trust on
   loopback), because restarting it is one of the faults; the shared cluster is never restarted.
   --database may name another database (a bigger world from a city generator): the demo street is
   loaded only into an empty one, and PostgreSQL is restarted only when --pg-cluster names its
   cluster (never `main`). On a city world the first community and its staff ("community") are
   the ones the load signs in as and files in.
2. deploy/local.py's topology: nginx (deploy/nginx/huizhi.conf) → 3 gunicorn instances × 2 sync
   workers (deploy/gunicorn.conf.py) → PostgreSQL, a redis-server of its own on port 6380, one
   `manage.py db_worker`. The API's per-key rate is lifted so the figures measure the servers.
3. /healthz, one client, idle: the baseline every other figure sits beside.
4. The knee: the mixed load stepped up (--steps) until p95 > 500 ms or more than 1% errors; the
   knee is the last rate that passed. The site's admission rate (nginx's huizhi_admission) is
   lifted while it is found, then set to --admission-share of the part of it the rate counts
   (all but anonymous reads and /healthz), as the shipped file asks an operator to (0: left
   lifted, to measure without it).
5. The soak: --rate (default 80% of the knee) for --minutes, an open loop (requests are sent on a
   Poisson schedule whatever the answers; latency is counted from the time a request was due, so
   a stalled server cannot hide its own backlog). The mix: public wall page, staff queue and case
   page signed in, REST list, Open311 GET (with and without a key), REST intake with an
   Idempotency-Key, Open311 POST with a client_request_id, accept transitions, /healthz. Some
   filings are re-sent with the same key at once (a replay must give the same case); a few are
   sent with a 50 ms client timeout, so their answer is lost while the server goes on, and are
   re-sent later. Faults, every 4 minutes of run (shorter runs scaled down): a gunicorn worker
   SIGKILLed (twice), PostgreSQL restarted, Redis stopped for 30 s, Redis hung (SIGSTOP) for 5 s.
6. Twice the knee for --overload-seconds: the share refused with 503, how fast, and the p95 of
   what was admitted.
7. Every filing whose answer was lost or failed is sent again with its key until it is answered.
   Then, in the database: every acknowledged filing exists exactly once with its report event
   (lost_writes, duplicate_cases), no soak case lacks its report event or has a status its
   timeline does not explain (half_written), every event of a soak case has its notification task
   row (unannounced_events), every acknowledged accept appears once. The logs of every process are
   searched for the API key (secrets_in_logs).

Prints a per-minute table, then one JSON line with at least rate, seconds, errors, lost_writes,
half_written, duplicate_cases, max_recovery_s, knee_rps and healthz_p95_ms.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import local  # noqa: E402 — deploy/local.py: the topology this measures
from common import cpu_seconds, machine_processes, percentile  # noqa: E402

DEFAULT_CLUSTER = "h5soak"
DEFAULT_PG_PORT = 5433
KNEE_P95_S = 0.5
KNEE_ERROR_SHARE = 0.01
# The topology measured: gunicorn instances, and sync workers in each (as deploy/ ships them).
INSTANCES, WORKERS = 3, 2
ADMISSION_LIFTED = 100_000  # requests/s: no admission rate in effect
CLIENT_TIMEOUT_S = 10.0
LOST_RESPONSE_TIMEOUT_S = 0.05
FAULT_CYCLE_S = 240  # offsets below are for this long a cycle; shorter runs are scaled down

# (name, weight): the mixed load. Reads of pages and lists dominate, as at a street office; a
# third of the requests write.
MIX = [
    ("wall", 14),
    ("staff_queue", 12),
    ("case_page", 10),
    ("rest_list", 12),
    ("open311_get", 8),
    ("open311_get_key", 4),
    ("healthz", 4),
    ("rest_intake", 13),
    ("open311_post", 13),
    ("accept", 10),
]
WRITES = {"rest_intake", "open311_post"}
# The share of the mix the site's admission rate counts (deploy/nginx/huizhi.conf: every request
# but anonymous reads, which nginx may answer from its copy, and /healthz).
UNCOUNTED = {"wall", "open311_get", "healthz"}
COUNTED_SHARE = sum(w for kind, w in MIX if kind not in UNCOUNTED) / sum(w for _, w in MIX)


# --- PostgreSQL cluster of our own -------------------------------------------------------------


def pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"), key=float)[-1]


def ensure_cluster(name: str, port: int) -> str:
    """Create (once) and start the cluster `name` on `port`, trusted on loopback only; returns
    'version/name'."""
    version = pg_version()
    conf_dir = Path(f"/etc/postgresql/{version}/{name}")
    if not conf_dir.exists():
        subprocess.run(
            ["pg_createcluster", version, name, "--port", str(port)], check=True, capture_output=True
        )
        (conf_dir / "pg_hba.conf").write_text(
            "# benchmarks/soak.py: a benchmark cluster reached on loopback only.\n"
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
        )
        with open(conf_dir / "postgresql.conf", "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\n")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start"], capture_output=True
    )  # "already running" is fine
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"]).returncode == 0:
            return f"{version}/{name}"
        time.sleep(0.5)
    raise SystemExit(f"PostgreSQL cluster {version}/{name} did not start")


def ensure_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


# --- the world's fixtures: a key, a token, a place ---------------------------------------------

FIXTURES = r"""
import json
from rest_framework.authtoken.models import Token
from huizhi.accounts.models import User
from huizhi.api.keys import api_key_create
from huizhi.cases.models import Case, Category
from huizhi.places.models import Place
from huizhi.site.demo import DEMO_PASSWORD

community = Place.objects.filter(kind="community", name="花园街社区").first()
if community is not None:  # the demo street
    staff, password = User.objects.get(username="huayuan_staff"), DEMO_PASSWORD
else:  # a world benchmarks/city.py built: its first community, and that community's staff
    community = Place.objects.filter(kind="community").order_by("code").first()
    staff, password = User.objects.get(username="community"), "city-bench"
    staff.set_password(password)  # city.py hashes with MD5 for speed; this server's hasher checks it
    staff.save(update_fields=["password"])
_key, raw = api_key_create(name="压力测试热线", place=community)
token, _ = Token.objects.get_or_create(user=staff)
building = (
    Place.objects.filter(kind="building", code__startswith=community.code, lat__isnull=False)
    .order_by("code").first()
)
category = Category.objects.filter(parent__isnull=False, code="0101").first() or Category.objects.filter(
    parent__isnull=False).order_by("code").first()
cases = list(Case.objects.filter(community=community).order_by("-id").values_list("id", flat=True)[:50])
print("FIXTURES " + json.dumps({
    "api_key": raw, "token": token.key, "username": staff.username, "password": password,
    "community": community.code, "place": building.code, "lon": building.lon, "lat": building.lat,
    "category": category.code, "cases": cases,
}))
"""


# Earlier runs' filings deleted first (common.forget_benchmark_cases, as city.py does): each run
# files thousands of open cases into one community, and the next run's queue, case page and
# merge suggestions would read them — a world swollen by its predecessors, not the one generated.
FORGET = r"""
import sys
sys.path.insert(0, "benchmarks")
from common import forget_benchmark_cases, vacuum_analyze
deleted, seconds = forget_benchmark_cases()
if deleted:
    vacuum_analyze()  # else autovacuum cleans up after the deletion in the middle of the step-up
print("FORGOT %d %.1f" % (deleted, seconds))
"""


def forget_earlier_runs(env: dict) -> None:
    deleted, seconds = local.manage(env, "shell", "-c", FORGET).stdout.split("FORGOT ", 1)[1].split()
    if int(deleted):
        print(f"Deleted {deleted} cases earlier runs filed, roll-ups rebuilt ({seconds} s)", flush=True)


def fixtures(env: dict) -> dict:
    out = local.manage(env, "shell", "-c", FIXTURES).stdout
    return json.loads(out.split("FIXTURES ", 1)[1])


def sign_in(port: int, username: str, password: str) -> str:
    """The session cookie of a staff member signed in through the real form."""
    import requests

    base = f"http://127.0.0.1:{port}"
    with requests.Session() as session:
        page = session.get(f"{base}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=10,
            allow_redirects=False,
        )
        if answer.status_code != 302 or "sessionid" not in session.cookies:
            raise SystemExit(f"Could not sign in as {username} ({answer.status_code})")
        return f"sessionid={session.cookies['sessionid']}"


# --- the load ---------------------------------------------------------------------------------


class Results:
    """Every request's outcome, for the tables and the checks."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple] = []  # (phase, kind, due, done, outcome, status)
        self.writes: dict[str, dict] = {}  # marker → what was sent and what came back
        self.accepts: dict[int, list[str]] = defaultdict(list)  # case id → outcomes
        self.reported: list[int] = []  # soak cases that may still be accepted
        self.case_ids: list[int] = []

    def add(self, row: tuple) -> None:
        with self.lock:
            self.rows.append(row)


def outcome_of(status: int | None, error: str | None) -> str:
    if error:
        return error
    if status < 400:
        return "ok"
    if status == 503:
        return "503"
    if status >= 500:
        return "5xx"
    return "4xx"


class Load:
    def __init__(self, port: int, world: dict, cookie: str, results: Results, run: str):
        self.port = port
        self.world = world
        self.cookie = cookie
        self.results = results
        self.run = run
        self.local = threading.local()
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.kinds = [name for name, weight in MIX for _ in range(weight)]
        self.generation = 0

    def reconnect(self) -> None:
        """Every thread opens a new connection for its next request: after nginx reloads, its old
        workers close their idle keep-alive connections, and a request sent on one as it closes
        is reset — a client artefact (the request never reached the app), not the server's error."""
        self.generation += 1

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is not None and getattr(self.local, "generation", 0) != self.generation:
            connection.close()
            connection = None
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self.local.connection = connection
            self.local.generation = self.generation
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
        return connection

    def send(self, method, path, body=None, headers=None, timeout=CLIENT_TIMEOUT_S):
        """(status, body bytes, error kind or None, retry-after header)."""
        connection = self._connection(timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
            return response.status, data, None, response.getheader("Retry-After")
        except TimeoutError:
            error = "timeout"
        except (OSError, http.client.HTTPException):
            error = "conn"
        connection.close()
        self.local.connection = None
        return None, b"", error, None

    def next_marker(self) -> str:
        with self.counter_lock:
            self.counter += 1
            return f"soak-{self.run}-{self.counter:06d}"

    # Each request kind: returns (status, error).
    def wall(self):
        return self.send("GET", f"/wall/{self.world['community']}/")

    def staff_queue(self):
        return self.send("GET", "/console/cases/", headers={"Cookie": self.cookie})

    def case_page(self):
        with self.results.lock:
            pool = self.world["cases"] + self.results.case_ids[-200:]
        return self.send("GET", f"/console/cases/{random.choice(pool)}/", headers={"Cookie": self.cookie})

    def rest_list(self):
        return self.send(
            "GET", "/api/v1/cases/?status=open", headers={"Authorization": f"Token {self.world['token']}"}
        )

    def open311_get(self):
        return self.send("GET", "/open311/v2/requests.json")

    def open311_get_key(self):
        return self.send("GET", f"/open311/v2/requests.xml?api_key={self.world['api_key']}")

    def healthz(self):
        return self.send("GET", "/healthz")

    def _write_request(self, kind: str, marker: str):
        if kind == "rest_intake":
            body = json.dumps(
                {
                    "category": self.world["category"],
                    "title": f"压力测试 {marker}",
                    "description": f"路边有暴露垃圾 {marker}",
                    "place": self.world["place"],
                }
            )
            headers = {
                "Authorization": f"Token {self.world['token']}",
                "Content-Type": "application/json",
                "Idempotency-Key": marker,
            }
            return "POST", "/api/v1/cases/", body, headers
        body = urllib.parse.urlencode(
            {
                "api_key": self.world["api_key"],
                "service_code": self.world["category"],
                "lat": self.world["lat"],
                "long": self.world["lon"],
                "description": f"热线：路边有暴露垃圾 {marker}",
                "client_request_id": marker,
            }
        )
        return (
            "POST",
            "/open311/v2/requests.json",
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def write(self, kind: str, marker: str | None = None, *, timeout=CLIENT_TIMEOUT_S, replay=False):
        new = marker is None
        marker = marker or self.next_marker()
        method, path, body, headers = self._write_request(kind, marker)
        status, data, error, _ = self.send(method, path, body, headers, timeout=timeout)
        case_id = None
        if status is not None and 200 <= status < 300:
            answer = json.loads(data)
            case_id = int(answer["id"] if kind == "rest_intake" else answer[0]["service_request_id"])
        with self.results.lock:
            record = self.results.writes.setdefault(
                marker, {"kind": kind, "acked": None, "attempts": [], "lost_on_purpose": False}
            )
            record["attempts"].append((status, error, case_id, replay))
            if case_id is not None:
                if record["acked"] is not None and record["acked"] != case_id:
                    record["mismatch"] = True
                record["acked"] = record["acked"] or case_id
                if new:
                    self.results.reported.append(case_id)
                    self.results.case_ids.append(case_id)
        return status, error, marker, case_id

    def rest_intake(self):
        return self._intake("rest_intake")

    def open311_post(self):
        return self._intake("open311_post")

    def _intake(self, kind):
        if random.random() < 0.03:
            # The answer is lost (the client gives up after 50 ms) while the server goes on: the
            # filing is re-sent with its key at the end and must not be filed twice.
            status, error, marker, _ = self.write(kind, timeout=LOST_RESPONSE_TIMEOUT_S)
            with self.results.lock:
                self.results.writes[marker]["lost_on_purpose"] = True
            return status, "lost_on_purpose" if error else error
        status, error, marker, case_id = self.write(kind)
        if case_id is not None and random.random() < 0.1:
            self.write(kind, marker, replay=True)  # a replay must answer with the same case
        return status, error

    def accept(self):
        with self.results.lock:
            case_id = self.results.reported.pop(0) if self.results.reported else None
        if case_id is None:
            return self.rest_list()
        status, data, error, _ = self.send(
            "POST",
            f"/api/v1/cases/{case_id}/transitions/",
            json.dumps({"action": "accept"}),
            {"Authorization": f"Token {self.world['token']}", "Content-Type": "application/json"},
        )
        with self.results.lock:
            self.results.accepts[case_id].append(outcome_of(status, error))
        return status, data, error, None

    def one(self, phase: str, due: float):
        kind = random.choice(self.kinds)
        answer = getattr(self, kind)()
        status, error = answer[0], answer[-2] if len(answer) == 4 else answer[1]
        done = time.monotonic()
        if error == "lost_on_purpose":
            return  # not a failure of the server; checked at the end
        self.results.add((phase, kind, due, done, outcome_of(status, error), status))

    def run_phase(
        self, phase: str, rate: float, seconds: float, pool: ThreadPoolExecutor
    ) -> tuple[float, float]:
        """An open loop: requests due on a Poisson schedule at `rate` per second for `seconds`."""
        start = time.monotonic()
        due = start
        rng = random.Random(hash((phase, rate)))
        while True:
            due += rng.expovariate(rate)
            if due - start >= seconds:
                break
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(self.one, phase, due)
        return start, start + seconds


# --- faults ----------------------------------------------------------------------------------


class Faults:
    def __init__(self, state: dict, workdir: Path, cluster: str | None):
        self.state = state
        self.workdir = workdir
        self.cluster = cluster
        self.log: list[dict] = []

    def _record(self, name, start, end, **extra):
        self.log.append({"fault": name, "start": start, "end": end, **extra})
        print(f"  fault {name}: {end - start:.2f} s {extra if extra else ''}", flush=True)

    def kill_worker(self):
        arbiters = [pid for name, pid in self.state["pids"].items() if name.startswith("gunicorn")]
        arbiter = random.choice(arbiters)
        before = local.worker_pids(arbiter)
        victim = random.choice(before)
        start = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        respawn = None
        while time.monotonic() - start < 30:
            now = set(local.worker_pids(arbiter))
            if victim not in now and len(now) >= len(before):
                respawn = time.monotonic() - start
                break
            time.sleep(0.02)
        self._record("kill_worker", start, start, respawned_s=round(respawn, 2) if respawn else None)

    def restart_postgres(self):
        if not self.cluster:
            print("  fault restart_postgres skipped: no cluster of our own (--pg-cluster)")
            return
        version, name = self.cluster.split("/")
        start = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
            check=True,
            capture_output=True,
        )
        self._record("restart_postgres", start, time.monotonic())

    def stop_redis(self, seconds: float):
        pid = self.state["pids"].get("redis")
        if not pid:
            print("  fault stop_redis skipped: not our Redis")
            return
        start = time.monotonic()
        os.kill(pid, signal.SIGTERM)
        while local._pid_alive(pid):
            time.sleep(0.05)
        time.sleep(max(0.0, seconds - (time.monotonic() - start)))
        redis = local.start_redis(self.workdir, self.state["redis_port"])
        self.state["pids"]["redis"] = redis.pid
        local._write_state(self.workdir, self.state)
        local.wait_redis(redis, self.state["redis_port"])
        self._record("stop_redis", start, time.monotonic())

    def hang_redis(self, seconds: float):
        pid = self.state["pids"].get("redis")
        if not pid:
            return
        start = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        time.sleep(seconds)
        os.kill(pid, signal.SIGCONT)
        self._record("hang_redis", start, time.monotonic())

    def schedule(self, seconds: float) -> list[tuple[float, callable]]:
        scale = min(1.0, seconds / FAULT_CYCLE_S)
        cycle = [
            (30, self.kill_worker),
            (75, self.restart_postgres),
            (120, lambda: self.stop_redis(30 * scale)),
            (180, lambda: self.hang_redis(5)),
            (220, self.kill_worker),
        ]
        plan, offset = [], 0.0
        while offset < seconds:
            plan += [
                (offset + at * scale, action) for at, action in cycle if offset + at * scale < seconds - 10
            ]
            offset += FAULT_CYCLE_S * scale
        return plan

    def run(self, start: float, seconds: float, stop: threading.Event):
        for at, action in self.schedule(seconds):
            if stop.wait(max(0.0, start + at - time.monotonic())):
                return
            action()


HARD_FAILURES = (
    "5xx",
    "timeout",
    "conn",
)  # a 503 is the proxy shedding load: counted, not a failure to recover from


def recoveries(rows: list[tuple], faults: list[dict]) -> list[dict]:
    """For each fault: the requests that failed from its start until 60 s after its end (or the
    next fault), and how long after the fault ended the last hard failure (5xx, timeout, broken
    connection) came: 0 when none came after the end. 503s are listed beside it with the rate of
    503s outside every fault, because at 80% of the knee a burst of arrivals is shed now and then
    whether or not anything failed."""
    report = []
    ordered = sorted(faults, key=lambda f: f["start"])
    for number, fault in enumerate(ordered):
        until = ordered[number + 1]["start"] if number + 1 < len(ordered) else fault["end"] + 60
        failed = [r for r in rows if r[4] not in ("ok", "4xx") and fault["start"] <= r[3] < until]
        # During the fault as share_503_outside_faults counts "outside" (1 s before to 10 s after).
        during = [r for r in rows if fault["start"] - 1 <= r[3] <= fault["end"] + 10]
        last = max((r[3] for r in failed if r[4] in HARD_FAILURES), default=None)
        report.append(
            {
                "fault": fault["fault"],
                "failed": len(failed),
                "failed_by_kind": dict(Counter(r[4] for r in failed)),
                # Beside share_503_outside_faults: whether the fault shed more than bursts do.
                "requests_during": len(during),
                "share_503_during": round(sum(r[4] == "503" for r in during) / max(1, len(during)), 4),
                "recovery_s": round(max(0.0, last - fault["end"]), 2) if last else 0.0,
                "fault_s": round(fault["end"] - fault["start"], 2),
                **{k: v for k, v in fault.items() if k not in ("fault", "start", "end")},
            }
        )
    return report


# --- checks after the run ----------------------------------------------------------------------


def resend_unanswered(load: Load, results: Results) -> int:
    """Send every filing whose answer was lost or failed again, with its key, until answered."""
    resent = 0
    for marker, record in list(results.writes.items()):
        for _ in range(10):
            if results.writes[marker]["acked"] is not None:
                break
            resent += 1
            status, error, _, _ = load.write(record["kind"], marker, replay=True)
            if status is not None and 400 <= status < 500 and status not in (409, 429):
                break  # refused as a request: retrying will not change it
            time.sleep(0.5)
    return resent


def check_database(database: str, run: str, results: Results) -> dict:
    import psycopg

    with psycopg.connect(database) as connection:
        rows = connection.execute(
            "SELECT c.id, substring(c.description from 'soak-[0-9a-f]+-[0-9]+'), c.status, "
            "  (SELECT count(*) FROM cases_caseevent e WHERE e.case_id = c.id AND e.action = 'report'), "
            "  (SELECT count(*) FROM cases_caseevent e WHERE e.case_id = c.id AND e.action = 'accept') "
            "FROM cases_case c WHERE c.description LIKE %s",
            [f"%soak-{run}-%"],
        ).fetchall()
        unannounced = connection.execute(
            "SELECT count(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
            "WHERE c.description LIKE %s AND NOT EXISTS (SELECT 1 FROM django_tasks_database_dbtaskresult t "
            "  WHERE t.task_path LIKE '%%deliver_event_notifications' AND t.args_kwargs->'args'->>0 = e.id::text)",
            [f"%soak-{run}-%"],
        ).fetchone()[0]
        pending = connection.execute(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
        ).fetchone()[0]
    by_marker = defaultdict(list)
    for case_id, marker, status, reports, accepts in rows:
        by_marker[marker].append((case_id, status, reports, accepts))

    lost = duplicates = mismatched = unacked_saved = 0
    for marker, record in results.writes.items():
        saved = by_marker.get(marker, [])
        duplicates += max(0, len(saved) - 1)
        if record["acked"] is not None:
            if not saved:
                lost += 1
            elif saved[0][0] != record["acked"] or record.get("mismatch"):
                mismatched += 1
        elif saved:
            unacked_saved += 1  # saved, though no attempt was ever answered (checked for duplicates)
    half_written = sum(
        1
        for cases in by_marker.values()
        for _case_id, status, reports, accepts in cases
        if reports != 1 or (status == "accepted" and accepts != 1) or (status == "reported" and accepts)
    )
    status_of = {
        case_id: (status, accepts) for cases in by_marker.values() for case_id, status, _, accepts in cases
    }
    accepted_lost = accepted_twice = 0
    for case_id, outcomes in results.accepts.items():
        status, accepts = status_of.get(case_id, (None, 0))
        accepted_twice += accepts > 1
        if "ok" in outcomes and accepts != 1:
            accepted_lost += 1
    return {
        "soak_cases": len(rows),
        "lost_writes": lost + accepted_lost,
        "duplicate_cases": duplicates,
        "accepted_twice": accepted_twice,
        "replay_mismatches": mismatched,
        "half_written": half_written,
        "unannounced_events": unannounced,
        "tasks_pending_at_check": pending,
        "saved_without_answer": unacked_saved,
    }


def secrets_in_logs(workdir: Path, secret: str) -> int:
    found = 0
    for path in workdir.glob("*.log"):
        found += path.read_bytes().count(secret.encode())
    return found


# --- tables ------------------------------------------------------------------------------------


def summary(rows: list[tuple]) -> dict:
    latencies = [r[3] - r[2] for r in rows]
    kinds = Counter(r[4] for r in rows)
    return {
        "requests": len(rows),
        "ok": kinds.get("ok", 0),
        "errors": len(rows) - kinds.get("ok", 0),
        "errors_by_kind": {k: v for k, v in kinds.items() if k != "ok"},
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95) * 1000, 1) if latencies else None,
    }


def print_minutes(rows: list[tuple], start: float, faults: list[dict]) -> None:
    print(
        f"\n{'minute':>6} {'req/s':>6} {'ok':>6} {'503':>5} {'5xx':>5} {'4xx':>5} {'timeout':>7} {'conn':>5}"
        f" {'p50 ms':>7} {'p95 ms':>7}  faults"
    )
    minutes = defaultdict(list)
    for row in rows:
        minutes[int((row[2] - start) // 60)].append(row)
    for minute in sorted(minutes):
        part = minutes[minute]
        s = summary(part)
        e = s["errors_by_kind"]
        names = [f["fault"] for f in faults if int((f["start"] - start) // 60) == minute]
        print(
            f"{minute + 1:>6} {len(part) / 60:>6.1f} {s['ok']:>6} {e.get('503', 0):>5} {e.get('5xx', 0):>5}"
            f" {e.get('4xx', 0):>5} {e.get('timeout', 0):>7} {e.get('conn', 0):>5} {s['p50_ms']:>7} {s['p95_ms']:>7}"
            f"  {', '.join(names)}"
        )


def healthz_baseline(port: int, count: int = 100) -> tuple[float, float]:
    timings = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(count):
        start = time.perf_counter()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        timings.append(time.perf_counter() - start)
    connection.close()
    return percentile(timings, 50) * 1000, percentile(timings, 95) * 1000


def kind_costs(load: "Load", repeats: int) -> list[dict]:
    """Each kind of the mix sent `repeats` times by one client, one after another: the CPU each
    group of processes spent per request (from /proc, so the task worker's share of a filing is
    counted too, once it is done) and the latency. Where the knee's two cores go, kind by kind."""
    rows = []
    for kind, weight in MIX:
        send = (lambda k=kind: load.write(k)) if kind in WRITES else getattr(load, kind)
        latencies, failed = [], Counter()
        before = cpu_seconds(machine_processes())
        for _ in range(repeats):
            started = time.perf_counter()
            status = send()[0]
            latencies.append(time.perf_counter() - started)
            if status is None or not 200 <= status < 300:
                failed[status or "no answer"] += 1
        time.sleep(1.0)  # the task worker's notifications of the filings
        after = cpu_seconds(machine_processes())
        cpu = {group: (after[group] - before[group]) * 1000 / repeats for group in after}
        rows.append(
            {
                "kind": kind,
                "weight": weight,
                "p50_ms": round(percentile(latencies, 50) * 1000, 1),
                "web_cpu_ms": round(cpu["web"], 1),
                "postgres_cpu_ms": round(cpu["postgres"], 1),
                "worker_cpu_ms": round(cpu["task worker"], 1),
                "failed": dict(failed),  # a refused or failed request costs less: not this kind's cost
            }
        )
    total = sum(row["weight"] for row in rows)
    print(f"\nCost per request, one client, {repeats} each (share: of the mix's web CPU)")
    print(f"{'kind':<16} {'weight':>6} {'p50 ms':>7} {'web':>6} {'pg':>6} {'worker':>6} {'share':>6}")
    mix_web = sum(row["web_cpu_ms"] * row["weight"] for row in rows) / total
    for row in rows:
        share = row["web_cpu_ms"] * row["weight"] / total / mix_web if mix_web else 0
        print(
            f"{row['kind']:<16} {row['weight']:>6} {row['p50_ms']:>7} {row['web_cpu_ms']:>6}"
            f" {row['postgres_cpu_ms']:>6} {row['worker_cpu_ms']:>6} {share:>6.0%}"
            + (f"  failed {row['failed']}" if row["failed"] else "")
        )
    print(f"{'the mix':<16} {total:>6} {'':>7} {mix_web:>6.1f}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument(
        "--rate", type=float, default=0, help="requests/s for the soak (default: 80%% of the knee)"
    )
    parser.add_argument(
        "--database", default="", help=f"default: a cluster of its own on port {DEFAULT_PG_PORT}"
    )
    parser.add_argument(
        "--pg-cluster", default="", help="VERSION/NAME of --database's cluster, to restart it"
    )
    parser.add_argument("--steps", default="4,8,12,16,20,24,28,32,36,40,44,48,56,64,80")
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--knee", type=float, default=0, help="skip the step-up and use this knee")
    parser.add_argument("--overload-seconds", type=float, default=30)
    parser.add_argument(
        "--admission-share",
        type=float,
        default=0.9,
        help="the site's admission rate as a share of the knee (0: no admission rate)",
    )
    parser.add_argument("--dir", default=str(local.DEFAULT_DIR.with_name("huizhi-soak")))
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument(
        "--max-conns",
        type=int,
        default=0,
        help="nginx max_conns per instance (default: the shipped 3 × workers)",
    )
    parser.add_argument(
        "--costs",
        type=int,
        default=0,
        help="only measure each kind's cost per request, this many times each, then stop",
    )
    parser.add_argument("--keep", action="store_true", help="leave the topology running afterwards")
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="serve the last commit (git archive HEAD into --dir), not the working tree: a checkout "
        "others are editing may not import half-way through an edit",
    )
    args = parser.parse_args()

    cluster = args.pg_cluster or None
    database = args.database
    if not database:
        cluster = ensure_cluster(DEFAULT_CLUSTER, DEFAULT_PG_PORT)
        database = f"postgres://postgres@127.0.0.1:{DEFAULT_PG_PORT}/h5soak"
    if cluster and cluster.endswith("/main"):
        raise SystemExit("The shared cluster is never restarted: give a cluster of your own.")
    ensure_database(database)

    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    state_file = workdir / "state.json"
    if state_file.exists() and local._alive(json.loads(state_file.read_text())):
        # Another run is using this folder: its logs are still being read.
        raise SystemExit(f"A topology is running from {workdir}: give another --dir, or wait for it.")
    for old in workdir.glob("*.log"):
        old.unlink()
    code = ""
    if args.snapshot:
        code = workdir / "code"
        shutil.rmtree(code, ignore_errors=True)
        code.mkdir()
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        print(f"Serving commit {commit.stdout.strip()} from {code}")
    up = SimpleNamespace(
        code=str(code),
        dir=str(workdir),
        database=database,
        port=args.port,
        instances=INSTANCES,
        workers=WORKERS,
        max_conns=args.max_conns,
        first_app_port=8201,
        redis_port=6380,
        redis_url="",
        per_ip_rate=1000,
        per_ip_connections=1000,
        admission_rate=ADMISSION_LIFTED,  # until the knee is known
        demo=True,
        env=["HUIZHI_API_RATE=1000000/minute"],
    )
    print(f"Starting the topology in {workdir} (migrate, demo if empty, collectstatic) …", flush=True)
    state = local.up(up)
    env = local.app_environment(database, state["redis_url"], workdir / "staticfiles", {})
    # Stopped with a signal (kill, a CI timeout), it takes its topology down too: without this,
    # SIGTERM ended the run and left nginx, gunicorn, the worker and Redis serving.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        forget_earlier_runs(env)
        world = fixtures(env)
        cookie = sign_in(args.port, world["username"], world["password"])
        run = uuid.uuid4().hex[:8]
        results = Results()
        load = Load(args.port, world, cookie, results, run)
        pool = ThreadPoolExecutor(max_workers=256)

        healthz_p50, healthz_p95 = healthz_baseline(args.port)
        print(f"/healthz idle, one client: p50 {healthz_p50:.1f} ms, p95 {healthz_p95:.1f} ms", flush=True)

        # Warm-up (discarded): every worker loads its templates, the grid index and its connection.
        load.run_phase("warmup", 4, 15, pool)
        time.sleep(2)

        if args.costs:
            costs = kind_costs(load, args.costs)
            print(json.dumps({"healthz_p50_ms": round(healthz_p50, 1), "costs": costs}))
            return

        # The knee.
        knee = args.knee
        steps = []
        if not knee:
            print(f"\nStep-up ({args.step_seconds:.0f} s each): rate, p50, p95, errors", flush=True)
            for rate in [float(r) for r in args.steps.split(",")]:
                cpu_before = cpu_seconds(machine_processes())
                start, end = load.run_phase(f"step{rate}", rate, args.step_seconds, pool)
                time.sleep(min(CLIENT_TIMEOUT_S, 3))
                cpu_after = cpu_seconds(machine_processes())
                s = summary([r for r in results.rows if r[0] == f"step{rate}"])
                share = s["errors"] / max(1, s["requests"])
                # Where the machine's two cores went, per request sent: what a higher knee must cut.
                cpu_ms = {
                    kind: round((cpu_after[kind] - cpu_before[kind]) * 1000 / max(1, s["requests"]), 1)
                    for kind in cpu_after
                }
                steps.append({"rate": rate, **s, "cpu_ms_per_request": cpu_ms})
                print(
                    f"  {rate:>5.0f}/s  p50 {s['p50_ms']:>7} ms  p95 {s['p95_ms']:>7} ms  errors {share:.1%}"
                    f" {s['errors_by_kind']}  CPU ms/request "
                    + " ".join(f"{kind} {ms}" for kind, ms in cpu_ms.items()),
                    flush=True,
                )
                if s["p95_ms"] > KNEE_P95_S * 1000 or share > KNEE_ERROR_SHARE:
                    break
                knee = rate
            if not knee:
                knee = float(args.steps.split(",")[0]) / 2
        rate = args.rate or round(0.8 * knee, 1)
        admission = (
            max(1, round(args.admission_share * knee * COUNTED_SHARE)) if args.admission_share else None
        )
        if admission:
            local.set_admission_rate(state, admission)
            load.reconnect()
            print(
                f"Admission rate: {admission}/s ({args.admission_share:.0%} of the knee's "
                f"{COUNTED_SHARE:.0%} it counts)",
                flush=True,
            )

        # The soak, with faults.
        seconds = args.minutes * 60
        print(f"\nSoak: {rate}/s for {seconds:.0f} s (knee {knee}/s)", flush=True)
        faults = Faults(state, workdir, cluster)
        stop = threading.Event()
        soak_start = time.monotonic()
        fault_thread = threading.Thread(target=faults.run, args=(soak_start, seconds, stop), daemon=True)
        fault_thread.start()
        load.run_phase("soak", rate, seconds, pool)
        stop.set()
        fault_thread.join()
        time.sleep(CLIENT_TIMEOUT_S)
        soak_rows = [r for r in results.rows if r[0] == "soak"]
        print_minutes(soak_rows, soak_start, faults.log)
        recovered = recoveries(soak_rows, faults.log)
        for item in recovered:
            print(f"  {item}")
        print(f"\n{'request':<16} {'count':>6} {'p50 ms':>7} {'p95 ms':>7}  errors")
        by_kind = {}
        for kind, _ in MIX:
            part = [r for r in soak_rows if r[1] == kind]
            if part:
                by_kind[kind] = summary(part)
                k = by_kind[kind]
                print(
                    f"{kind:<16} {k['requests']:>6} {k['p50_ms']:>7} {k['p95_ms']:>7}  {k['errors_by_kind']}"
                )
        quiet = [r for r in soak_rows if not any(f["start"] - 1 <= r[3] <= f["end"] + 10 for f in faults.log)]
        soak_summary, quiet_summary = summary(soak_rows), summary(quiet)

        # Twice the knee.
        print(f"\nOverload: {2 * knee}/s for {args.overload_seconds:.0f} s", flush=True)
        load.run_phase("overload", 2 * knee, args.overload_seconds, pool)
        time.sleep(CLIENT_TIMEOUT_S)
        over = [r for r in results.rows if r[0] == "overload"]
        shed = [r[3] - r[2] for r in over if r[4] == "503"]
        admitted = [r[3] - r[2] for r in over if r[4] == "ok"]
        overload = {
            "rate": 2 * knee,
            "requests": len(over),
            "share_503": round(len(shed) / max(1, len(over)), 3),
            "p50_503_ms": round(percentile(shed, 50) * 1000, 1) if shed else None,
            "p95_503_ms": round(percentile(shed, 95) * 1000, 1) if shed else None,
            "admitted_p50_ms": round(percentile(admitted, 50) * 1000, 1) if admitted else None,
            "admitted_p95_ms": round(percentile(admitted, 95) * 1000, 1) if admitted else None,
            "other_errors": dict(Counter(r[4] for r in over if r[4] not in ("ok", "503"))),
        }
        print(f"  {overload}")

        # Every write accounted for.
        pool.shutdown(wait=True)
        resent = resend_unanswered(load, results)
        time.sleep(3)  # the worker takes the last notification tasks
        checks = check_database(database, run, results)
        writes = results.writes.values()
        report = {
            "rate": rate,
            "seconds": seconds,
            "requests": soak_summary["requests"],
            "errors": soak_summary["errors"],
            "errors_by_kind": soak_summary["errors_by_kind"],
            "p50_ms": soak_summary["p50_ms"],
            "p95_ms": soak_summary["p95_ms"],
            "p95_ms_outside_faults": quiet_summary["p95_ms"],
            "errors_outside_faults": quiet_summary["errors"],
            "acked_writes": sum(1 for w in writes if w["acked"] is not None),
            "replays": sum(1 for w in writes for a in w["attempts"] if a[3]),
            "lost_response_retries": sum(1 for w in writes if w["lost_on_purpose"]),
            "resent_after_run": resent,
            "accepts_acked": sum(1 for o in results.accepts.values() if "ok" in o),
            **checks,
            "max_recovery_s": max((r["recovery_s"] for r in recovered), default=0.0),
            "recoveries": recovered,
            "knee_rps": knee,
            "admission_rps": admission,
            "steps": [{k: s[k] for k in ("rate", "p50_ms", "p95_ms", "errors")} for s in steps],
            "healthz_p50_ms": round(healthz_p50, 1),
            "healthz_p95_ms": round(healthz_p95, 1),
            "overload": overload,
            "secrets_in_logs": secrets_in_logs(workdir, world["api_key"]),
            "task_worker_restarts": (workdir / "worker.log").read_text().count("local.py: db_worker exited"),
            "p95_ms_by_request": {kind: k["p95_ms"] for kind, k in by_kind.items()},
            "topology": f"nginx → {INSTANCES} gunicorn × {WORKERS} sync workers "
            f"(max_conns {args.max_conns or local.REQUESTS_PER_WORKER * WORKERS} each) → PostgreSQL; "
            "Redis; 1 db_worker",
            "share_503_outside_faults": round(
                quiet_summary["errors_by_kind"].get("503", 0) / max(1, len(quiet)), 4
            ),
        }
        print("\n" + json.dumps(report, ensure_ascii=False))
    finally:
        if not args.keep:
            local.down_state(local.read_state(workdir))


if __name__ == "__main__":
    main()
