"""Field-work pages: the grid worker's patrol, fix and visit pages (phone, under /m/), and the
staff's patrol log, spot checks and visit cadences (console)."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.scopes import scopes_of
from huizhi.core.dates import in_supported_range
from huizhi.core.errors import http_status
from huizhi.core.text import mask_person_name
from huizhi.fieldwork import selectors, services
from huizhi.fieldwork.forms import (
    CadenceForm,
    CheckInForm,
    FixForm,
    SpotCheckForm,
    StartForm,
    VisitForm,
    residents_masked,
)
from huizhi.fieldwork.permissions import (
    CADENCE_ROLES,
    CHECK_ROLES,
    cadences_visible_to,
    fixes_visible_to,
    get_patrol_for_user,
    patrols_visible_to,
    visits_visible_to,
    worker_grid_codes,
)
from huizhi.places.codes import codes_q, subtree_q
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.registry.models import Household

# --- the grid worker's patrol --------------------------------------------------------------------


def _field_places(user):
    return Place.objects.filter(
        codes_q(worker_grid_codes(user), "code"), kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING]
    ).select_related("parent")


def _grids(user):
    return Place.objects.filter(code__in=worker_grid_codes(user), kind=PlaceKind.GRID).order_by("code")


def _refused(request, error, to: str):
    messages.error(request, error.message)
    return redirect(to)


@permission_page("fieldwork.patrol")
def patrol(request, check_in_form=None, status=200):
    """The patrol page: start one, or, on one, check in, file what was found and stop."""
    current = services.open_patrol_of(request.user)
    context = {"patrol": current}
    if current is None:
        context["start_form"] = StartForm(grids=_grids(request.user))
        context["recent"] = selectors.recent_patrols_of(request.user)
    else:
        context["check_in_form"] = check_in_form or CheckInForm(
            places=_field_places(request.user).filter(subtree_q(current.place_code, "code")).order_by("code")
        )
        context["check_ins"] = selectors.check_ins_of(current)
        context["reports"] = selectors.reports_during([current])[current.pk]
    return render(request, "fieldwork/patrol.html", context, status=status)


@require_POST
@permission_page("fieldwork.patrol")
def start(request):
    form = StartForm(request.POST, grids=_grids(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose one of your grids."))
        return redirect("fieldwork:patrol")
    try:
        services.patrol_start(actor=request.user, grid=form.cleaned_data["grid"])
    except services.FieldworkError as error:
        return _refused(request, error, "fieldwork:patrol")
    messages.success(request, _("Patrol started. Check in at each place you pass."))
    return redirect("fieldwork:patrol")


@require_POST
@permission_page("fieldwork.patrol")
def stop(request):
    current = services.open_patrol_of(request.user)
    try:
        if current is None:
            raise services.FieldworkError(_("You are not on a patrol."), code="wrong_state")
        services.patrol_stop(actor=request.user, patrol_id=current.pk)
    except services.FieldworkError as error:
        return _refused(request, error, "fieldwork:patrol")
    messages.success(request, _("Patrol stopped."))
    return redirect("fieldwork:patrol_detail", pk=current.pk)


@require_POST
@permission_page("fieldwork.patrol")
def check_in(request):
    current = services.open_patrol_of(request.user)
    if current is None:
        messages.error(request, _("Start a patrol first."))
        return redirect("fieldwork:patrol")
    places = _field_places(request.user).filter(subtree_q(current.place_code, "code")).order_by("code")
    form = CheckInForm(request.POST, places=places)
    if not form.is_valid():
        return patrol(request, check_in_form=form, status=400)
    data = form.cleaned_data
    try:
        done = services.patrol_check_in(
            actor=request.user,
            patrol_id=current.pk,
            place=data["place"],
            lon=data["lon"],
            lat=data["lat"],
            note=data["note"],
        )
    except services.FieldworkError as error:
        form.add_error(None, error)
        return patrol(request, check_in_form=form, status=http_status(error))
    label = done.place.label
    if done.far:
        messages.warning(
            request,
            _("Checked in at %(place)s, but your phone put you %(metres)d m away; it is marked as far.")
            % {"place": label, "metres": done.distance_m},
        )
    else:
        messages.success(request, _("Checked in at %(place)s.") % {"place": label})
    return redirect("fieldwork:patrol")


@permission_page("fieldwork.patrol")
def fix(request):
    """Found and fixed on the spot: a closed case with before and after photos."""
    form = FixForm(
        request.POST or None, request.FILES or None, places=_field_places(request.user).order_by("code")
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                spot_fix = services.spot_fix_file(
                    actor=request.user,
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    done=data["done"],
                    place=data["place"],
                    photos_before=data["photos_before"],
                    photos_after=data["photos_after"],
                    lon=data["lon"],
                    lat=data["lat"],
                )
            except services.FieldworkError as error:
                form.add_error(None, error)
                status = http_status(error)
            else:
                messages.success(
                    request,
                    _("Filed as %(reference)s and closed as fixed on the spot.")
                    % {"reference": spot_fix.case.reference},
                )
                return redirect("fieldwork:patrol")
    return render(request, "fieldwork/fix.html", {"form": form}, status=status)


@login_required
def patrol_detail(request, pk: int):
    """One patrol: its route (on the map and as a list), the reports filed and the fixes made on it.
    For its worker and the staff over its grid."""
    found = get_patrol_for_user(request.user, pk)
    check_ins = selectors.check_ins_of(found)
    route = [
        {"lat": c.lat, "lon": c.lon, "label": c.place.label, "far": c.far}
        if c.lat is not None
        else {"lat": c.place.lat, "lon": c.place.lon, "label": c.place.label, "far": c.far}
        for c in check_ins
        if c.lat is not None or c.place.lat is not None
    ]
    return render(
        request,
        "fieldwork/patrol_detail.html",
        {
            "patrol": found,
            "check_ins": check_ins,
            "reports": selectors.reports_during([found])[found.pk],
            "fixes": list(found.fixes.select_related("case")),
            "route_config": {
                "route": route,
                "boundary": found.grid.boundary,
                "tileUrl": settings.HUIZHI_TILE_URL,
                "tileAttribution": settings.HUIZHI_TILE_ATTRIBUTION,
            },
            "own": found.worker_id == request.user.pk,
        },
    )


# --- household visits ----------------------------------------------------------------------------


@permission_page("fieldwork.visit")
def visits(request):
    """The worker's households to visit: overdue first, then by the day a visit is due."""
    due = selectors.worklist(request.user)
    return render(
        request,
        "fieldwork/visits.html",
        {
            "due": due,
            "others": selectors.other_households(request.user, {row.household.pk for row in due}),
            "recent": selectors.recent_visits(visits_visible_to(request.user), request.user),
        },
    )


def _household_for_worker(user, pk: int) -> Household:
    """The household, or 404 for none and for one outside the worker's grids alike."""
    household = (
        Household.objects.filter(codes_q(worker_grid_codes(user), "place_code"), pk=pk)
        .select_related("unit__parent__parent")
        .first()
    )
    if household is None:
        raise Http404
    return household


@permission_page("fieldwork.visit")
def visit(request, pk: int):
    household = _household_for_worker(request.user, pk)
    residents = list(household.residents.filter(is_active=True).order_by("id"))
    form = VisitForm(request.POST or None, residents=residents)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                logged = services.visit_log(
                    actor=request.user,
                    household=household,
                    visited_on=data["visited_on"],
                    met=form.residents.get(data["met"]),
                    needs=data["needs"],
                    follow_up=data["follow_up"],
                    need_becomes=data["need_becomes"],
                    category=data["category"],
                    service_kind=data["service_kind"],
                    topic=data["topic"],
                )
            except services.FieldworkError as error:
                form.add_error(None, error)
                status = http_status(error)
            else:
                messages.success(request, _visit_logged_message(logged))
                return redirect("fieldwork:visits")
    history = selectors.visits_of(visits_visible_to(request.user), household)
    for earlier in history:
        # The worker sees who they met the way the form names them: the surname only.
        earlier.met_label = mask_person_name(earlier.met.name) if earlier.met else ""
    return render(
        request,
        "fieldwork/visit.html",
        {
            "household": household,
            "residents": residents_masked(residents),
            "form": form,
            "history": history,
        },
        status=status,
    )


def _visit_logged_message(visit) -> str:
    if visit.case_id:
        return _("Visit logged; the need is case %(reference)s.") % {"reference": visit.case.reference}
    if visit.care_request_id:
        return _("Visit logged; the home-service request %(reference)s waits for the community's staff.") % {
            "reference": visit.care_request.case.reference
        }
    if visit.agenda_item_id:
        return _("Visit logged; the topic waits on the community's list for a meeting.")
    return _("Visit logged.")


# --- staff: the patrol log, spot checks, cadences -----------------------------------------------


def _date_param(value: str | None) -> date:
    try:
        parsed = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        parsed = None
    return parsed if parsed is not None and in_supported_range(parsed) else timezone.localdate()


@permission_page("fieldwork.read_patrol_log")
def console_patrols(request):
    """The patrol log per worker and grid, for a day or a week."""
    period = "week" if request.GET.get("period") == "week" else "day"
    on = _date_param(request.GET.get("on"))
    first, last = selectors.period_days(period, on)
    visible = patrols_visible_to(request.user)
    grids = selectors.log_grids(visible)
    grid_code = request.GET.get("grid", "")
    if grid_code not in {grid.code for grid in grids}:
        grid_code = ""
    log = selectors.patrol_log(visible, first, last, grid_code)
    step = 7 if period == "week" else 1
    return render(
        request,
        "fieldwork/console_patrols.html",
        {
            "log": log,
            "period": period,
            "on": on,
            "grids": grids,
            "grid_code": grid_code,
            "earlier": on - timedelta(days=step) if on > date(1900, 1, 8) else on,
            "later": on + timedelta(days=step) if on < date(2200, 12, 24) else on,
        },
    )


@permission_page("fieldwork.read_spot_checks")
def spot_checks(request):
    fixes = selectors.spot_checks(fixes_visible_to(request.user))
    return render(
        request,
        "fieldwork/spot_checks.html",
        {"fixes": fixes, "form": SpotCheckForm(), "can_check": scopes_of(request.user).holds(*CHECK_ROLES)},
    )


@require_POST
@permission_page("fieldwork.read_spot_checks")
def spot_check(request, pk: int):
    fix_row = fixes_visible_to(request.user).filter(pk=pk).first()
    if fix_row is None:
        raise Http404
    form = SpotCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether it was fixed."))
        return redirect("fieldwork:spot_checks")
    try:
        services.spot_check_record(
            actor=request.user,
            fix_id=fix_row.pk,
            result=form.cleaned_data["result"],
            note=form.cleaned_data["note"],
        )
    except services.FieldworkError as error:
        messages.error(request, error.message)
        return redirect("fieldwork:spot_checks")
    messages.success(request, _("Spot check recorded."))
    return redirect("fieldwork:spot_checks")


@permission_page("fieldwork.set_cadences")
def cadences(request):
    communities = list(
        Place.objects.filter(
            scopes_of(request.user).q("code", *CADENCE_ROLES), kind=PlaceKind.COMMUNITY
        ).order_by("code")[:200]
    )
    form = CadenceForm(request.POST or None, communities=communities)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.cadence_set(
                    actor=request.user,
                    community=form.communities.get(data["community"]),
                    tag=data["tag"],
                    every_days=data["every_days"],
                )
            except services.FieldworkError as error:
                form.add_error(None, error)
                status = http_status(error)
            else:
                messages.success(request, _("Visit cadence saved."))
                return redirect("fieldwork:cadences")
    rows = list(cadences_visible_to(request.user).select_related("community", "updated_by"))
    return render(request, "fieldwork/cadences.html", {"form": form, "rows": rows}, status=status)
