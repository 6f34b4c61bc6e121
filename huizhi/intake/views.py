"""Intake's pages: suggestions and duplicates as JSON for the report pages, supporting a case, and
the hot topics of a period."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from huizhi.accounts.decorators import console_page
from huizhi.cases.permissions import cases_in_work_scope, cases_visible_to
from huizhi.cases.services import CaseActionError
from huizhi.intake.duplicates import find_duplicates
from huizhi.intake.hot import hot_topics
from huizhi.intake.services.duplicates import case_support
from huizhi.intake.services.suggestions import suggest as suggest_for
from huizhi.places.models import Place

TEXT_MAX = 4000
PERIODS = {"7": 7, "30": 30, "90": 90}


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and abs(number) <= 180 else None


def _report_input(request) -> dict:
    get = request.GET
    place_id = get.get("place", "")
    # ASCII digits only, and few enough for an id: "²" passes isdigit() but not int(), and int()
    # refuses a few thousand digits outright.
    readable = place_id.isascii() and place_id.isdigit() and len(place_id) <= 18
    return {
        "title": get.get("title", "")[:120],
        "text": get.get("text", "")[:TEXT_MAX],
        "place": Place.objects.filter(pk=int(place_id)).first() if readable else None,
        "lon": _float(get.get("lon")),
        "lat": _float(get.get("lat")),
    }


@login_required
@require_GET
def suggest(request):
    data = _report_input(request)
    return JsonResponse(suggest_for(data["title"], data["text"], place=data["place"]).as_json())


@login_required
@require_GET
def duplicates(request):
    data = _report_input(request)
    found = find_duplicates(
        data["title"],
        data["text"],
        place=data["place"],
        lon=data["lon"],
        lat=data["lat"],
        cases=cases_visible_to(request.user),
    )
    return JsonResponse({"duplicates": [d.as_json() for d in found]})


@login_required
@require_POST
def support(request, pk: int):
    try:
        case, created = case_support(actor=request.user, case_id=pk)
    except CaseActionError as error:
        messages.error(request, error.message)
        return redirect("cases:report")
    if created:
        messages.success(
            request,
            _("Thank you: your voice is added to %(reference)s instead of a new report.")
            % {"reference": case.reference},
        )
    else:
        messages.info(request, _("You already support %(reference)s.") % {"reference": case.reference})
    return redirect("cases:detail", pk=case.pk)


@console_page
def hot(request):
    days = PERIODS.get(request.GET.get("days", "7"), 7)
    end = timezone.now()
    topics = hot_topics(cases_in_work_scope(request.user), end - timedelta(days=days), end)
    return render(
        request,
        "intake/hot.html",
        {"topics": topics, "days": days, "periods": PERIODS.values(), "start": end - timedelta(days=days)},
    )
