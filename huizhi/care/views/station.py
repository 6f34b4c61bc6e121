from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.care import selectors, services
from huizhi.care.forms import HomeServiceForm, ResidentChoiceForm, SessionForm
from huizhi.care.models import CareSession, SessionEnrolment
from huizhi.care.permissions import can_request_home_service, can_run_station, stations_visible_to
from huizhi.care.services import CareError
from huizhi.care.views.common import parse_day, refused


@permission_page("care.view_stations")
def stations(request):
    visible = list(stations_visible_to(request.user).select_related("community", "operator"))
    if len(visible) == 1:
        return redirect("care:station", visible[0].pk)
    return render(request, "care/stations.html", {"stations": visible})


@permission_page("care.view_stations")
def station(request, pk: int):
    """The operator's week: sessions by day with enrolments and attendance."""
    station = get_object_or_404(
        stations_visible_to(request.user).select_related("community", "operator"), pk=pk
    )
    monday = selectors.week_start(parse_day(request.GET.get("week"), timezone.localdate()))
    may_run = can_run_station(request.user, station)
    form = SessionForm(request.POST or None, services=station.services.filter(is_active=True))
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                session = services.care_session_create(actor=request.user, **form.cleaned_data)
            except CareError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Session planned: %(session)s.") % {"session": session})
                return redirect(
                    f"{request.path}?week={selectors.week_start(timezone.localdate(session.starts_at))}"
                )
    return render(
        request,
        "care/station.html",
        {
            "station": station,
            "days": selectors.station_week(station, monday),
            "monday": monday,
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
            "form": form,
            "may_run": may_run,
            "may_request": can_request_home_service(request.user, station),
            "today": timezone.localdate(),
        },
    )


def _session_for(user, pk: int) -> CareSession:
    return get_object_or_404(
        CareSession.objects.filter(station__in=stations_visible_to(user)).select_related(
            "station", "service"
        ),
        pk=pk,
    )


@permission_page("care.view_stations")
def session(request, pk: int):
    session = _session_for(request.user, pk)
    may_run = can_run_station(request.user, session.station)
    on = timezone.localdate(session.starts_at)
    form = ResidentChoiceForm(
        request.POST or None, residents=selectors.elderly_in_catchment(session.station.community_code, on)
    )
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.session_enrol(
                    actor=request.user, session_id=session.pk, resident=form.cleaned_data["resident"]
                )
            except CareError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Enrolled %(name)s.") % {"name": form.cleaned_data["resident"].name}
                )
                return redirect("care:session", session.pk)
    return render(
        request,
        "care/session.html",
        {
            "session": session,
            "enrolments": selectors.session_enrolments(session),
            "form": form,
            "may_run": may_run,
        },
    )


@require_POST
@permission_page("care.view_stations")
def session_check_in(request, pk: int):
    enrolment = get_object_or_404(
        SessionEnrolment.objects.filter(session__station__in=stations_visible_to(request.user)), pk=pk
    )
    try:
        services.session_check_in(actor=request.user, enrolment_id=enrolment.pk)
    except CareError as error:
        return refused(request, error, "care:session", enrolment.session_id)
    return redirect("care:session", enrolment.session_id)


@permission_page("care.view_stations")
def home_service(request, pk: int):
    station = get_object_or_404(stations_visible_to(request.user), pk=pk)
    if not can_request_home_service(request.user, station):
        raise PermissionDenied
    form = HomeServiceForm(
        request.POST or None,
        residents=selectors.elderly_in_catchment(station.community_code, timezone.localdate()),
    )
    if request.method == "POST" and form.is_valid():
        try:
            made = services.home_service_request(
                actor=request.user,
                station=station,
                resident=form.cleaned_data["resident"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except CareError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Home service requested as case %(reference)s.") % {"reference": made.case.reference},
            )
            return redirect("care:station", station.pk)
    return render(request, "care/home_service.html", {"station": station, "form": form})
