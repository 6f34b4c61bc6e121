from dataclasses import replace
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import console_page, permission_page
from huizhi.accounts.place_permissions import pickable_places, places_visible_to
from huizhi.cases import selectors, services
from huizhi.cases.exports import EXPORT_MOST, XLSX, queue_workbook
from huizhi.cases.forms import (
    CallBackForm,
    CategoryForm,
    NoticeReplyForm,
    QueueFilterForm,
    RatingForm,
    ReportForm,
    SupervisionForm,
    TransitionForm,
)
from huizhi.cases.models import Case, CasePhoto, Category, SupervisionNotice
from huizhi.cases.notifications import inbox_open
from huizhi.cases.permissions import (
    available_transitions,
    can_rate_case,
    can_supervise_case,
    filing_scope,
    get_case_for_user,
)
from huizhi.cases.progress import case_progress, reads_as_resident
from huizhi.cases.routing import default_unit
from huizhi.cases.search import narrow_to_window
from huizhi.cases.services.calls import REPORTER, may_call
from huizhi.cases.services.calls import UNIT as UNIT_CALL
from huizhi.cases.services.report import source_for_reporter
from huizhi.cases.transitions import MERGED_INTO, TRANSITIONS, UNIT, action_label
from huizhi.core.clientip import client_ip
from huizhi.core.errors import http_status
from huizhi.core.pagination import CURSOR_PARAM, SEARCH_COUNT_CAP, list_page, query_prefix
from huizhi.core.photos import photo_response
from huizhi.core.redirects import safe_next
from huizhi.places.kinds import PlaceKind

PAGE_SIZE = 50


# The staff list remembers its last filter (issue 19), not its search text: a number someone
# searched for would sit in the session store, which holds no plain personal numbers.
QUEUE_FILTER_SESSION_KEY = "cases.queue_filter"
QUEUE_REMEMBERED = ("status", "clock", "community", "grid", "category", "source")
QUEUE_REMEMBERED += ("reported_from", "reported_to", "sort")


@console_page
def queue(request):
    if "clear" in request.GET:
        request.session.pop(QUEUE_FILTER_SESSION_KEY, None)
        return redirect("cases:queue")
    given = [name for name in QueueFilterForm.base_fields if name in request.GET]
    remembered = request.session.get(QUEUE_FILTER_SESSION_KEY, "")
    if not given and remembered:
        # The page and the export ride along: a pager or export link of the remembered list.
        extra = {k: request.GET[k] for k in ("page", CURSOR_PARAM, "format") if request.GET.get(k)}
        suffix = f"&{urlencode(extra)}" if extra else ""
        return redirect(f"{reverse('cases:queue')}?{remembered}{suffix}")
    form = QueueFilterForm(request.GET)
    if form.is_valid():
        queue_filter = form.queue_filter()
        cases = selectors.case_queue(request.user, queue_filter)
        if given:
            _remember_queue_filter(request, queue_filter)
    else:
        # A filter that cannot be read matches nothing, and says why; it is never remembered.
        queue_filter = selectors.QueueFilter()
        cases = selectors.case_queue(request.user, queue_filter).none()
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                shown = _("%(field)s: %(error)s") % {"field": label, "error": error} if label else error
                messages.error(request, shown)
    if request.GET.get("format") == "xlsx" and form.is_valid():
        response = HttpResponse(queue_workbook(cases), content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="cases-{stamp}.xlsx"'
        return response
    searched = bool(queue_filter.query)
    page = list_page(
        request,
        cases,
        PAGE_SIZE,
        cap=SEARCH_COUNT_CAP if searched else None,
        windows=narrow_to_window if searched else False,
        counted=selectors.case_queue_counted(request.user, queue_filter) if form.is_valid() else None,
    )
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query.pop(CURSOR_PARAM, None)
    export_query["format"] = "xlsx"
    return render(
        request,
        "cases/queue.html",
        {
            "page": page,
            "form": form,
            "filter": queue_filter,
            "remembered": bool(request.session.get(QUEUE_FILTER_SESSION_KEY)),
            "export_query": export_query.urlencode(),
            "export_most": EXPORT_MOST,
            "now": timezone.now(),
            "query_prefix": query_prefix(request),
        },
    )


def _remember_queue_filter(request, queue_filter: selectors.QueueFilter) -> None:
    kept = {name: request.GET.get(name, "") for name in QUEUE_REMEMBERED}
    kept = {name: value for name, value in kept.items() if value}
    if replace(queue_filter, query="") == selectors.QueueFilter():
        request.session.pop(QUEUE_FILTER_SESSION_KEY, None)
    elif request.session.get(QUEUE_FILTER_SESSION_KEY) != urlencode(kept):
        request.session[QUEUE_FILTER_SESSION_KEY] = urlencode(kept)


@permission_page("cases.supervise")
def supervision(request):
    view = request.GET.get("view", "due")
    view = view if view in selectors.SUPERVISION_VIEWS else "due"
    page = list_page(request, selectors.supervision_queue(request.user, view=view), PAGE_SIZE)
    return render(
        request,
        "cases/supervision.html",
        {"page": page, "now": timezone.now(), "view": view, "query_prefix": query_prefix(request)},
    )


@permission_page("cases.call_back")
def callbacks(request):
    """回访: the call list (due) with a form per case, and the latest call-backs (done)."""
    status = 200
    if request.method == "POST":
        status = 400  # unless it is recorded and redirects
        form = CallBackForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            case = get_object_or_404(selectors.callback_cases(request.user), pk=data["case"])
            callee = selectors.callees_for([case], request.user)[case.pk].label
            try:
                services.callback_record(
                    actor=request.user,
                    case_id=case.pk,
                    reached=data["reached"],
                    satisfaction=data["satisfaction"] if data["reached"] else "",
                    note=data["note"],
                    callee=callee,
                )
            except services.CaseActionError as error:
                messages.error(request, " ".join(error.messages))
                status = http_status(error)
            else:
                messages.success(request, _("Call-back recorded on %(case)s.") % {"case": case.reference})
                return redirect("cases:callbacks")
        else:
            messages.error(request, _("Say whether the call reached someone."))
    page = list_page(request, selectors.callbacks_due(request.user), PAGE_SIZE)
    callees = selectors.callees_for(list(page.object_list), request.user)
    for case in page.object_list:
        case.callee = callees[case.pk]
    return render(
        request,
        "cases/callbacks.html",
        {
            "page": page,
            "done": selectors.callbacks_done(request.user),
            "ratings": CallBackForm.base_fields["satisfaction"].choices[1:],
            "query_prefix": query_prefix(request),
        },
        status=status,
    )


@login_required
def report(request, phone: bool = False):
    places = pickable_places(request.user)
    # "Report for this household" (the liaison's page) opens the form at that household's building.
    preset = request.GET.get("place", "") if request.method == "GET" else ""
    initial = {"place": preset} if preset.isdigit() and len(preset) <= 9 else {}
    form = ReportForm(request.POST or None, request.FILES or None, places=places, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def file_the_report():
            return services.case_report(
                actor=request.user,
                category=data["category"],
                title=data["title"],
                description=data["description"],
                source=source_for_reporter(request.user),
                place=data["place"],
                lon=data["lon"],
                lat=data["lat"],
                photos=data["photos"],
                within=filing_scope(request.user),
            )

        try:
            if data["submission"]:
                case, _filed = services.case_report_once(
                    actor=request.user, key=data["submission"], report=file_the_report
                )
            else:
                case = file_the_report()
        except services.CaseActionError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Reported as %(reference)s.") % {"reference": case.reference})
            return redirect("cases:detail", pk=case.pk)
    template = "cases/report_phone.html" if phone else "cases/report.html"
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


def _detail_context(request, case, action_form=None, action=None, supervision_form=None):
    transitions = available_transitions(request.user, case)
    # A unit already named on the case (e.g. the care station's operator for a home-service
    # request) comes before the category's routing rule.
    suggested = (
        case.handling_unit or default_unit(case.category, case.place, case.community)
        if any(UNIT in t.inputs for t in transitions)
        else None
    )
    forms_by_action = {}
    for transition in transitions:
        if action_form is not None and transition.action == action:
            forms_by_action[transition.action] = action_form
        else:
            initial = {"action": transition.action, "version": case.version, UNIT: suggested}
            forms_by_action[transition.action] = TransitionForm(
                initial=initial, case=case, actor=request.user, transition=transition
            )
    # The reporter who holds no role over the case reads its progress in plain words, without
    # staff names or the internal steps (supervision, clock warnings).
    as_resident = reads_as_resident(request.user, case)
    notices = (
        []
        if as_resident
        else list(case.supervision_notices.select_related("issued_by", "unit", "replied_by"))
    )
    return {
        "case": case,
        "timeline": [] if as_resident else selectors.case_timeline(case, request.user),
        "progress": case_progress(case, for_reporter=True) if as_resident else None,
        "actions": [(t, forms_by_action[t.action]) for t in transitions],
        "notices": [
            (n, NoticeReplyForm() if request.user.has_perm("cases.answer_notice", n) else None)
            for n in notices
        ],
        "supervision_form": (supervision_form or SupervisionForm())
        if can_supervise_case(request.user, case)
        else None,
        "rating_form": RatingForm() if can_rate_case(request.user, case) else None,
        "merge_suggestions": selectors.merge_suggestions_for(case)
        if any(MERGED_INTO in t.inputs for t in transitions)
        else [],
        "recurring": selectors.is_recurring(case),
        "call_reporter": may_call(request.user, case, REPORTER),
        "call_unit": may_call(request.user, case, UNIT_CALL),
        "colour": case.clock_colour(),
        "now": timezone.now(),
    }


@login_required
def detail(request, pk: int):
    case = get_case_for_user(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@login_required
@require_POST
def act(request, pk: int):
    case = get_case_for_user(request.user, pk)
    action = request.POST.get("action", "")
    form = TransitionForm(
        request.POST, request.FILES, case=case, actor=request.user, transition=TRANSITIONS.get(action)
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_transition(
                actor=request.user,
                case_id=case.pk,
                action=data["action"],
                expected_version=data["version"],
                **form.inputs(),
            )
        except services.CaseActionError as error:
            form.add_error(None, error)
            status = http_status(error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": action_label(data["action"])})
            return redirect("cases:detail", pk=case.pk)
    case = get_case_for_user(request.user, pk)  # show the case as it is now
    context = _detail_context(request, case, action_form=form, action=action)
    context["action_error"] = form.non_field_errors() or form.errors
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def supervise(request, pk: int):
    case = get_case_for_user(request.user, pk)
    form = SupervisionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.supervision_notice_issue(
                actor=request.user,
                case_id=case.pk,
                requirement=form.cleaned_data["requirement"],
                reply_due_at=form.cleaned_data["reply_due_at"],
            )
        except services.CaseActionError as error:
            form.add_error(None, error)
            status = http_status(error)
        else:
            messages.success(
                request, _("Supervision notice issued to %(unit)s.") % {"unit": case.handling_unit}
            )
            return redirect("cases:detail", pk=case.pk)
    # The form again, open, with what is wrong beside each field.
    context = _detail_context(request, case, supervision_form=form)
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_POST
def answer_notice(request, pk: int):
    notice = get_object_or_404(SupervisionNotice.objects.select_related("case"), pk=pk)
    get_case_for_user(request.user, notice.case_id)
    form = NoticeReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply."))
    else:
        try:
            services.supervision_notice_answer(actor=request.user, notice_id=notice.pk, **form.cleaned_data)
        except services.CaseActionError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Reply sent."))
    return redirect("cases:detail", pk=notice.case_id)


@login_required
@require_POST
def rate(request, pk: int):
    """The reporter's rating, from the case page or from the resident's own post (`next`)."""
    case = get_case_for_user(request.user, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rating."))
    else:
        try:
            services.case_rate(actor=request.user, case_id=case.pk, **form.cleaned_data)
        except services.CaseActionError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for your rating."))
    return redirect(safe_next(request, reverse("cases:detail", args=[case.pk])))


@login_required
def photo(request, pk: int):
    """A case photo, only to those who may see the case."""
    photo = get_object_or_404(CasePhoto.objects.select_related("event"), pk=pk)
    get_case_for_user(request.user, photo.event.case_id)
    return photo_response(photo.image, public=False)


@login_required
def inbox(request):
    notifications, unread = inbox_open(request.user)
    return render(request, "cases/inbox.html", {"notifications": notifications, "unread": unread})


@login_required
def my_tasks(request):
    """The phone list: what is waiting for this person's hands (unit work, checks, own reports)."""
    waiting = selectors.waiting_for(request.user)
    return render(request, "cases/my_tasks.html", {"cases": waiting, "now": timezone.now()})


@console_page
def recurring(request):
    return render(request, "cases/recurring.html", {"problems": selectors.recurring_problems(request.user)})


@permission_page("cases.configure_categories")
def categories(request):
    return render(request, "cases/categories.html", {"classes": selectors.category_tree()})


def _row_id(value: str) -> int:
    """A row id from a form: digits that fit the database's integer (a longer one is no row)."""
    if not (value.isdigit() and len(value) <= 9):
        raise ValueError(value)
    return int(value)


def _communities_of_staff(user):
    return places_visible_to(user).filter(kind=PlaceKind.COMMUNITY).order_by("code")


@login_required
@require_POST
def call(request, pk: int, who: str):
    """The number to dial, after the reveal is logged: JSON for the page's one-tap script, else a
    page with the number as a tel: link (a phone without the script still calls in two taps)."""
    try:
        number = services.case_call_number(
            actor=request.user,
            case_id=pk,
            who=who,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.CaseActionError as error:
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": error.message}, status=http_status(error))
        raise (PermissionDenied if http_status(error) == 403 else Http404)(error.message) from None
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"tel": number})
    case = get_object_or_404(Case, pk=pk)
    return render(request, "cases/call.html", {"case": case, "number": number, "who": who})


@permission_page("cases.delegate_dispatch")
def grid_dispatch(request):
    """Community staff choose the subclasses their grid workers may accept and dispatch themselves."""
    communities = list(_communities_of_staff(request.user))
    if not communities:  # a role over no community has nothing to set here
        raise Http404
    community = next((c for c in communities if str(c.pk) == request.GET.get("community")), communities[0])
    status = 200
    if request.method == "POST":
        try:
            ids = [_row_id(value) for value in request.POST.getlist("category")]
            services.dispatch_delegation_set(actor=request.user, community=community, category_ids=ids)
        except ValueError:
            messages.error(request, _("Choose active subclasses only."))
            status = 400
        except services.CaseActionError as error:
            messages.error(request, error.message)
            status = http_status(error)
        else:
            messages.success(request, _("Saved for %(community)s.") % {"community": community.name})
            return redirect(f"{reverse('cases:grid_dispatch')}?community={community.pk}")
    chosen = selectors.delegated_category_ids(community) if status == 200 else frozenset()
    context = {
        "communities": communities,
        "community": community,
        "classes": selectors.category_tree(),
        "chosen": chosen,
    }
    return render(request, "cases/grid_dispatch.html", context, status=status)


@permission_page("cases.configure_categories")
def category_edit(request, code: str):
    category = get_object_or_404(Category, code=code, parent__isnull=False)
    form = CategoryForm(request.POST or None, instance=Category.objects.get(pk=category.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.category_update(actor=request.user, category_id=category.pk, **changes)
        except services.CaseActionError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved %(category)s.") % {"category": category})
            return redirect("cases:categories")
    return render(
        request,
        "cases/category_edit.html",
        {"category": category, "form": form},
        status=400 if form.errors else 200,
    )
