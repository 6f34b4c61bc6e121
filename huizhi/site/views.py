from importlib import metadata

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from huizhi.accounts.decorators import console_page
from huizhi.accounts.scopes import scopes_of
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.site.workbench import workbench_tiles


def home(request):
    """The public front page: the communities, each with its own pages for residents. Staff land
    on their workbench instead (sign-in sends everyone here), unless they ask for the public page
    with `?public`."""
    if "public" not in request.GET and request.user.has_perm("accounts.use_console"):
        return redirect("site:console")
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY).select_related("parent").order_by("code")
    return render(request, "site/home.html", {"communities": communities})


@console_page
def console(request):
    assignments = request.user.roles.select_related("place", "organisation", "group").order_by("role")
    return render(
        request,
        "site/console.html",
        {
            "assignments": assignments,
            "scopes": scopes_of(request.user),
            "tiles": workbench_tiles(request.user),
        },
    )


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the icon every page links."""
    return HttpResponsePermanentRedirect(static("huizhi/favicon.svg"))


@require_safe
def service_worker(request):
    """The service worker, served from the root so that its scope covers the phone pages."""
    response = render(
        request,
        "site/service-worker.js",
        {"version": metadata.version("huizhi")},
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"  # a new version of the app reaches phones at once
    return response


@require_safe
def manifest(request):
    """What a phone needs to put huizhi on its home screen, opening at the report form."""
    body = {
        "name": _("huizhi community grid governance"),
        "short_name": _("huizhi"),
        "start_url": reverse("cases:report_phone"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f6f8",
        "theme_color": "#b71c1c",
        "icons": [{"src": static("huizhi/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
