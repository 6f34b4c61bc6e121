import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.care import selectors, services
from huizhi.care.forms import ActivityForm, HoursForm, VolunteerForm, VolunteerRegisterForm
from huizhi.care.models import VolunteerHours
from huizhi.care.permissions import (
    activities_visible_to,
    can_manage_volunteers,
    communities_to_organise,
    must_choose_community,
    volunteers_visible_to,
)
from huizhi.care.services import CareError
from huizhi.care.views.common import parse_day, refused
from huizhi.core.pagination import query_prefix
from huizhi.core.sheets import sheet_cell
from huizhi.registry.permissions import residents_visible_to

SEARCH_LIMIT = 50
# Volunteers a page of the ranking shows; the rank runs on across pages.
RANKING_PAGE = 50


def _period(request):
    return parse_day(request.GET.get("since"), None), parse_day(request.GET.get("until"), None)


@permission_page("care.view_volunteers")
def volunteers(request):
    """The ranked list (表彰会), hours waiting for this organiser, and logging hours."""
    since, until = _period(request)
    may_manage = can_manage_volunteers(request.user)
    hours_form = HoursForm(
        request.POST if "hours" in request.POST else None,
        volunteers=volunteers_visible_to(request.user).filter(is_active=True).select_related("resident"),
        activities=activities_visible_to(request.user),
        initial={"served_on": timezone.localdate()},
    )
    communities = communities_to_organise(request.user)
    activity_form = ActivityForm(
        request.POST if "held_on" in request.POST else None,
        initial={"held_on": timezone.localdate()},
        communities=communities if must_choose_community(request.user) else None,
    )
    if request.method == "POST" and may_manage:
        try:
            if hours_form.is_bound and hours_form.is_valid():
                data = hours_form.cleaned_data
                services.hours_log(
                    actor=request.user,
                    volunteer_id=data["volunteer"].pk,
                    activity_id=data["activity"].pk,
                    served_on=data["served_on"],
                    hours=data["hours"],
                )
                messages.success(request, _("Hours logged; they count once the organiser confirms them."))
                return redirect("care:volunteers")
            if activity_form.is_bound and activity_form.is_valid():
                data = activity_form.cleaned_data
                services.volunteer_activity_create(
                    actor=request.user,
                    community=data.get("community") or communities.first(),
                    title=data["title"],
                    held_on=data["held_on"],
                )
                return redirect("care:volunteers")
        except CareError as error:
            (hours_form if hours_form.is_bound else activity_form).add_error(None, error)
    page = Paginator(selectors.volunteer_ranking(request.user, since, until), RANKING_PAGE).get_page(
        request.GET.get("page")
    )
    ranking = [(v, selectors.points_for(v.confirmed_hours)) for v in page.object_list]
    return render(
        request,
        "care/volunteers.html",
        {
            "ranking": ranking,
            "page": page,
            "query_prefix": query_prefix(request),
            "awaiting": selectors.hours_awaiting(request.user),
            "hours_form": hours_form,
            "activity_form": activity_form,
            "may_manage": may_manage,
            "since": since,
            "until": until,
            "query": request.GET.urlencode(),
        },
    )


@require_POST
@permission_page("care.view_volunteers")
def confirm(request, pk: int):
    row = get_object_or_404(VolunteerHours.objects.filter(activity__organiser=request.user), pk=pk)
    try:
        services.hours_confirm(actor=request.user, hours_id=row.pk)
    except CareError as error:
        return refused(request, error, "care:volunteers")
    return redirect("care:volunteers")


@permission_page("care.view_volunteers")
def export(request):
    """The ranked list as .xlsx for the commendation meeting (表彰会)."""
    from openpyxl import Workbook

    since, until = _period(request)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Volunteers")[:31]
    sheet.append([_("Rank"), _("Name"), _("Skills"), _("Activities"), _("Confirmed hours"), _("Points")])
    for rank, volunteer in enumerate(selectors.volunteer_ranking(request.user, since, until), start=1):
        hours = volunteer.confirmed_hours or 0
        row = [
            rank,
            volunteer.resident.name,
            volunteer.skills,
            volunteer.activities,
            float(hours),
            selectors.points_for(hours),
        ]
        sheet.append([sheet_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="volunteers-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@permission_page("care.manage_volunteers")
def register(request):
    """Find a resident of the community's registry by name and register them with their skills."""
    query = (request.GET.get("q") or "").strip()[:40]
    form = VolunteerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = residents_visible_to(request.user).filter(pk=form.cleaned_data["resident"]).first()
        if resident is None:
            form.add_error(None, _("That resident is not in your community's registry."))
        else:
            try:
                volunteer = services.volunteer_register(
                    actor=request.user, resident=resident, skills=form.cleaned_data["skills"]
                )
            except CareError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("%(name)s is registered as a volunteer.") % {"name": resident.name}
                )
                return redirect("care:volunteer", volunteer.pk)
    found = selectors.volunteer_candidates(request.user, query)[:SEARCH_LIMIT] if query else []
    return render(request, "care/volunteer_register.html", {"query": query, "found": found, "form": form})


@permission_page("care.view_volunteers")
def volunteer(request, pk: int):
    """A volunteer's record: skills (edited by the community's staff) and their logged hours."""
    volunteer = get_object_or_404(volunteers_visible_to(request.user).select_related("resident"), pk=pk)
    may_manage = can_manage_volunteers(request.user, volunteer.place_code)
    form = VolunteerForm(request.POST or None, initial={"skills": volunteer.skills})
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.volunteer_update(
                    actor=request.user, volunteer_id=volunteer.pk, skills=form.cleaned_data["skills"]
                )
            except CareError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Skills saved."))
                return redirect("care:volunteer", volunteer.pk)
    return render(
        request,
        "care/volunteer.html",
        {
            "volunteer": volunteer,
            "hours": volunteer.hours.select_related("activity").order_by("-served_on", "-id")[:50],
            "form": form,
            "may_manage": may_manage,
        },
    )
