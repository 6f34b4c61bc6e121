from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.care import selectors, services
from huizhi.care.childcare_forms import ChildEnrolForm, RefuseForm
from huizhi.care.forms import AlertClearForm, CarerForm, DayOffForm, PickUpForm
from huizhi.care.kinds import AlertKind
from huizhi.care.models import ChildcareApplication, ChildcareCarer, ChildcareClass, ChildcareEnrolment
from huizhi.care.permissions import alerts_visible_to, can_run_childcare, centres_visible_to
from huizhi.care.services import CareError
from huizhi.care.views.common import clearable, parse_day, refused
from huizhi.core.redirects import safe_next


@permission_page("care.view_childcare")
def register(request):
    """The daily register of each visible centre: classes, carers, children in and collected."""
    today = timezone.localdate()
    alerts = list(selectors.active_alerts(request.user).filter(kind=AlertKind.UNAUTHORISED_PICKUP))
    registers = selectors.childcare_registers(
        centres_visible_to(request.user).order_by("community_code", "name"), today
    )
    centres = [(centre, classes, can_run_childcare(request.user, centre)) for centre, classes in registers]
    return render(
        request,
        "care/childcare.html",
        {
            "centres": centres,
            "today": today,
            "alerts": alerts,
            "clearable": clearable(request.user, alerts),
        },
    )


def _run_by(user, rows, pk: int, centre_path: str):
    """The row `pk` of `rows` at a centre `user` runs: 404 when they cannot see the centre, 403
    when they see it but do not run it. `centre_path` leads from the row to its centre."""
    row = get_object_or_404(
        rows.filter(**{f"{centre_path}__in": centres_visible_to(user)}).select_related(centre_path), pk=pk
    )
    centre = row
    for step in centre_path.split("__"):
        centre = getattr(centre, step)
    if not can_run_childcare(user, centre):
        raise PermissionDenied
    return row


def _class_to_run(user, pk: int) -> ChildcareClass:
    return _run_by(user, ChildcareClass.objects.all(), pk, "centre")


@permission_page("care.view_childcare")
def enrol(request, pk: int):
    klass = _class_to_run(request.user, pk)
    form = ChildEnrolForm(
        request.POST or None,
        children=selectors.children_for_class(klass),
        initial={"starts_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.childcare_enrol(
                actor=request.user,
                klass_id=klass.pk,
                child=form.cleaned_data["child"],
                starts_on=form.cleaned_data["starts_on"],
                adults=form.adults(),
            )
        except CareError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Enrolled %(name)s in %(class)s.")
                % {"name": form.cleaned_data["child"].name, "class": klass.name},
            )
            return redirect("care:childcare")
    return render(request, "care/childcare_enrol.html", {"klass": klass, "form": form})


@require_POST
@permission_page("care.view_childcare")
def carer_add(request, pk: int):
    klass = _class_to_run(request.user, pk)
    form = CarerForm(request.POST)
    if form.is_valid():
        try:
            services.carer_roster(actor=request.user, klass_id=klass.pk, name=form.cleaned_data["name"])
        except CareError as error:
            return refused(request, error, "care:childcare")
    return redirect("care:childcare")


@require_POST
@permission_page("care.view_childcare")
def carer_remove(request, pk: int):
    carer = get_object_or_404(ChildcareCarer, pk=pk)
    _class_to_run(request.user, carer.klass_id)
    try:
        services.carer_unroster(actor=request.user, carer_id=carer.pk)
    except CareError as error:
        return refused(request, error, "care:childcare")
    return redirect("care:childcare")


def _enrolment_to_run(user, pk) -> ChildcareEnrolment:
    return _run_by(user, ChildcareEnrolment.objects.all(), pk, "klass__centre")


@require_POST
@permission_page("care.view_childcare")
def check_in(request, pk: int):
    enrolment = _enrolment_to_run(request.user, pk)
    try:
        services.childcare_check_in(actor=request.user, enrolment_id=enrolment.pk)
    except CareError as error:
        return refused(request, error, "care:childcare")
    return redirect("care:childcare")


@require_POST
@permission_page("care.view_childcare")
def pick_up(request):
    form = PickUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say who is collecting the child."))
        return redirect("care:childcare")
    enrolment = _enrolment_to_run(request.user, form.cleaned_data["enrolment"])
    try:
        day = services.childcare_pick_up(
            actor=request.user, enrolment_id=enrolment.pk, collected_by=form.cleaned_data["collected_by"]
        )
    except CareError as error:
        return refused(request, error, "care:childcare")
    messages.success(
        request,
        _("%(name)s collected by %(adult)s.")
        % {"name": enrolment.child.name, "adult": day.collected_by.name},
    )
    return redirect("care:childcare")


@permission_page("care.view_childcare")
def roster(request, pk: int):
    """One class's carers on a day's roster (today by default), with the children checked in."""
    klass = _class_to_run(request.user, pk)
    day = parse_day(request.GET.get("day"), timezone.localdate())
    return render(
        request,
        "care/childcare_roster.html",
        {
            "klass": klass,
            "day": day,
            "carers": selectors.day_roster(klass, day),
            "present": selectors.present_on(klass, day),
            "is_past": day < timezone.localdate(),
        },
    )


def _roster_change(request, change):
    form = DayOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a carer and a day."))
        return redirect("care:childcare")
    carer = get_object_or_404(ChildcareCarer, pk=form.cleaned_data["carer"])
    klass = _class_to_run(request.user, carer.klass_id)
    day = form.cleaned_data["day"]
    back = safe_next(request, reverse("care:childcare"))
    try:
        change(carer=carer, day=day, reason=form.cleaned_data["reason"])
    except CareError as error:
        return refused(request, error, back)
    messages.success(
        request,
        _("Roster of %(class)s for %(day)s updated.") % {"class": klass.name, "day": day.isoformat()},
    )
    return redirect(back)


@require_POST
@permission_page("care.view_childcare")
def day_off(request):
    return _roster_change(
        request,
        lambda carer, day, reason: services.carer_day_unroster(
            actor=request.user, carer_id=carer.pk, day=day, reason=reason
        ),
    )


@require_POST
@permission_page("care.view_childcare")
def day_on(request):
    return _roster_change(
        request,
        lambda carer, day, reason: services.carer_day_roster(actor=request.user, carer_id=carer.pk, day=day),
    )


@require_POST
@permission_page("care.view_childcare")
def alert_clear(request, pk: int):
    """Acknowledge an unauthorised pick-up alert with what was done."""
    alert = get_object_or_404(alerts_visible_to(request.user), pk=pk)
    back = safe_next(request, reverse("care:childcare"))
    form = AlertClearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done before clearing the alert."))
        return redirect(back)
    try:
        services.care_alert_clear(actor=request.user, alert_id=alert.pk, note=form.cleaned_data["note"])
    except CareError as error:
        return refused(request, error, back)
    messages.success(request, _("Alert cleared."))
    return redirect(back)


@permission_page("care.view_childcare")
def applications(request):
    """Parents' applications to the visible centres: those waiting, with accept and refuse for whoever
    runs the centre, then the latest decided."""
    centres = centres_visible_to(request.user)
    waiting, decided = selectors.childcare_applications(centres)
    for application in waiting:
        application.may_decide = can_run_childcare(request.user, application.klass.centre)
    return render(
        request,
        "care/childcare_applications.html",
        {"waiting": waiting, "decided": decided, "refuse_form": RefuseForm()},
    )


def _application_to_decide(user, pk: int) -> ChildcareApplication:
    return _run_by(user, ChildcareApplication.objects.select_related("child"), pk, "klass__centre")


@require_POST
@permission_page("care.view_childcare")
def application_accept(request, pk: int):
    application = _application_to_decide(request.user, pk)
    try:
        services.childcare_application_accept(actor=request.user, application_id=application.pk)
    except CareError as error:
        return refused(request, error, "care:childcare_applications")
    messages.success(
        request,
        _("%(name)s is enrolled in %(class)s.")
        % {"name": application.child.name, "class": application.klass.name},
    )
    return redirect("care:childcare_applications")


@require_POST
@permission_page("care.view_childcare")
def application_refuse(request, pk: int):
    application = _application_to_decide(request.user, pk)
    form = RefuseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the application is refused; the parent reads it."))
        return redirect("care:childcare_applications")
    try:
        services.childcare_application_refuse(
            actor=request.user, application_id=application.pk, reason=form.cleaned_data["reason"]
        )
    except CareError as error:
        return refused(request, error, "care:childcare_applications")
    messages.success(request, _("Application refused; the parent is told why."))
    return redirect("care:childcare_applications")
