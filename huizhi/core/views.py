from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from huizhi.accounts.decorators import console_page
from huizhi.accounts.scopes import scopes_of
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place


def home(request):
    """The public front page: the communities, each with its own pages for residents."""
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY).select_related("parent").order_by("code")
    return render(request, "core/home.html", {"communities": communities})


@console_page
def console(request):
    assignments = request.user.roles.select_related("place", "organisation", "group").order_by("role")
    return render(
        request, "core/console.html", {"assignments": assignments, "scopes": scopes_of(request.user)}
    )


@never_cache
@require_GET
def healthz(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except DatabaseError:
        database = "unavailable"
    status = "ok" if database == "ok" else "error"
    return JsonResponse(
        {"status": status, "database": database, "vendor": connection.vendor},
        status=200 if status == "ok" else 503,
    )
