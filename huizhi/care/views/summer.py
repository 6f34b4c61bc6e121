from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.scopes import subtree_q
from huizhi.care import selectors, services
from huizhi.care.forms import EnrolmentChoiceForm, ResidentChoiceForm, SummerSessionForm
from huizhi.care.models import SummerSession
from huizhi.care.permissions import can_run_summer, terms_visible_to, volunteers_visible_to
from huizhi.care.services import CareError
from huizhi.care.views.common import refused


@permission_page("care.view_summer")
def terms(request):
    visible = (
        terms_visible_to(request.user).prefetch_related("sessions__lead__resident").order_by("-starts_on")
    )
    return render(request, "care/summer.html", {"terms": visible, "today": timezone.localdate()})


@permission_page("care.view_summer")
def term(request, pk: int):
    term = get_object_or_404(terms_visible_to(request.user), pk=pk)
    may_run = can_run_summer(request.user, term)
    volunteers = (
        volunteers_visible_to(request.user)
        .filter(subtree_q(term.community_code, "place_code"), is_active=True)
        .select_related("resident")
    )
    session_form = SummerSessionForm(request.POST if "title" in request.POST else None, volunteers=volunteers)
    enrol_form = ResidentChoiceForm(
        request.POST if "resident" in request.POST else None,
        residents=selectors.school_age_children(term.community_code, term.starts_on),
    )
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied
        try:
            if session_form.is_bound and session_form.is_valid():
                services.summer_session_create(actor=request.user, term=term, **session_form.cleaned_data)
                return redirect("care:summer_term", term.pk)
            if enrol_form.is_bound and enrol_form.is_valid():
                services.summer_enrol(
                    actor=request.user, term_id=term.pk, child=enrol_form.cleaned_data["resident"]
                )
                messages.success(
                    request, _("Enrolled %(name)s.") % {"name": enrol_form.cleaned_data["resident"].name}
                )
                return redirect("care:summer_term", term.pk)
        except CareError as error:
            (session_form if session_form.is_bound else enrol_form).add_error(None, error)
    return render(
        request,
        "care/summer_term.html",
        {
            "term": term,
            "sessions": term.sessions.select_related("lead__resident"),
            "enrolments": term.enrolments.select_related("child", "parent").order_by("child__name"),
            "session_form": session_form,
            "enrol_form": enrol_form,
            "may_run": may_run,
        },
    )


def _session(user, pk: int) -> SummerSession:
    return get_object_or_404(
        SummerSession.objects.filter(term__in=terms_visible_to(user)).select_related(
            "term", "lead__resident"
        ),
        pk=pk,
    )


@permission_page("care.view_summer")
def session(request, pk: int):
    session = _session(request.user, pk)
    return render(
        request,
        "care/summer_session.html",
        {
            "session": session,
            "enrolments": selectors.summer_register(session),
            "may_run": can_run_summer(request.user, session.term),
            "is_today": timezone.localdate(session.starts_at) == timezone.localdate(),
        },
    )


@require_POST
@permission_page("care.view_summer")
def sign(request, pk: int, direction: str):
    session = _session(request.user, pk)
    form = EnrolmentChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a child on the register."))
        return redirect("care:summer_session", session.pk)
    action = services.summer_sign_in if direction == "in" else services.summer_sign_out
    try:
        action(actor=request.user, session_id=session.pk, enrolment_id=form.cleaned_data["enrolment"])
    except CareError as error:
        return refused(request, error, "care:summer_session", session.pk)
    return redirect("care:summer_session", session.pk)
