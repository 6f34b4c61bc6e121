"""The deployment files (deploy/): nginx's site, gunicorn's settings, the systemd units, compose.

Run against the real programs where they are installed (nginx -t, nginx answering with its own
bodies, gunicorn logging a malformed request); without nginx, those tests skip and the rest read
the files. The values that must agree across files (body limit, max_conns and workers, timeouts)
are checked against each other, so an edit to one side fails here.
"""

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX_SITE = (DEPLOY / "nginx" / "huizhi.conf").read_text(encoding="utf-8")
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
SECRET = "SECRETKEY0123456789"

needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")


def _local():
    spec = importlib.util.spec_from_file_location("deploy_local", DEPLOY / "local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _gunicorn_settings() -> dict:
    namespace: dict = {}
    exec(compile(GUNICORN_CONF.read_text(), str(GUNICORN_CONF), "exec"), namespace)  # noqa: S102 — our file
    return namespace


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _directive(name: str, text: str = NGINX_SITE) -> list[str]:
    return re.findall(rf"^[ \t]*{name}[ \t]+([^;{{\n]*);", text, flags=re.MULTILINE)


# --- nginx ------------------------------------------------------------------------------------


def test_nginx_body_limit_is_the_apps():
    assert _directive("client_max_body_size") == [f"{settings.HUIZHI_MAX_REQUEST_MB}m"]


def test_nginx_bounds_each_app_server_to_its_workers():
    """max_conns = REQUESTS_PER_WORKER (3) × WEB_CONCURRENCY of the systemd unit, the rule the
    loopback topology renders with too: each sync worker runs one request and at most two wait in
    its backlog; beyond that nginx refuses at once."""
    unit = (DEPLOY / "systemd" / "huizhi@.service").read_text()
    workers = int(re.search(r"WEB_CONCURRENCY=(\d+)", unit).group(1))
    servers = _directive("server")
    assert len(servers) == 3
    for server in servers:
        assert f"max_conns={_local().REQUESTS_PER_WORKER * workers}" in server.split()
    assert "huizhi_app 64k" in _directive("zone")  # shared by nginx's workers: a bound on the total
    assert "queue" not in _directive("queue")  # no waiting line in nginx (and none in nginx without Plus)


def test_nginx_sheds_in_each_interfaces_shape():
    locations = dict(re.findall(r"location ([^{]+)\{(.*?)\n    \}", NGINX_SITE, flags=re.DOTALL))
    expected = {
        "/api/ ": "/_busy/api.json",
        r"~ ^/open311/.*\.json$ ": "/_busy/open311.json",
        "/open311/ ": "/_busy/open311.xml",
        "/ ": "/_busy/page.html",
    }
    for location, body in expected.items():
        block = locations[location]
        assert f"error_page 502 503 504 =503 {body};" in block, location
        assert "limit_req zone=huizhi_req_per_ip" in block, location
        assert (DEPLOY / "nginx" / "errors" / "busy" / Path(body).name).exists()
    assert _directive("limit_req_status") == ["503"] and _directive("limit_conn_status") == ["503"]
    assert "Retry-After 5 always" in _directive("add_header")
    assert _directive("proxy_intercept_errors") == ["off"]  # the app's own answers pass through


def test_nginx_admits_the_site_rate_on_every_app_path_and_never_on_health():
    """One admission rate for the whole site, on every path that reaches the app, with bursts of
    one second's worth, and one address's share of it; liveness and readiness are never refused."""
    locations = dict(re.findall(r"location ([^{]+)\{(.*?)\n    \}", NGINX_SITE, flags=re.DOTALL))
    zones = {z.split()[1].split(":")[0]: z.split() for z in _directive("limit_req_zone")}
    key, _, rate = zones["zone=huizhi_admission"]
    assert key == "$huizhi_admitted_key", "one key for the whole site (empty for anonymous reads)"
    per_second = int(re.fullmatch(r"rate=(\d+)r/s", rate).group(1))
    share_key, _, share_rate = zones["zone=huizhi_share_per_ip"]
    share = int(re.fullmatch(r"rate=(\d+)r/s", share_rate).group(1))
    assert share_key == "$huizhi_admitted_address" and share * 2 < per_second, "one address: a part of it"
    for location in ("/api/ ", r"~ ^/open311/.*\.json$ ", "/open311/ ", "/ "):
        block = locations[location]
        assert f"limit_req zone=huizhi_admission burst={per_second} nodelay;" in block, location
        assert f"limit_req zone=huizhi_share_per_ip burst={share} nodelay;" in block, location
    for location in ("= /healthz ", "= /readyz "):
        assert "limit_req" not in locations[location], location


def test_nginx_trusts_one_proxy_hop_and_times_out_after_gunicorn():
    headers = _directive("proxy_set_header")
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
    gunicorn = _gunicorn_settings()
    read_timeout = int(_directive("proxy_read_timeout")[0].rstrip("s"))
    assert read_timeout > gunicorn["timeout"]  # gunicorn ends a stuck request, not nginx
    unit = (DEPLOY / "systemd" / "huizhi@.service").read_text()
    statement_ms = int(re.search(r"HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS=(\d+)", unit).group(1))
    assert statement_ms / 1000 < gunicorn["timeout"]  # PostgreSQL cancels first


def test_nginx_access_log_holds_no_raw_query_string():
    log_format = re.search(r"log_format huizhi (.*?);", NGINX_SITE, flags=re.DOTALL).group(1)
    for raw in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "$http_referer"):
        assert raw not in log_format
    assert "$huizhi_uri_redacted" in log_format
    assert _directive("error_log")[0].endswith(" crit")  # nginx's error lines quote the query string


def test_shipped_error_bodies_are_valid_in_their_shapes():
    errors = DEPLOY / "nginx" / "errors"
    for folder, status, code in (("busy", 503, "busy"), ("too-large", 413, "too_large")):
        api = json.loads((errors / folder / "api.json").read_text(encoding="utf-8"))
        assert api["code"] == code and api["message"]
        [open311] = json.loads((errors / folder / "open311.json").read_text(encoding="utf-8"))
        assert open311["code"] == status and open311["description"]
        root = ElementTree.fromstring((errors / folder / "open311.xml").read_bytes())
        assert root.tag == "errors" and root.find("error/code").text == str(status)
        assert root.find("error/description").text
        page = (errors / folder / "page.html").read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and f"<title>{status}" in page


def _render(tmp_path, upstream_port: int, listen_port: int, **limits) -> Path:
    local = _local()
    site = tmp_path / "huizhi.conf"
    site.write_text(
        local.render_nginx_site(
            listen=f"127.0.0.1:{listen_port}",
            upstreams=[(f"127.0.0.1:{upstream_port}", 4)],
            static_root=tmp_path / "static",
            log_dir=tmp_path,
            **limits,
        )
    )
    (tmp_path / "nginx-temp").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(local.render_nginx_main(tmp_path, site))
    return main


class _CountingUpstream:
    """An app server stand-in that counts what reaches it and answers like the app: public with
    max-age when no key came (an Open311 read, the public wall), no-store when one did, no
    caching header for a staff page (/console/), and a public answer that sets a cookie for
    /wall/item/ (a page with a form's CSRF token)."""

    def __init__(self):
        import http.server
        import threading

        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 — http.server's name
                hits.append(self.path)
                keyed = "api_key=" in self.path or self.headers.get("X-Api-Key")
                body = json.dumps({"answer": len(hits)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if not self.path.startswith("/console/"):
                    self.send_header("Cache-Control", "no-store" if keyed else "public, max-age=5")
                if self.path.startswith("/wall/item/"):
                    self.send_header("Set-Cookie", "csrftoken=abc; Path=/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def _nginx_in_front_of(tmp_path, upstream_port: int, **limits):
    """nginx serving the shipped site rendered for loopback in front of `upstream_port`, until the
    block ends; yields (its port, its master process)."""
    port = _free_port()
    main = _render(tmp_path, upstream_port, port, **limits)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    try:
        _wait_for(port)
        yield port, nginx
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)


def _answers(port: int, paths: list[str], **headers) -> list[tuple[str, int, bytes | None]]:
    """(path, status, body of a refusal) for each GET of `paths` on loopback, one after another."""
    answers = []
    for path in paths:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 — loopback
                answers.append((path, answer.status, None))
        except urllib.error.HTTPError as answer:
            answers.append((path, answer.code, answer.read()))
    return answers


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)


@needs_nginx
def test_nginx_keeps_public_reads_and_never_keyed_ones(tmp_path):
    """Ten anonymous reads of the same list reach the app once; reads with a key (in the query,
    the X-Api-Key header) or a session reach it every time and are never answered from the copy.
    The public wall is kept the same way; a page without the header or with a cookie never is."""
    upstream = _CountingUpstream()
    port = _free_port()
    main = _render(tmp_path, upstream.port, port)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    try:
        _wait_for(port)

        def get(path, **headers):
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 — loopback
                return json.loads(answer.read())["answer"]

        public = [get("/open311/v2/requests.json?status=open") for _ in range(10)]
        assert public == [1] * 10 and len(upstream.hits) == 1
        assert get("/open311/v2/requests.xml") == 2  # another URL, another copy
        before = len(upstream.hits)
        keyed = [
            get(f"/open311/v2/requests.json?status=open&api_key={SECRET}"),
            get("/open311/v2/requests.json?status=open", **{"X-Api-Key": SECRET}),
            get("/open311/v2/requests.json?status=open", Cookie="sessionid=abc"),
            get("/open311/v2/requests.json?status=open", Authorization="Token abc"),
        ]
        assert len(upstream.hits) == before + 4 and 1 not in keyed
        assert get("/open311/v2/requests.json?status=open") == 1  # the public copy is untouched

        wall = [get("/wall/341102001003/") for _ in range(5)]
        assert len(set(wall)) == 1, "the public wall: one copy for every visitor"
        assert get("/wall/341102001003/", Cookie="sessionid=abc") != wall[0]
        before = len(upstream.hits)
        for path in ("/console/cases/", "/wall/item/7/"):
            for _ in range(3):
                get(path)
        assert len(upstream.hits) == before + 6, "no header, or a cookie: never kept"
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)
        upstream.close()


@needs_nginx
def test_nginx_refuses_beyond_the_admission_rate_at_once_and_a_new_rate_takes_over(tmp_path):
    """Rendered with an admission rate of 2 a second, a quick run of 12 requests with credentials
    to the app's paths gets at most 2 + the burst of 2 through, the rest 503 in their shape from
    nginx without reaching the app; anonymous reads (answered from nginx's copy when kept) and
    /healthz are never refused by it. Then local.set_admission_rate raises it on the running nginx
    and the same run all passes."""
    local = _local()
    upstream = _CountingUpstream()
    # Alternating, so both shapes of refusal are met.
    paths = [f"/{where}?n={n}" for n in range(6) for where in ("api/v1/cases/", "wall/")]
    try:
        with _nginx_in_front_of(tmp_path, upstream.port, admission_rate=2, per_ip_rate=1000) as (port, nginx):
            answers = _answers(port, paths, Cookie="sessionid=abc")
            admitted = [path for path, code, _ in answers if code == 200]
            refused = {path.split("?")[0]: body for path, code, body in answers if code == 503}
            assert 2 <= len(admitted) <= 5 and len(admitted) + sum(a[1] == 503 for a in answers) == 12, (
                answers
            )
            assert len(upstream.hits) == len(admitted), "a refused request never reaches the app"
            assert json.loads(refused["/api/v1/cases/"])["code"] == "busy"
            assert refused["/wall/"].startswith(b"<!doctype html>")
            liveness = _answers(port, ["/healthz"] * 12)
            assert all(code == 200 for _, code, _ in liveness), "liveness is never refused"
            anonymous = _answers(port, [f"/wall/?a={n}" for n in range(12)])
            assert all(code == 200 for _, code, _ in anonymous), "anonymous reads are not counted"
            writes = [code for _, code, _ in _answers(port, ["/wall/?w=1"] * 6, **{"X-Api-Key": SECRET})]
            assert 503 in writes, "a request with a key is counted"

            local.set_admission_rate({"dir": str(tmp_path), "pids": {"nginx": nginx.pid}}, 1000)
            assert [code for _, code, _ in _answers(port, paths, Cookie="sessionid=abc")] == [200] * 12
    finally:
        upstream.close()


@needs_nginx
def test_one_address_takes_only_its_share_of_the_admission_rate(tmp_path):
    """A request refused by one limit_req zone is charged to none: without a per-address share below
    the site's rate, one looping client would take all of it. As shipped (one address: rate r/s,
    burst r), a quick run of 30 signed-in requests from one address gets about r + 1 through."""
    (share,) = [z for z in _directive("limit_req_zone") if "zone=huizhi_share_per_ip:" in z]
    rate = int(re.search(r"rate=(\d+)r/s", share).group(1))
    upstream = _CountingUpstream()
    try:
        with _nginx_in_front_of(tmp_path, upstream.port, admission_rate=1000) as (port, _nginx):
            answers = _answers(port, [f"/console/?n={n}" for n in range(30)], Cookie="sessionid=abc")
    finally:
        upstream.close()
    codes = [code for _, code, _ in answers]
    assert rate <= codes.count(200) <= rate + 5 and codes.count(503) == 30 - codes.count(200), codes


def test_loopback_rendering_refuses_a_site_it_cannot_map(tmp_path, monkeypatch):
    """deploy/local.py replaces the shipped file's ports and paths; if one is gone it stops instead
    of measuring a configuration that is not the shipped one."""
    local = _local()
    changed = tmp_path / "huizhi.conf"
    changed.write_text(NGINX_SITE.replace("listen 80;", "listen 8080;"))
    monkeypatch.setattr(local, "NGINX_CONF", changed)
    with pytest.raises(local.RenderError, match="listen"):
        local.render_nginx_site(
            listen="127.0.0.1:1", upstreams=[("127.0.0.1:2", 4)], static_root=tmp_path, log_dir=tmp_path
        )


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_local_redis_that_cannot_take_its_port_is_not_mistaken_for_the_one_that_has_it(tmp_path):
    """A run started while the last one's Redis was still stopping: ours exits (the port is taken)
    and the old one answered PING, so the topology came up on a Redis about to vanish. Now the
    exit is seen before any answer counts."""
    local = _local()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        def answer_pong():  # the Redis still holding the port: PONG to anything
            with contextlib.suppress(OSError):
                while True:
                    conn, _ = holder.accept()
                    with conn:
                        conn.recv(64)
                        conn.sendall(b"+PONG\r\n")

        threading.Thread(target=answer_pong, daemon=True).start()
        ours = local.start_redis(tmp_path, port)
        ours.wait(timeout=10)  # cannot bind: gone at once
        with pytest.raises(SystemExit, match="exited"):
            local.wait_redis(ours, port, seconds=2)
    assert "Address already in use" in (tmp_path / "redis.log").read_text()


@needs_nginx
def test_nginx_accepts_the_shipped_site(tmp_path):
    main = _render(tmp_path, _free_port(), _free_port())
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


@needs_nginx
def test_nginx_answers_503_in_shape_with_retry_after_and_logs_no_key(tmp_path):
    """No app server answers (nothing listens on the upstream's port): each interface gets its own
    503 body from nginx, with Retry-After, and the access log has the key blanked."""
    port = _free_port()
    main = _render(tmp_path, _free_port(), port)
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(main), "-g", "daemon off;"], stderr=subprocess.PIPE
    )
    try:
        _wait_for(port)
        answers = {}
        for path in (
            f"/open311/v2/requests.xml?api_key={SECRET}",
            f"/open311/v2/requests.json?api_key={SECRET}&service_code=0101",
            "/api/v1/cases/",
            "/wall/",
        ):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5)  # noqa: S310 — loopback
            except urllib.error.HTTPError as answer:
                answers[path.split("?")[0]] = (answer.code, answer.headers, answer.read())
    finally:
        nginx.send_signal(signal.SIGTERM)
        nginx.wait(timeout=10)
    for code, headers, _ in answers.values():
        assert code == 503 and headers["Retry-After"] == "5"
    status, headers, body = answers["/open311/v2/requests.xml"]
    assert headers["Content-Type"].startswith("text/xml")
    assert ElementTree.fromstring(body).find("error/code").text == "503"
    status, headers, body = answers["/open311/v2/requests.json"]
    assert headers["Content-Type"].startswith("application/json") and json.loads(body)[0]["code"] == 503
    status, headers, body = answers["/api/v1/cases/"]
    assert json.loads(body)["code"] == "busy"
    status, headers, body = answers["/wall/"]
    assert headers["Content-Type"].startswith("text/html")
    access = (tmp_path / "huizhi.access.log").read_text()
    assert "api_key=[redacted]" in access and "service_code=0101" in access
    for log in tmp_path.glob("*.log"):
        assert SECRET not in log.read_text(), log.name


# --- gunicorn ---------------------------------------------------------------------------------


def test_gunicorn_settings_bound_in_flight_work():
    conf = _gunicorn_settings()
    assert conf["worker_class"] == "sync"
    assert conf["timeout"] <= 30 and conf["graceful_timeout"] <= conf["timeout"]
    assert conf["max_requests"] > 0 and conf["max_requests_jitter"] > 0
    assert conf["backlog"] <= 64
    assert conf["control_socket_disable"]  # several instances on one machine


def test_a_gunicorn_worker_freezes_what_it_loaded_and_has_its_views():
    """post_worker_init: the URLconf's views imported and everything loaded moved out of the
    collector's sight (its full collections walked ~200,000 objects that are never garbage)."""
    import gc

    from django.urls import clear_url_caches, get_resolver

    clear_url_caches()
    gc.unfreeze()
    try:
        _gunicorn_settings()["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000
        assert "url_patterns" in vars(get_resolver())  # read, so every view's module is imported
    finally:
        gc.unfreeze()


def _gunicorn_error_log(tmp_path, *extra: str) -> str:
    """gunicorn with deploy/gunicorn.conf.py serving a two-line app; one malformed request line
    carrying an api_key; returns its error log."""
    (tmp_path / "tinyapp.py").write_text(
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    port = _free_port()
    log = tmp_path / "error.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--chdir", str(tmp_path),
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--error-logfile", str(log), *extra, "tinyapp"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(f"GET /open311/v2/requests.json?api_key={SECRET}\x01 HTTP/1.1\r\n\r\n".encode())
                    assert s.recv(64).startswith(b"HTTP/1.1 400")
                break
            except (ConnectionRefusedError, ConnectionResetError):
                time.sleep(0.05)
        for _ in range(100):
            if "Invalid request" in log.read_text():
                break
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return log.read_text()


def test_gunicorn_error_log_blanks_api_keys(tmp_path):
    text = _gunicorn_error_log(tmp_path)
    assert "Invalid HTTP request line" in text
    assert "api_key=[redacted]" in text
    assert SECRET not in text


def test_gunicorn_without_the_redacting_logger_leaks_the_key(tmp_path):
    """The control for the test above: gunicorn's own logger writes the key."""
    text = _gunicorn_error_log(tmp_path, "--logger-class", "gunicorn.glogging.Logger")
    assert SECRET in text


# --- settings ---------------------------------------------------------------------------------


def _database_options(**env) -> dict:
    script = "from django.conf import settings; import json; print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUIZHI_", "DJANGO_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; {script}",
        ],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_fails_fast_and_may_cancel_long_statements():
    prepared = {"server_side_binding": True, "prepare_threshold": 5}
    options = _database_options(HUIZHI_DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert options == {"connect_timeout": 3, "options": "-c plan_cache_mode=force_custom_plan", **prepared}
    options = _database_options(
        HUIZHI_DATABASE_URL="postgres://u@127.0.0.1:5432/db?sslmode=require&options=-c%20lock_timeout%3D100",
        HUIZHI_DATABASE_CONNECT_TIMEOUT_SECONDS="2",
        HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS="25000",
    )
    assert options == {
        "sslmode": "require",
        "connect_timeout": 2,
        "options": "-c lock_timeout=100 -c statement_timeout=25000 -c plan_cache_mode=force_custom_plan",
        **prepared,
    }


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    options = _database_options(
        HUIZHI_DATABASE_URL="postgres://u@127.0.0.1:5432/db", HUIZHI_DATABASE_PREPARED_STATEMENTS="false"
    )
    assert options == {"connect_timeout": 3}


# --- systemd and compose ----------------------------------------------------------------------


def _huizhi_commands(text: str) -> set[str]:
    """The management commands run as `huizhi <command>` (or ["huizhi", "<command>"]) outside comments."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return set(re.findall(r"(?:\bhuizhi |\"huizhi\", \")(\w+)", code))


def test_every_command_the_units_and_compose_run_exists():
    commands = set(get_commands())
    units = "\n".join(
        line
        for p in (DEPLOY / "systemd").iterdir()
        for line in p.read_text().splitlines()
        if line.startswith("ExecStart=")
    )
    compose = (DEPLOY / "compose.yaml").read_text()
    named = _huizhi_commands(units) | _huizhi_commands(compose)
    assert {"db_worker", "sweep_deadlines", "retry_webhooks", "migrate"} <= named
    assert named <= commands, named - commands


def test_each_timer_has_its_service_and_the_target_starts_them():
    systemd = DEPLOY / "systemd"
    timers = sorted(p.stem for p in systemd.glob("*.timer"))
    assert {"huizhi-sweep-deadlines", "huizhi-retry-webhooks"} <= set(timers)
    target = (systemd / "huizhi.target").read_text()
    for timer in timers:
        assert (systemd / f"{timer}.service").exists()
        assert f"{timer}.timer" in target
    for unit in ("huizhi@.service", "huizhi-worker@.service"):
        text = (systemd / unit).read_text()
        assert "Restart=always" in text and "EnvironmentFile=/etc/huizhi/huizhi.env" in text


def test_compose_runs_the_topology():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "nginx", "worker", "cron", "migrate"} <= set(services)
    apps = [name for name in services if re.fullmatch(r"app\d+", name)]
    assert len(apps) == 3
    for name in apps:
        app = services[name]
        assert "deploy/gunicorn.conf.py" in app["command"]
        assert "/readyz" in " ".join(app["healthcheck"]["test"])
        assert services["nginx"]["depends_on"][name]["condition"] == "service_healthy"
    # nginx's upstream points at the app containers: the sed in its command rewrites the
    # shipped upstream, so each shipped server line must match it.
    command = " ".join(services["nginx"]["command"])
    assert "app\\1:8000" in command
    assert [s.split()[0] for s in _directive("server")] == [
        "127.0.0.1:8001",
        "127.0.0.1:8002",
        "127.0.0.1:8003",
    ]
    assert services["worker"]["restart"] == "unless-stopped"
