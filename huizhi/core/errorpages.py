"""The site's 500 handler (config.urls.handler500): an unhandled error answers in the form its
client reads. API clients get {"code": "server_error", "message": …}, Open311 clients the spec's
error list (XML, or JSON for a .json path), everyone else the page. A client that parses JSON
must never have to read Django's HTML "Server Error (500)" to learn that its request failed.
"""

from django.utils.translation import gettext as _
from django.views.defaults import server_error

from huizhi.core.limits import JSON_PREFIXES, OPEN311_PREFIXES, refusal


def server_error_in_shape(request, template_name="500.html"):
    """Written without templates or the database (refusal builds the body by hand): whatever broke
    the request may be broken still."""
    if request.path_info.startswith(JSON_PREFIXES + OPEN311_PREFIXES):
        message = _("The server ran into an error and could not finish the request. Try again later.")
        return refusal(request, 500, "server_error", message)
    return server_error(request, template_name)
