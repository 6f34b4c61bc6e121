"""Secrets out of the logs: query parameters that carry a key or a code are blanked in every line.

Open311 clients send `api_key` in the query string (the spec's way), and runserver's access log
(django.server) writes the whole request line; a proxy or a log collector that keeps those lines
must not keep the keys. Installed on every handler in LOGGING (config/settings.py), so it covers
lines from any logger, ours and Django's. The proxy in front needs the same care for its own
access log.
"""

import logging
import re

REDACTED = "[redacted]"

# Parameter names whose values are secrets: API keys, tokens, one-time sign-in codes, passwords.
# Matched as whole names after ? & or ; (service_code=0101 is not `code`).
SECRET_PARAMETERS = ("api_key", "apikey", "key", "token", "access_token", "code", "password")
_SECRET_IN_QUERY = re.compile(
    r"(?P<name>(?:^|[?&;])(?:" + "|".join(map(re.escape, SECRET_PARAMETERS)) + r")=)[^&;#\s\"']*",
    re.IGNORECASE,
)


_TRACEBACK = logging.Formatter()


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by [redacted]."""
    return _SECRET_IN_QUERY.sub(lambda m: m.group("name") + REDACTED, text)


def _redacted_arg(arg):
    if isinstance(arg, int | float | bool) or arg is None:
        return arg  # keeps %d and friends working; a number carries no query string
    text = str(arg)
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted_arg(value) for name, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            # An exception's message may quote a URL. Handlers' formatters reuse exc_text when it
            # is set, so the traceback is written once, redacted.
            record.exc_text = redact(_TRACEBACK.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
