"""gunicorn's settings for huizhi: `gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:8001 config.wsgi`.

The app is a Django app that waits on PostgreSQL and renders pages: CPU and database work in
short requests, no long polls or websockets. Sync workers fit it: one request per process, no
threads sharing a database connection, and a worker stuck on something is killed by `timeout`
without taking other requests with it. In-flight work is bounded here (workers, backlog) and in
front (nginx's `max_conns` per server equals `workers`, deploy/nginx/huizhi.conf), so overload is
refused by the proxy with a fast 503 instead of queueing behind busy workers.

Command-line options override these (the systemd unit and deploy/local.py pass --bind).
"""

import gc
import multiprocessing
import os

from gunicorn.glogging import Logger

# Per machine, about two sync workers per core (one computes while the other waits on the
# database) plus one. With several instances on one machine, divide by setting WEB_CONCURRENCY
# (gunicorn's own variable); nginx's max_conns for each server must equal it.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
bind = ["127.0.0.1:8000"]

# A request runs for at most this long before the arbiter kills its worker. Pages answer in well
# under a second; an upload of HUIZHI_MAX_REQUEST_MB is read by nginx first (proxy_request_buffering),
# so no worker waits on a slow client. PostgreSQL's statement_timeout (HUIZHI_DATABASE_STATEMENT_TIMEOUT_MS,
# set below this) ends a runaway query first, so the request fails with an error in its
# interface's shape instead of a killed worker.
timeout = 30
# On SIGTERM (a deploy, `systemctl restart`), requests in flight get this long to finish.
graceful_timeout = 20
# Recycle workers now and then (memory a long-lived process accumulates); the jitter keeps the
# workers of one instance from all restarting at the same moment.
max_requests = 2000
max_requests_jitter = 200

# Connections the kernel holds for this instance while every worker is busy. Small on purpose:
# nginx sends at most `workers` requests at a time, so a queue here would only hide overload.
# (When it is full Linux drops new connections rather than refusing them; nginx's 1 s
# proxy_connect_timeout then turns that into a fast 503.)
backlog = 16

# The worker heartbeat file on tmpfs: a slow or full disk must not make the arbiter think a
# healthy worker hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 — a folder, not a file name

# nginx writes the access log (redacted there); gunicorn writes only its error log, to stderr
# (journald under systemd).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


class RedactingLogger(Logger):
    """gunicorn's logger with huizhi's redaction on every handler it sets up.

    gunicorn logs a malformed request's whole request line ("Invalid request from ip=…: Invalid
    HTTP request line: 'GET /open311/v2/requests.json?api_key=…'") and the URI of a request
    whose handling failed; Open311 clients put their key in the query string. The filter is the
    app's own (huizhi.core.logredact), so the proxy, the app and the server blank the same names.
    Added after gunicorn's setup, so --error-logfile, --access-logfile and syslog keep working.
    """

    def setup(self, cfg):
        super().setup(cfg)
        from huizhi.core.logredact import RedactSecrets

        redact = RedactSecrets()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                    handler.addFilter(redact)


logger_class = RedactingLogger


def post_worker_init(worker):
    """Once the worker has loaded the app: import the views too (every URL's module, which the
    first request would otherwise pay for), then move everything loaded so far out of the garbage
    collector's sight. Those ~200,000 objects (Django, the apps, their modules) live as long as the
    worker and never become garbage, yet each full collection walked them all: ~100 ms, about
    once every hundred requests at a million cases (~1 ms a request; benchmarks/soak.py --costs)."""
    from django.apps import apps

    if apps.ready:  # the app is Django (config.wsgi set it up while loading)
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 — imports the URLconf and the views it names
    gc.collect()  # the imports' own garbage first, or it would be frozen for the worker's life
    gc.freeze()


# gunicorn 27's control socket defaults to one path per user: several instances on one machine
# would fight over it, and nothing here uses it (systemd signals the arbiter).
control_socket_disable = True
