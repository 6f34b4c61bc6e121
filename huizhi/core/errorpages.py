"""The site's 500 handler (config.urls.handler500): an unhandled error answers in the form its
client reads. API clients get {"code": "server_error", "message": …}, Open311 clients the spec's
error list (XML, or JSON for a .json path), everyone else the page. A client that parses JSON
must never have to read Django's HTML "Server Error (500)" to learn that its request failed.

A database that cannot be reached (restarting, failing over, out of connections) is not a fault
of the request: it answers 503 with Retry-After, so clients and people send it again shortly —
a filing with its Idempotency-Key files nothing twice — instead of giving up on a 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from django.views.defaults import server_error

from huizhi.core.limits import JSON_PREFIXES, OPEN311_PREFIXES, refusal

# Seconds a client is asked to wait before sending again while the database is away: a restart
# of PostgreSQL takes two or three.
DATABASE_AWAY_RETRY_AFTER_S = 3


def server_error_in_shape(request, template_name="500.html"):
    """Written without templates or the database (refusal builds the body by hand): whatever broke
    the request may be broken still. Django calls it inside its `except`, so the error is at hand."""
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        message = _("The service is briefly unavailable. Send the request again in a few seconds.")
        response = refusal(request, 503, "unavailable", message)
        response["Retry-After"] = str(DATABASE_AWAY_RETRY_AFTER_S)
        return response
    if request.path_info.startswith(JSON_PREFIXES + OPEN311_PREFIXES):
        message = _("The server ran into an error and could not finish the request. Try again later.")
        return refusal(request, 500, "server_error", message)
    return server_error(request, template_name)
