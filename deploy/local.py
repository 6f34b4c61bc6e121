"""The deployment topology on one machine, on loopback: nginx → N gunicorn instances → PostgreSQL,
with Redis and a task worker. What the benchmarks (benchmarks/soak.py) run against.

    .venv/bin/python deploy/local.py up --database postgres://postgres@127.0.0.1:5433/h5soak
    .venv/bin/python deploy/local.py status
    .venv/bin/python deploy/local.py down

`up` migrates the database, collects static files, then starts (each in its own session, so they
outlive this command) a redis-server of its own (unless --redis-url names one), --instances
gunicorn instances from deploy/gunicorn.conf.py, one `manage.py db_worker`, and nginx from
deploy/nginx/huizhi.conf rendered for loopback. Pids, logs and the rendered configuration go under
--dir (default: huizhi-local in the temporary folder); `down` stops exactly the pids it wrote
there. PostgreSQL is not started here: point --database at a server that runs (soak.py creates a
cluster of its own).

The app runs as in production (debug off, database task queue, Redis cache), with secret keys
derived from the database URL: stable for one database between runs, so its encrypted data
stays readable, and not the repository's development keys, which production refuses.
"""

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX_CONF = DEPLOY / "nginx" / "huizhi.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
DEFAULT_DIR = Path(tempfile.gettempdir()) / "huizhi-local"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# Requests nginx hands one sync worker at a time: one running, two waiting in the backlog
# (deploy/nginx/huizhi.conf's max_conns = this × WEB_CONCURRENCY). Two let bursts of an ordinary
# Poisson arrival be shed while the workers still had time; three absorb them (the soak's knee
# rose from 44-48 to 56-64/s on 2 cores) and a fourth would only queue.
REQUESTS_PER_WORKER = 3


def use_code(root: Path) -> None:
    """Run the app (and read deploy/) from `root` instead of this checkout, e.g. a snapshot of a
    commit (`git archive`), with this checkout's virtualenv. The processes start in `root`, which
    Python puts first on its path, ahead of the editable install."""
    global ROOT, DEPLOY, NGINX_CONF, GUNICORN_CONF
    ROOT = Path(root).resolve()
    DEPLOY = ROOT / "deploy"
    NGINX_CONF = DEPLOY / "nginx" / "huizhi.conf"
    GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"


class RenderError(ValueError):
    """The shipped nginx configuration no longer has a line the loopback rendering replaces."""


def _replace(text: str, pattern: str, replacement: str, *, count_at_least: int = 1) -> str:
    new, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if count < count_at_least:
        raise RenderError(f"deploy/nginx/huizhi.conf has no line matching {pattern!r}")
    return new


def render_nginx_site(
    *,
    listen: str,
    upstreams: list[tuple[str, int]],
    static_root: Path,
    log_dir: Path,
    per_ip_rate: int | None = None,
    per_ip_connections: int | None = None,
    admission_rate: int | None = None,
) -> str:
    """deploy/nginx/huizhi.conf with its machine-specific values replaced: the listen address, the
    upstream servers (address, max_conns), the static and error-body folders, the log folder, and
    optionally the per-client limits and the site's admission rate. Everything else (load shedding, redaction, timeouts, error
    shapes) is the shipped text. Raises RenderError when a value to replace is missing, so a
    change to the shipped file cannot silently leave the loopback run measuring something else."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = _replace(text, r"^(\s*)listen 80;$", rf"\g<1>listen {listen};")
    servers = "".join(
        f"    server {address} max_conns={max_conns} max_fails=3 fail_timeout=5s;\n"
        for address, max_conns in upstreams
    )
    text = _replace(text, r"(?:^    server 127\.0\.0\.1:800\d [^\n]*;\n)+", servers)
    text = _replace(text, r"/srv/huizhi/staticfiles/", f"{static_root}/")
    text = _replace(
        text, r"/srv/huizhi/deploy/nginx/errors/", f"{DEPLOY / 'nginx' / 'errors'}/", count_at_least=2
    )
    text = _replace(text, r"/var/log/nginx/", f"{log_dir}/", count_at_least=2)
    text = _replace(text, r"/var/cache/nginx/huizhi", f"{log_dir}/nginx-cache")
    if per_ip_rate is not None:
        text = _with_zone_rate(text, "huizhi_req_per_ip", per_ip_rate, burst=per_ip_rate * 2)
        text = _with_zone_rate(text, "huizhi_share_per_ip", per_ip_rate, burst=per_ip_rate)
    if admission_rate is not None:
        text = with_admission_rate(text, admission_rate)
    if per_ip_connections is not None:
        text = _replace(
            text, r"limit_conn huizhi_conn_per_ip 64;", f"limit_conn huizhi_conn_per_ip {per_ip_connections};"
        )
    return text


def _with_zone_rate(site: str, zone: str, rate: int, *, burst: int) -> str:
    """The site's text with the limit_req zone `zone` at `rate` a second and each use's `burst`."""
    site = _replace(site, rf"(zone={zone}:\S+) rate=\d+r/s;", rf"\1 rate={rate}r/s;")
    return _replace(
        site, rf"zone={zone} burst=\d+ nodelay;", f"zone={zone} burst={burst} nodelay;", count_at_least=4
    )


def with_admission_rate(site: str, rate: int) -> str:
    """The site's text with huizhi_admission admitting `rate` requests a second, in bursts of up to
    one second's worth (as shipped)."""
    return _with_zone_rate(site, "huizhi_admission", rate, burst=rate)


def set_admission_rate(state: dict, rate: int) -> None:
    """Change a running topology's admission rate: rewrite its rendered site and have nginx reload
    it (new workers take the new rate; requests in flight finish on the old ones)."""
    workdir = Path(state["dir"])
    site = workdir / "huizhi.conf"
    site.write_text(with_admission_rate(site.read_text(encoding="utf-8"), rate), encoding="utf-8")
    # A reload nginx refuses leaves the old rate running, silently: checked first.
    check = subprocess.run(  # noqa: S603 — our own program, arguments built here
        ["nginx", "-t", "-p", workdir, "-c", workdir / "nginx.conf"],  # noqa: S607 — on PATH, as in up()
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RenderError(f"nginx refuses the new admission rate: {check.stderr.strip()}")
    os.kill(state["pids"]["nginx"], signal.SIGHUP)  # nginx's master (daemon off): reload
    time.sleep(1)  # the old workers stop accepting once the new ones run


def render_nginx_main(workdir: Path, site_conf: Path, *, worker_processes: int = 1) -> str:
    """A whole nginx.conf around the site file, with every path (pid, temp files, logs) under
    `workdir`, so it runs and `nginx -t` checks it without touching /etc/nginx or /var."""
    temp = workdir / "nginx-temp"
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the repository's files
    mime = "/etc/nginx/mime.types"
    return (
        f"{user}worker_processes {worker_processes};\n"
        f"pid {workdir}/nginx.pid;\n"
        f"error_log {workdir}/nginx-main.error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        + (f"    include {mime};\n" if Path(mime).exists() else "")
        + "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        f"    client_body_temp_path {temp}/body;\n"
        f"    proxy_temp_path {temp}/proxy;\n"
        f"    fastcgi_temp_path {temp}/fastcgi;\n"
        f"    uwsgi_temp_path {temp}/uwsgi;\n"
        f"    scgi_temp_path {temp}/scgi;\n"
        f"    include {site_conf};\n"
        "}\n"
    )


def derived_keys(database_url: str) -> dict:
    """The three keys of a local run, derived from its database's address: the same on every run
    against one database (its residents stay readable, its sessions valid), never the repository's
    public development keys (a production server refuses those). The benchmarks that build a world
    in-process use them too, so the servers they start can read what they wrote."""
    seed = hashlib.sha256(f"huizhi-local:{database_url}".encode()).digest()
    return {
        "HUIZHI_SECRET_KEY": "local-" + hashlib.sha256(seed + b"secret").hexdigest(),
        "HUIZHI_DATA_KEYS": base64.urlsafe_b64encode(hashlib.sha256(seed + b"data").digest()).decode(),
        "HUIZHI_LOOKUP_KEY": "local-" + hashlib.sha256(seed + b"lookup").hexdigest(),
    }


def app_environment(database_url: str, redis_url: str, static_root: Path, extra: dict | None = None) -> dict:
    """The environment every app process gets (web, worker, commands)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUIZHI_", "DJANGO_", "PYTEST")) and key != "WEB_CONCURRENCY"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HUIZHI_DEBUG": "false",
            "HUIZHI_DATABASE_URL": database_url,
            "HUIZHI_REDIS_URL": redis_url,
            "HUIZHI_TASKS_BACKEND": "database",
            "HUIZHI_TRUSTED_PROXIES": "1",  # nginx alone appends to X-Forwarded-For
            "HUIZHI_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "HUIZHI_STATIC_ROOT": str(static_root),
            **derived_keys(database_url),
            "HUIZHI_LOG_LEVEL": "WARNING",
            # As deploy/systemd/huizhi.env.example: a dead database is noticed in 2 s, and a runaway
            # query ends before gunicorn's 30 s timeout would kill its worker.
            "HUIZHI_DATABASE_CONNECT_TIMEOUT_SECONDS": "2",
            "HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS": "25000",
        }
    )
    env.update(extra or {})
    return env


def _spawn(args: list, log: Path, env: dict) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(  # noqa: S603 — our own programs, arguments built here
            [str(a) for a in args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives `up`, and a Ctrl-C in the caller's terminal
        )


def _get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_redis(workdir: Path, port: int) -> subprocess.Popen:
    """A redis-server of our own (no persistence: a cache and rate limits only)."""
    return _spawn(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        workdir / "redis.log",
        os.environ.copy(),
    )


def wait_redis(redis: subprocess.Popen, port: int, seconds: float = 10) -> None:
    """Until our redis-server answers PING. It exits at once when the port is taken (a run still
    stopping, another server), and the server that holds the port would answer in its place: so
    its exit is checked before every PING."""
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if redis.poll() is not None:
            raise SystemExit(f"redis-server on port {port} exited (is the port taken?); see its redis.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"redis-server on port {port} did not start")


def manage(env: dict, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — manage.py with arguments built here
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


def up(args) -> dict:
    workdir = Path(args.dir)
    if getattr(args, "code", ""):
        use_code(Path(args.code))
    if (workdir / "state.json").exists() and _alive(json.loads((workdir / "state.json").read_text())):
        raise SystemExit(f"Already running from {workdir} (deploy/local.py down --dir {workdir}).")
    (workdir / "nginx-temp").mkdir(parents=True, exist_ok=True)
    static_root = workdir / "staticfiles"
    state: dict = {"dir": str(workdir), "port": args.port, "database": args.database, "pids": {}}

    redis_url = args.redis_url
    if not redis_url:
        redis = start_redis(workdir, args.redis_port)
        state["pids"]["redis"] = redis.pid
        state["redis_port"] = args.redis_port
        wait_redis(redis, args.redis_port)
        redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    state["redis_url"] = redis_url
    extra = dict(item.split("=", 1) for item in args.env)
    env = app_environment(args.database, redis_url, static_root, extra)
    _write_state(workdir, state)  # from here on, `down` can stop what has started

    manage(env, "migrate", "--noinput")
    if args.demo:
        # With these processes' keys: the demo's ID numbers and mobiles are encrypted with them.
        manage(env, "demo")  # loads only into an empty database
    manage(env, "collectstatic", "--noinput", "-v", "0")

    upstreams = []
    for number in range(args.instances):
        port = args.first_app_port + number
        upstreams.append((f"127.0.0.1:{port}", args.max_conns or REQUESTS_PER_WORKER * args.workers))
        server = _spawn(
            [
                GUNICORN,
                "-c",
                GUNICORN_CONF,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                args.workers,
                "--pid",
                workdir / f"gunicorn-{number + 1}.pid",
                "config.wsgi",
            ],
            workdir / f"gunicorn-{number + 1}.log",
            env,
        )
        state["pids"][f"gunicorn-{number + 1}"] = server.pid
        state.setdefault("app_ports", []).append(port)
    # db_worker exits when its database connection fails (a PostgreSQL restart). systemd's
    # Restart=always and compose's restart policy bring it back in production; this loop does the
    # same here, and says so in the log, so a soak counts the restarts.
    command = f"{PYTHON} manage.py db_worker --queue-name '*' --interval 0.5 --no-reload"
    worker = _spawn(
        [
            "sh",
            "-c",
            f"trap 'kill $child 2>/dev/null; exit 0' TERM INT; while :; do {command} & child=$!; wait $child; "
            'echo "local.py: db_worker exited with $?, restarting in 1 s"; sleep 1; done',
        ],
        workdir / "worker.log",
        env,
    )
    state["pids"]["worker"] = worker.pid
    _write_state(workdir, state)

    site = workdir / "huizhi.conf"
    site.write_text(
        render_nginx_site(
            listen=f"127.0.0.1:{args.port}",
            upstreams=upstreams,
            static_root=static_root,
            log_dir=workdir,
            # One address (this machine) sends all the load: the per-client limits would measure
            # themselves instead of the servers.
            per_ip_rate=args.per_ip_rate,
            per_ip_connections=args.per_ip_connections,
            admission_rate=getattr(args, "admission_rate", None),
        ),
        encoding="utf-8",
    )
    main_conf = workdir / "nginx.conf"
    main_conf.write_text(render_nginx_main(workdir, site), encoding="utf-8")
    nginx = _spawn(["nginx", "-p", workdir, "-c", main_conf, "-g", "daemon off;"], workdir / "nginx.out", env)
    state["pids"]["nginx"] = nginx.pid
    _write_state(workdir, state)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if _get(args.port, "/readyz")[0] == 200 and all(
                _get(port, "/healthz")[0] == 200 for port in state["app_ports"]
            ):
                break
        except OSError:
            pass
        time.sleep(0.3)
    else:
        down_state(state)
        raise SystemExit(f"The topology did not become ready; logs in {workdir}")
    return state


def _write_state(workdir: Path, state: dict) -> None:
    (workdir / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")


def read_state(workdir: Path) -> dict:
    path = Path(workdir) / "state.json"
    if not path.exists():
        raise SystemExit(f"Nothing started from {workdir}.")
    return json.loads(path.read_text(encoding="utf-8"))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie of ours (not yet reaped) counts as gone.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _alive(state: dict) -> bool:
    return any(_pid_alive(pid) for pid in state.get("pids", {}).values())


def down_state(state: dict, *, grace: float = 15) -> None:
    """Stop every process `up` started (and only those), nginx first so no request reaches a
    server that is stopping; TERM, then KILL after `grace` seconds."""
    order = ["nginx", *[n for n in state["pids"] if n.startswith("gunicorn")], "worker", "redis"]
    for name in order:
        pid = state["pids"].get(name)
        if pid and _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for name in order:
        pid = state["pids"].get(name)
        while pid and _pid_alive(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):  # not our child: nothing to reap
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if pid and _pid_alive(pid):
            # Its whole process group (each was started in a session of its own): a gunicorn
            # arbiter's workers, the worker loop's db_worker.
            os.killpg(pid, signal.SIGKILL)


def worker_pids(gunicorn_pid: int) -> list[int]:
    """The worker processes of the gunicorn arbiter `gunicorn_pid` (its children)."""
    try:
        children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def status(workdir: Path) -> dict:
    state = read_state(workdir)
    report = {name: ("running" if _pid_alive(pid) else "stopped") for name, pid in state["pids"].items()}
    try:
        code, body = _get(state["port"], "/readyz")
        report["readyz"] = {"status": code, **json.loads(body)}
    except (OSError, ValueError) as exc:
        report["readyz"] = {"error": type(exc).__name__}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--dir", default=str(DEFAULT_DIR))
    parser.add_argument("--database", default=os.environ.get("HUIZHI_DATABASE_URL", ""))
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="sync workers per gunicorn instance")
    parser.add_argument(
        "--max-conns", type=int, default=0, help="nginx max_conns per instance (default 3 × workers)"
    )
    parser.add_argument("--first-app-port", type=int, default=8101)
    parser.add_argument("--redis-port", type=int, default=6380)
    parser.add_argument("--redis-url", default="", help="use this Redis instead of starting one")
    parser.add_argument("--per-ip-rate", type=int, default=1000)
    parser.add_argument("--per-ip-connections", type=int, default=1000)
    parser.add_argument(
        "--admission-rate",
        type=int,
        default=None,
        help="requests/s the whole site admits (default: the shipped file's huizhi_admission rate)",
    )
    parser.add_argument("--code", default="", help="run the app from this folder (default: this checkout)")
    parser.add_argument("--demo", action="store_true", help="load the demo street into an empty database")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the app processes")
    args = parser.parse_args()
    if args.command == "up":
        if not args.database.startswith("postgres"):
            raise SystemExit("--database postgres://… (or HUIZHI_DATABASE_URL) is needed.")
        state = up(args)
        print(json.dumps(state, indent=2))
        print(f"\nhuizhi is at http://127.0.0.1:{args.port}/ ; logs in {args.dir}")
    elif args.command == "down":
        down_state(read_state(Path(args.dir)))
    else:
        print(json.dumps(status(Path(args.dir)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
