from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.care import selectors, services
from huizhi.care.forms import CarerForm, ChildEnrolForm, PickUpForm
from huizhi.care.models import ChildcareCarer, ChildcareClass, ChildcareEnrolment
from huizhi.care.permissions import can_run_childcare, centres_visible_to
from huizhi.care.services import CareError
from huizhi.care.views.common import refused


@permission_page("care.view_childcare")
def register(request):
    """The daily register of each visible centre: classes, carers, children in and collected."""
    today = timezone.localdate()
    centres = [
        (centre, selectors.childcare_register(centre, today), can_run_childcare(request.user, centre))
        for centre in centres_visible_to(request.user).order_by("community_code", "name")
    ]
    return render(
        request,
        "care/childcare.html",
        {
            "centres": centres,
            "today": today,
            "alerts": selectors.active_alerts(request.user).filter(kind="unauthorised_pickup"),
        },
    )


def _class_to_run(user, pk: int) -> ChildcareClass:
    klass = get_object_or_404(
        ChildcareClass.objects.filter(centre__in=centres_visible_to(user)).select_related("centre"), pk=pk
    )
    if not can_run_childcare(user, klass.centre):
        raise PermissionDenied
    return klass


@permission_page("care.view_childcare")
def enrol(request, pk: int):
    klass = _class_to_run(request.user, pk)
    form = ChildEnrolForm(
        request.POST or None,
        children=selectors.children_for_class(klass.centre),
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
    enrolment = get_object_or_404(
        ChildcareEnrolment.objects.filter(klass__centre__in=centres_visible_to(user)).select_related(
            "klass__centre"
        ),
        pk=pk,
    )
    if not can_run_childcare(user, enrolment.klass.centre):
        raise PermissionDenied
    return enrolment


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
