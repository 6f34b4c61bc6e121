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
sys.path.insert(1, str(ROOT / "deploy"))
import local  # noqa: E402 — deploy/local.py: the keys and environment of a production server here


def use_keys_of(database_url: str) -> None:
    """Run this process on the keys a production server of this database is given
    (`local.derived_keys`), so the world written here — encrypted residents, sessions, API keys —
    is what the server started by `production_environment` reads."""
    os.environ.update(local.derived_keys(database_url))


def production_environment(database_url: str, extra: dict | None = None) -> dict:
    """The environment of a production server on `database_url`, as `deploy/local.py` gives one:
    debug off (no query log kept per request), the world's own keys, notifications queued for a
    task worker. With no proxy in front, no X-Forwarded-For is trusted; the API's rate limit is
    lifted so the figures measure the app, not the throttle."""
    return local.app_environment(
        database_url,
        os.environ.get("HUIZHI_REDIS_URL", ""),
        Path(tempfile.gettempdir()) / "huizhi-bench-static",
        {"HUIZHI_TRUSTED_PROXIES": "0", "HUIZHI_API_RATE": "1000000/minute", **(extra or {})},
    )


def setup_django(sqlite_name: str, database_url: str | None = None) -> str:
    """Point Django at `database_url` (else a fresh SQLite file named `sqlite_name` in the temporary
    folder), migrate an empty database and return the URL used."""
    if database_url is None:
        path = Path(tempfile.gettempdir()) / sqlite_name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        database_url = f"sqlite:///{path}"
    os.environ["HUIZHI_DATABASE_URL"] = database_url
    use_keys_of(database_url)
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


def use_database(database_url: str) -> str:
    """Point Django at `database_url` and migrate it, keeping what it holds (a benchmark's world is
    reused by the next run). A PostgreSQL database is created when missing."""
    os.environ["HUIZHI_DATABASE_URL"] = database_url
    use_keys_of(database_url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("HUIZHI_LOG_LEVEL", "WARNING")
    if database_url.startswith("postgres"):
        _create_postgres_database(database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    return database_url


def session_cookie(username: str) -> str:
    """A `Cookie:` header for `username`, the session made by the session engine as a sign-in makes it."""
    from django.conf import settings
    from django.test import Client

    from huizhi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def time_get(
    port: int, path: str, headers: dict, requests: int, *, timeout: float = 120, warm_ups: int = 1
) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, errors) of `requests` GETs of `path` on one keep-alive connection, after
    `warm_ups` requests (a sync worker closes each connection, so the next request may reach another
    worker: as many warm-ups as workers, and some, warm each worker's caches)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    timings, errors = [], 0
    for i in range(requests + warm_ups):
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if i >= warm_ups:  # the first warm the workers' caches
            timings.append(time.perf_counter() - start)
            errors += response.status != 200
    connection.close()
    return statistics.median(timings) * 1000, percentile(timings, 95) * 1000, errors


class BulkWriter:
    """Rows of one model written in bulk through its own columns (`Model._meta`): COPY on PostgreSQL
    (psycopg's `cursor.copy`), executemany on SQLite. A row is a dict by field attribute name (`case_id`
    for a foreign key); a field left out takes its default (`auto_now` ones the time of writing), so
    a column another change adds gets what `Model()` would give it. Values are as the database keeps
    them: an encrypted field's value must already be its `get_prep_value`."""

    def __init__(self, model):
        from django.db import connection
        from django.utils import timezone

        self.model, self.connection = model, connection
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.table = model._meta.db_table
        now = timezone.now()
        self.defaults = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.primary_key:
                self.defaults[f.attname] = _MISSING
            else:
                # What Model() gives it: the default, else "" for a text field, else None.
                self.defaults[f.attname] = f.get_default()
        self.postgres = connection.vendor == "postgresql"
        self.converters = [self._converter(f) for f in self.fields]

    def _converter(self, field):
        import json
        from datetime import UTC

        kind = field.get_internal_type()
        if kind == "JSONField":
            return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
        if self.postgres:
            return None
        if kind == "DateTimeField":
            return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
        if kind == "DateField":
            return lambda v: None if v is None else v.isoformat()
        return None

    def tuples(self, rows):
        names, defaults, converters = self.names, self.defaults, self.converters
        for row in rows:
            values = []
            for name, convert in zip(names, converters, strict=True):
                value = row.get(name, defaults[name])
                if value is _MISSING:
                    raise ValueError(f"{self.table}.{name} has no value and no default")
                values.append(convert(value) if convert else value)
            yield values

    def write(self, rows) -> int:
        """Write `rows` (dicts, each with its `id`); returns how many."""
        rows = list(rows)
        if not rows:
            return 0
        columns = ", ".join(self.connection.ops.quote_name(f.column) for f in self.fields)
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.postgres:
            # Table and column names come from the model's _meta, never from input.
            sql = f"COPY {self.table} ({columns}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for values in self.tuples(rows):
                    copy.write_row(values)
        else:
            marks = ", ".join("?" for _ in self.fields)
            raw.executemany(f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})', self.tuples(rows))  # noqa: S608
        return len(rows)

    def next_id(self) -> int:
        from django.db.models import Max

        return (self.model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def sync_sequence(self) -> None:
        """After explicit ids: the next id the database hands out follows the largest."""
        if self.postgres:
            with self.connection.cursor() as cursor:
                table = self.table
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608, E501
                cursor.execute(sql)


_MISSING = object()


def start_gunicorn(port: int, env: dict, workers: int = 3, *, threads: int = 0):
    """gunicorn (the production server) with `workers` workers on 127.0.0.1:`port`, once it answers
    /healthz: sync workers with a 120 s timeout, or, given `threads`, that many threads in each."""
    import http.client
    import subprocess

    kind = ["--threads", str(threads)] if threads else ["--worker-class", "sync", "--timeout", "120"]
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ]
        + [*kind, "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def forget_benchmark_cases() -> tuple[int, float]:
    """Delete the cases earlier runs filed into a kept world — city.py's intake ("基准 …" in the
    description) and soak.py's ("soak-…") — and rebuild the statistics' roll-ups from the first day
    they touched: each run then measures the world as generated, not one swollen by its
    predecessors (11,441 filings piled on one day made the search for 垃圾 twice as slow: they were
    its newest matches).
    Returns (cases deleted, seconds)."""
    from django.db.models import Min, Q
    from django.utils import timezone

    from huizhi.cases.models import Case
    from huizhi.stats import rollups

    started = time.perf_counter()
    filed = Case.objects.filter(Q(description__startswith="基准 ") | Q(description__contains="soak-"))
    first = filed.aggregate(first=Min("created_at"))["first"]
    if first is None:
        return 0, 0.0
    deleted = filed.count()
    filed.delete()
    # Their announcements still waiting (a run stops its task worker before the queue is empty):
    # the next run's worker would spend its time failing on events that are gone.
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(status="READY").delete()
    if rollups.state() is not None:
        rollups.rebuild(since=timezone.localdate(first))
    return deleted, time.perf_counter() - started


def vacuum_analyze() -> None:
    """VACUUM ANALYZE (ANALYZE on SQLite): after a world is generated or earlier runs' cases are
    deleted, so that autovacuum does not run in the middle of a measurement."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds (user + system) spent so far by each named group of processes, from /proc: each
    process's own, and its ended children's (PostgreSQL's postmaster collects those of the backends
    that closed, gunicorn's master those of replaced workers), so a process that ends between two
    readings still counts. List the groups afresh for each reading."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, group in pids.items():
        total = 0
        for pid in group:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone since it was listed: its time is its parent's now
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        out[name] = total / tick
    return out


def machine_processes() -> dict[str, list[int]]:
    """Every process of this machine by what it is to a deployment: web (gunicorn), task worker,
    postgres, nginx, redis, and this client; the rest (the test's own helpers, the system) as other."""
    groups: dict[str, list[int]] = {
        k: [] for k in ("web", "task worker", "postgres", "nginx", "redis", "client", "other")
    }
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            kind = "client"
        elif "gunicorn" in command:
            kind = "web"
        elif "db_worker" in command:
            kind = "task worker"
        elif name == "postgres":
            kind = "postgres"
        elif name.startswith("nginx"):
            kind = "nginx"
        elif name.startswith("redis-server"):
            kind = "redis"
        else:
            kind = "other"
        groups[kind].append(pid)
    return groups
