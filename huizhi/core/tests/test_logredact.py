"""No API key, token or sign-in code in the logs: what the configured handlers write is checked, not
only what loggers are handed (a filter on a handler acts when the handler writes)."""

import io
import logging

import pytest
from django.test import Client
from django.utils.log import ServerFormatter

from huizhi.api.open311.views import RequestsView
from huizhi.core.logredact import REDACTED, RedactSecrets, redact

SECRET = "SeCrEtKeY0123456789"
PATH = f"/open311/v2/requests.json?api_key={SECRET}&service_code=0101&token={SECRET}&code={SECRET}"


def configured_handlers() -> list[logging.Handler]:
    """Every handler that writes, on any logger (pytest's own capture handlers left out)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if not type(handler).__module__.startswith("_pytest")
        and not isinstance(handler, logging.NullHandler)  # libraries' "no output unless configured"
    ]


@pytest.fixture
def log_output():
    """What the configured handlers write, for the length of the test."""
    buffer = io.StringIO()
    handlers = [h for h in configured_handlers() if isinstance(h, logging.StreamHandler)]
    assert handlers, "LOGGING configured no stream handler: nothing to check"
    previous = [h.setStream(buffer) for h in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


def django_server_record(request_line: str, status: str = "200") -> logging.LogRecord:
    """A record as runserver's WSGIRequestHandler.log_message makes it."""
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 0, '"%s" %s %s', (request_line, status, "57"), None
    )
    record.request = None
    record.server_time = "05/Dec/2026 10:00:00"
    record.status_code = int(status)
    return record


# --- the filter ------------------------------------------------------------------------------------


def test_every_configured_handler_redacts():
    handlers = configured_handlers()
    assert handlers
    for handler in handlers:
        assert any(isinstance(f, RedactSecrets) for f in handler.filters), handler


def test_a_runserver_access_line_keeps_everything_but_the_secrets():
    record = django_server_record(f"GET {PATH} HTTP/1.1")

    assert RedactSecrets().filter(record) is True
    line = ServerFormatter("[{server_time}] {message}", style="{").format(record)

    assert SECRET not in line
    assert "api_key=[redacted]" in line and "token=[redacted]" in line and "&code=[redacted]" in line
    assert "service_code=0101" in line  # only whole parameter names
    assert line.endswith(
        '"GET /open311/v2/requests.json?api_key=[redacted]&service_code=0101'
        '&token=[redacted]&code=[redacted] HTTP/1.1" 200 57'
    )


def test_numbers_and_other_arguments_are_left_as_they_are():
    record = logging.LogRecord("x", logging.INFO, __file__, 0, "%d cases, %s, %.1f s", (3, None, 0.25), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "3 cases, None, 0.2 s"
    assert redact("/wall/?q=monkey=1&password=hunter2") == f"/wall/?q=monkey=1&password={REDACTED}"


# --- as configured ---------------------------------------------------------------------------------


def test_the_access_log_as_configured_writes_no_key(log_output):
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET {PATH} HTTP/1.1", "200", "57", extra={"request": None, "server_time": "now"}
    )
    written = log_output.getvalue()
    assert "/open311/v2/requests.json?api_key=[redacted]" in written
    assert SECRET not in written


@pytest.mark.django_db
def test_a_refused_open311_request_is_logged_without_its_key(log_output, caplog):
    response = Client().get(PATH)  # an unknown key: 403
    assert response.status_code == 403

    assert any(r.name == "django.request" and r.levelno == logging.WARNING for r in caplog.records)
    written = log_output.getvalue()
    assert "/open311/v2/requests.json" in written
    assert SECRET not in written


@pytest.mark.django_db
def test_a_failing_open311_request_is_logged_without_its_key(log_output, caplog, monkeypatch):
    def broken(self, request, fmt):
        raise RuntimeError("a bug while reading " + request.get_full_path())

    monkeypatch.setattr(RequestsView, "get", broken)
    response = Client(raise_request_exception=False).get(PATH.replace(f"api_key={SECRET}&", ""))
    assert response.status_code == 500

    assert any(r.name == "django.request" and r.levelno == logging.ERROR for r in caplog.records)
    written = log_output.getvalue()
    assert "Internal Server Error: /open311/v2/requests.json" in written
    assert SECRET not in written
