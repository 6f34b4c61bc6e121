from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.care import selectors, services
from huizhi.care.childcare_forms import ApplicationForm
from huizhi.care.forms import ChildChoiceForm
from huizhi.care.kinds import ELDERLY_AGE
from huizhi.care.models import CareSession, ChildcareClass, SummerTerm
from huizhi.care.permissions import resident_of
from huizhi.care.services import CareError
from huizhi.registry.models import Resident
from huizhi.registry.tags import age


@permission_page("care.use_resident_page")
def mine(request):
    """What is open to this resident: station sessions for elders, the summer class for parents."""
    me = resident_of(request.user)
    if me is None:  # an administrator passes every permission but is nobody's resident record
        return render(
            request,
            "care/mine.html",
            {"me": None, "sessions": [], "is_elderly": False, "terms": [], "places": []},
        )
    today = timezone.localdate()
    is_elderly = age(me.birth_date, today) >= ELDERLY_AGE
    return render(
        request,
        "care/mine.html",
        {
            "me": me,
            "sessions": selectors.open_sessions_for(me) if is_elderly else [],
            "is_elderly": is_elderly,
            "terms": selectors.summer_terms_for_parent(me, today),
            "places": selectors.childcare_places_for_parent(me, today),
        },
    )


@require_POST
@permission_page("care.use_resident_page")
def enrol_session(request, pk: int):
    me = resident_of(request.user)
    if me is None:
        return redirect("care:mine")
    session = get_object_or_404(CareSession, pk=pk)
    try:
        services.session_enrol(actor=request.user, session_id=session.pk, resident=me)
    except CareError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are enrolled."))
    return redirect("care:mine")


@require_POST
@permission_page("care.use_resident_page")
def enrol_summer(request, pk: int):
    me = resident_of(request.user)
    if me is None:
        return redirect("care:mine")
    term = get_object_or_404(SummerTerm, pk=pk)
    form = ChildChoiceForm(request.POST, children=Resident.objects.filter(household_id=me.household_id))
    if not form.is_valid():
        messages.error(request, _("Choose a child of your household."))
        return redirect("care:mine")
    child = form.cleaned_data["child"]
    try:
        services.summer_enrol(actor=request.user, term_id=term.pk, child=child, parent=me)
    except CareError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(name)s is enrolled in %(term)s.") % {"name": child.name, "term": term.name}
        )
    return redirect("care:mine")


@permission_page("care.use_resident_page")
def childcare_apply(request, child: int):
    """A parent applies for a place for their child (0–36 months, of their household) in a class
    of their community whose age band fits the child."""
    me = resident_of(request.user)
    today = timezone.localdate()
    kid = next((k for k in selectors.children_0_3_of(me, today) if k.pk == child), None) if me else None
    if kid is None:
        raise Http404
    classes = selectors.childcare_classes_for(kid, today)
    form = ApplicationForm(
        request.POST or None,
        classes=ChildcareClass.objects.filter(pk__in=[k.pk for k in classes]).select_related("centre"),
        initial={"starts_on": today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.childcare_apply(
                actor=request.user,
                parent=me,
                child=kid,
                klass_id=data["klass"].pk,
                starts_on=data["starts_on"],
                relationship=data["relationship"],
                other_adult=data["other_adult"],
                other_relationship=data["other_relationship"],
                other_mobile=data["other_mobile"],
            )
        except CareError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Your application for %(name)s is with the centre.") % {"name": kid.name}
            )
            return redirect("care:mine")
    return render(request, "care/childcare_apply.html", {"child": kid, "form": form, "classes": classes})
