"""Project pages: the console's list, a project's page and its actions, a new project, matching a
need to a resource, a project from a meeting decision, the three lists for staff, and a member
unit's own lists at /me/lists/. Each parses a form, calls one service and maps a refusal to its
status (core/errors.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.scopes import has_console_role
from huizhi.core.errors import http_status
from huizhi.core.pagination import page_of, query_prefix, search_text
from huizhi.meetings.models import Decision
from huizhi.places.models import Organisation
from huizhi.places.selectors import serves
from huizhi.projects import selectors, services
from huizhi.projects.forms import (
    CompleteForm,
    DecisionProjectForm,
    MatchForm,
    MilestoneForm,
    NeedForm,
    ProgressForm,
    ProjectForm,
    ResourceForm,
)
from huizhi.projects.models import Milestone, Project, Resource
from huizhi.projects.permissions import (
    can_manage_project,
    get_project_for_user,
    may_offer_for,
    may_project_from_decision,
    offering_organisations_of,
    resources_visible_to,
    studios_of,
)


def _body_class(user) -> str:
    return "console" if has_console_role(user) else "phone"


def _refuse(form, error) -> int:
    """The refusal beside the field it names (or above the form), and its status."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.message)
    return http_status(error)


# Rows a page of a staff list shows (projects, needs, resources).
PAGE_SIZE = selectors.LIST_LIMIT


@permission_page("projects.view_projects")
def index(request):
    project_filter = selectors.ProjectFilter.from_query(request.GET)
    page = page_of(selectors.project_list(request.user, project_filter), request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "projects/index.html",
        {
            "page": page,
            "projects": page.object_list,
            "query_prefix": query_prefix(request),
            "filter": project_filter,
            "statuses": Project.Status.choices,
            "communities": selectors.communities_of(request.user),
        },
    )


def _detail_context(request, project: Project, **forms) -> dict:
    manager = can_manage_project(request.user, project)
    context = {
        "project": project,
        **selectors.project_page(project),
        "manager": manager,
        "echo_item": services.echo_wall_item(project),
        "body_class": _body_class(request.user),
    }
    if manager and project.is_open:
        context.update(
            milestone_form=forms.get("milestone_form") or MilestoneForm(),
            progress_form=forms.get("progress_form")
            or ProgressForm(initial={"publish": bool(context["echo_item"])}),
            complete_form=forms.get("complete_form")
            or CompleteForm(initial={"publish": bool(context["echo_item"])}),
        )
    return context


@login_required
def detail(request, pk: int):
    project = get_project_for_user(request.user, pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


def _managed(request, pk: int) -> Project:
    project = get_project_for_user(request.user, pk)
    if not can_manage_project(request.user, project):
        raise PermissionDenied
    return project


def _back(project: Project, anchor: str):
    return redirect(f"{reverse('projects:detail', args=[project.pk])}#{anchor}")


def _project_action(request, pk: int, form_class, form_name: str, act, done_message: str, anchor: str):
    """A POST on a project's page: the form, one service, and back to the page (or the page again
    with the reason beside the form and the refusal's status)."""
    project = _managed(request, pk)
    form = form_class(request.POST)
    status = 400
    if form.is_valid():
        try:
            act(project, form.cleaned_data)
        except services.ProjectError as error:
            status = _refuse(form, error)
        else:
            messages.success(request, done_message)
            return _back(project, anchor)
    project = get_project_for_user(request.user, pk)
    return render(
        request, "projects/detail.html", _detail_context(request, project, **{form_name: form}), status=status
    )


@login_required
@require_POST
def milestone_add(request, pk: int):
    return _project_action(
        request,
        pk,
        MilestoneForm,
        "milestone_form",
        lambda p, d: services.milestone_add(
            actor=request.user, project_id=p.pk, title=d["title"], due_on=d["due_on"]
        ),
        _("Milestone added."),
        "milestones",
    )


@login_required
@require_POST
def progress(request, pk: int):
    return _project_action(
        request,
        pk,
        ProgressForm,
        "progress_form",
        lambda p, d: services.project_progress(
            actor=request.user, project_id=p.pk, note=d["note"], publish=d["publish"]
        ),
        _("Progress recorded."),
        "timeline",
    )


@login_required
@require_POST
def complete(request, pk: int):
    return _project_action(
        request,
        pk,
        CompleteForm,
        "complete_form",
        lambda p, d: services.project_complete(
            actor=request.user, project_id=p.pk, note=d["note"], publish=d["publish"]
        ),
        _("Project complete."),
        "timeline",
    )


@login_required
@require_POST
def milestone_done(request, pk: int):
    milestone = Milestone.objects.filter(pk=pk).only("pk", "project_id").first()
    if milestone is None:
        raise Http404
    project = _managed(request, milestone.project_id)
    try:
        services.milestone_done(actor=request.user, milestone_id=milestone.pk)
    except services.ProjectError as error:
        messages.error(request, error.message)
        return render(
            request, "projects/detail.html", _detail_context(request, project), status=http_status(error)
        )
    messages.success(request, _("Milestone done."))
    return _back(project, "milestones")


def _project_args(data: dict) -> dict:
    return {
        "title": data["title"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "funding_source": data["funding_source"],
        "funding_amount": data["funding_amount"],
        "public_summary": data["public_summary"],
    }


@permission_page("projects.propose")
def new(request):
    """A project proposed directly: staff for their communities, a representative for their studio."""
    managed = list(selectors.managed_communities(request.user))
    if managed:
        organisations = _offerable(request.user)
        communities = managed
    else:
        organisations = studios_of(request.user)
        communities = [
            c for c in selectors.communities_of(request.user) if any(serves(s, c.code) for s in organisations)
        ]
    form = ProjectForm(
        request.POST or None,
        communities=communities,
        organisations=organisations,
        organisation_required=not managed,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            organisation = next((o for o in organisations if o.pk == data["proposing_organisation"]), None)
            try:
                project = services.project_create(
                    actor=request.user,
                    community=next(c for c in communities if c.pk == data["community"]),
                    proposing_organisation=organisation,
                    **_project_args(data),
                )
            except services.ProjectError as error:
                status = _refuse(form, error)
            else:
                messages.success(request, _("Project proposed."))
                return redirect("projects:detail", pk=project.pk)
    return render(
        request, "projects/new.html", {"form": form, "body_class": _body_class(request.user)}, status=status
    )


@login_required
def match(request):
    """Pair an open need with a resource on offer: the project is made at once."""
    needs, resources = selectors.match_choices(request.user)
    if (
        not needs
        and not resources
        and not (offering_organisations_of(request.user) or has_console_role(request.user))
    ):
        raise PermissionDenied
    initial = {}
    for name in ("need", "resource"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    form = MatchForm(request.POST or None, needs=needs, resources=resources, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.need_match(
                    actor=request.user,
                    need_id=data["need"],
                    resource_id=data["resource"],
                    **_project_args(data),
                )
            except services.ProjectError as error:
                status = _refuse(form, error)
            else:
                messages.success(
                    request, _("Matched: the project “%(t)s” is planned.") % {"t": project.title}
                )
                return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/match.html",
        {"form": form, "body_class": _body_class(request.user), "empty": not needs or not resources},
        status=status,
    )


@login_required
def from_decision(request, decision_id: int):
    """A project carrying out a meeting decision: staff over the meeting's place, or its owner."""
    decision = Decision.objects.select_related("meeting__community").filter(pk=decision_id).first()
    if decision is None or not may_project_from_decision(request.user, decision):
        raise Http404
    existing = selectors.projects_of_decision(decision).first()
    if existing is not None:
        return redirect("projects:detail", pk=existing.pk)
    resources = list(
        resources_visible_to(request.user)
        .filter(status=Resource.Status.AVAILABLE)
        .select_related("organisation")[:100]
    )
    form = DecisionProjectForm(
        request.POST or None, resources=resources, initial={"title": decision.text[:120]}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.project_from_decision(
                    actor=request.user,
                    decision_id=decision.pk,
                    resource_id=data["resource"],
                    **_project_args(data),
                )
            except services.ProjectError as error:
                status = _refuse(form, error)
            else:
                messages.success(request, _("Project made from the decision."))
                return redirect("projects:detail", pk=project.pk)
    return render(
        request,
        "projects/from_decision.html",
        {"form": form, "decision": decision, "body_class": _body_class(request.user)},
        status=status,
    )


def _offerable(user) -> list[Organisation]:
    """Organisations the user may record resources for: their own, and (staff) those serving their places."""
    own = offering_organisations_of(user)
    candidates = Organisation.objects.filter(
        kind__in=("member_unit", "representative_studio")
    ).select_related("place")
    others = [o for o in candidates if o not in own and may_offer_for(user, o)]
    return own + others


def _lists_context(request, need_form=None, resource_form=None) -> dict:
    user = request.user
    community = request.GET.get("community", "")
    community = community if community.isascii() and community.isdigit() and len(community) <= 32 else ""
    query = search_text(request)
    needs = page_of(
        selectors.needs_list(user, community=community, query=query), request.GET.get("needs_page"), PAGE_SIZE
    )
    resources = page_of(
        selectors.resources_list(user, query=query), request.GET.get("resources_page"), PAGE_SIZE
    )
    context = {
        "needs": needs,
        "resources": resources,
        "needs_prefix": query_prefix(request, "needs_page"),
        "resources_prefix": query_prefix(request, "resources_page"),
        "projects": selectors.project_list(user, selectors.ProjectFilter(community=community, query=query))[
            : selectors.LIST_LIMIT
        ],
        "communities": selectors.communities_of(user),
        "community": community,
        "query": query,
    }
    if user.has_perm("projects.keep_lists"):
        context["need_form"] = need_form or NeedForm(communities=selectors.managed_communities(user))
        context["resource_form"] = resource_form or ResourceForm(organisations=_offerable(user))
    return context


@permission_page("projects.view_projects")
def lists(request):
    return render(request, "projects/lists.html", _lists_context(request))


@permission_page("projects.keep_lists")
@require_POST
def need_new(request):
    communities = list(selectors.managed_communities(request.user))
    form = NeedForm(request.POST, communities=communities)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.need_record(
                actor=request.user,
                community=next(c for c in communities if c.pk == data["community"]),
                title=data["title"],
                description=data["description"],
                source=data["source"],
            )
        except services.ProjectError as error:
            status = _refuse(form, error)
        else:
            messages.success(request, _("Need recorded."))
            return redirect(f"{reverse('projects:lists')}#needs")
    return render(request, "projects/lists.html", _lists_context(request, need_form=form), status=status)


def _record_resource(request, organisations, form) -> int | None:
    """None when recorded; else the status of the refusal, written into `form`."""
    if not form.is_valid():
        return 400
    data = form.cleaned_data
    try:
        services.resource_record(
            actor=request.user,
            organisation=next(o for o in organisations if o.pk == data["organisation"]),
            kind=data["kind"],
            title=data["title"],
            description=data["description"],
            amount=data["amount"],
            capacity=data["capacity"],
            available_until=data["available_until"],
        )
    except services.ProjectError as error:
        return _refuse(form, error)
    messages.success(request, _("Resource recorded."))
    return None


@permission_page("projects.keep_lists")
@require_POST
def resource_new(request):
    organisations = _offerable(request.user)
    form = ResourceForm(request.POST, organisations=organisations)
    status = _record_resource(request, organisations, form)
    if status is None:
        return redirect(f"{reverse('projects:lists')}#resources")
    return render(request, "projects/lists.html", _lists_context(request, resource_form=form), status=status)


@permission_page("projects.use_unit_lists")
def unit_lists(request):
    """A member unit's own page: its resources (add, edit), the needs it may take up, its projects."""
    lists_ = selectors.unit_lists(request.user)
    form = ResourceForm(request.POST or None, organisations=lists_.units)
    status = 200
    if request.method == "POST":
        status = _record_resource(request, lists_.units, form)
        if status is None:
            return redirect(f"{reverse('projects:unit_lists')}#resources")
    return render(
        request,
        "projects/unit_lists.html",
        {"lists": lists_, "resource_form": form, "body_class": _body_class(request.user)},
        status=status,
    )


@login_required
def resource_edit(request, pk: int):
    resource = resources_visible_to(request.user).select_related("organisation__place").filter(pk=pk).first()
    if resource is None:
        raise Http404
    if not may_offer_for(request.user, resource.organisation):
        raise PermissionDenied
    initial = {
        "kind": resource.kind,
        "title": resource.title,
        "description": resource.description,
        "amount": resource.amount,
        "capacity": resource.capacity,
        "available_until": resource.available_until,
    }
    form = ResourceForm(request.POST or None, initial=initial, editing=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.resource_update(actor=request.user, resource_id=resource.pk, **data)
            except services.ProjectError as error:
                status = _refuse(form, error)
            else:
                messages.success(request, _("Resource saved."))
                back = (
                    "projects:unit_lists"
                    if request.user.has_perm("projects.use_unit_lists")
                    else "projects:lists"
                )
                return redirect(f"{reverse(back)}#resources")
    return render(
        request,
        "projects/resource_edit.html",
        {"form": form, "resource": resource, "body_class": _body_class(request.user)},
        status=status,
    )
