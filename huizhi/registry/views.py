from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.place_permissions import places_visible_to
from huizhi.core.clientip import client_ip
from huizhi.core.pagination import list_page, query_prefix
from huizhi.places.kinds import PlaceKind
from huizhi.registry import selectors, sheet
from huizhi.registry.forms import ClaimForm, ExportForm, ImportForm, RevealForm
from huizhi.registry.models import ImportJob, Resident
from huizhi.registry.permissions import access_log_visible_to, import_jobs_visible_to, residents_visible_to
from huizhi.registry.services import PrivacyError, resident_reveal, residents_export
from huizhi.registry.services.importing import fail_stale_imports, registry_import_queue, rejected_rows_file
from huizhi.registry.services.residency import ResidencyError, residency_claim, residency_decide
from huizhi.registry.tags import Tag, tags_of

PAGE_SIZE = 50
RECENT_IMPORTS = 5  # listed under the import form, each with its outcome
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _client(request) -> dict:
    return {
        "ip_address": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


def _filter(request) -> selectors.RegistryFilter:
    return selectors.RegistryFilter(
        place=request.GET.get("place", "")[:25],
        tag=request.GET.get("tag", ""),
        query=request.GET.get("q", "").strip()[:40],
    )


def _place_choices(user):
    return places_visible_to(user).filter(kind__in=[PlaceKind.GRID, PlaceKind.COMPOUND]).order_by("code")


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_page("registry.view")
def residents(request):
    today = timezone.localdate()
    registry_filter = _filter(request)
    # By page number only: the list is sorted on each resident's home unit code, and a cursor would
    # carry a resident's id and where they live into URLs that proxies and access logs keep.
    residents = selectors.resident_list(request.user, registry_filter, today)
    page = list_page(request, residents, PAGE_SIZE, cursors=False)
    rows = [(r, tags_of(r, today)) for r in page.object_list]
    return render(
        request,
        "registry/residents.html",
        {
            "page": page,
            "rows": rows,
            "filter": registry_filter,
            "tags": Tag.choices,
            "places": _place_choices(request.user),
            "export_form": ExportForm(),
            "query_prefix": query_prefix(request),
            "tag_labels": dict(Tag.choices),
        },
    )


@permission_page("registry.view")
@require_POST
def export(request):
    form = ExportForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    registry_filter = _filter(request)
    queryset = selectors.resident_list(request.user, registry_filter, timezone.localdate())
    try:
        content = residents_export(
            actor=request.user,
            residents=queryset,
            reveal=data.get("reveal", False),
            reason=data.get("reason", ""),
            **_client(request),
        )
    except PrivacyError as error:
        messages.error(request, str(error))
        return redirect(f"{reverse('registry:residents')}?{request.GET.urlencode()}")
    return _xlsx(content, f"residents-{timezone.localdate():%Y%m%d}.xlsx")


@permission_page("registry.view")
def resident_detail(request, pk: int):
    resident = (
        residents_visible_to(request.user).select_related(*selectors.RESIDENT_RELATED).filter(pk=pk).first()
    )
    if resident is None:
        raise Http404
    revealed, form = {}, RevealForm()
    if request.method == "POST":
        form = RevealForm(request.POST)
        if form.is_valid():
            try:
                value = resident_reveal(
                    actor=request.user,
                    resident_id=resident.pk,
                    field=form.cleaned_data["field"],
                    reason=form.cleaned_data["reason"],
                    **_client(request),
                )
                revealed[form.cleaned_data["field"]] = value
            except PrivacyError as error:
                form.add_error(None, str(error))
    status = 403 if form.errors and request.method == "POST" else 200
    household = resident.household
    return render(
        request,
        "registry/resident.html",
        {
            "resident": resident,
            "tags": tags_of(resident, timezone.localdate()),
            "tag_labels": dict(Tag.choices),
            "members": household.residents.filter(is_active=True).order_by("id"),
            "revealed": revealed,
            "reveal_form": form,
            "can_reveal": request.user.has_perm("registry.reveal", resident),
        },
        status=status,
    )


@permission_page("registry.view")
def households(request):
    today = timezone.localdate()
    registry_filter = _filter(request)
    # Households are narrow rows and their members come prefetched: a plain page costs one query
    # less than cutting on ids first.
    page = Paginator(selectors.household_list(request.user, registry_filter, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/households.html",
        {
            "page": page,
            "filter": registry_filter,
            "tags": Tag.choices,
            "places": _place_choices(request.user),
            "query_prefix": query_prefix(request),
        },
    )


@permission_page("registry.import")
def import_page(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = registry_import_queue(actor=request.user, data=upload.read(), file_name=upload.name)
        return redirect("registry:import_result", pk=job.pk)
    jobs = import_jobs_visible_to(request.user)
    fail_stale_imports(jobs)  # an import killed mid-run shows as failed, with the reason
    recent = jobs.defer("upload", "rejected_file").select_related("user")[:RECENT_IMPORTS]
    return render(
        request,
        "registry/import.html",
        {"form": form, "columns": sheet.COLUMNS, "recent": recent},
        status=400 if form.errors else 200,
    )


def _import_job(request, pk: int) -> ImportJob:
    """The job if the user may see it, else 404 (another community's job is not said to exist)."""
    jobs = import_jobs_visible_to(request.user).filter(pk=pk)
    fail_stale_imports(jobs)
    return get_object_or_404(jobs.defer("upload"))


@permission_page("registry.import")
def import_result(request, pk: int):
    return render(request, "registry/import_result.html", {"job": _import_job(request, pk)})


@permission_page("registry.import")
def import_progress(request, pk: int):
    """How far the job has got, for the result page to poll while it is queued or running."""
    job = _import_job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "phase": job.phase,
            "processed": job.processed,
            "total": job.total_rows,
            "percent": job.percent,
        }
    )


@permission_page("registry.import")
def import_rejected(request, pk: int):
    job = _import_job(request, pk)
    content = rejected_rows_file(job)
    if content is None:
        raise Http404
    return _xlsx(content, f"rejected-{job.pk}.xlsx")


@permission_page("registry.import")
def import_template(request):
    return _xlsx(sheet.template_bytes(), "residents-template.xlsx")


@permission_page("registry.review_access")
def access_log(request):
    entries = (
        access_log_visible_to(request.user).select_related("user", "resident").order_by("-created_at", "-id")
    )
    page = list_page(request, entries, PAGE_SIZE)
    labels = {
        "id_number": _("ID number"),
        "mobile": _("Mobile"),
        "id_number,mobile": _("ID numbers and mobiles"),
    }
    return render(request, "registry/access_log.html", {"page": page, "field_labels": labels})


@permission_page("accounts.use_phone_pages")
def my_households(request):
    today = timezone.localdate()
    page = list_page(request, selectors.my_households(request.user, today), PAGE_SIZE)
    page.object_list = selectors.household_cards(page.object_list, today)
    return render(
        request,
        "registry/my_households.html",
        {"page": page, "tag_labels": dict(Tag.choices), "query_prefix": query_prefix(request)},
    )


@permission_page("registry.view_roster")
def my_group(request):
    return render(request, "registry/my_group.html", {"groups": selectors.group_roster(request.user)})


@login_required(login_url="wall:login")
def my_home(request):
    """A resident says which room they live in; community staff confirm it (DESIGN §5)."""
    form = ClaimForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                residency_claim(actor=request.user, **form.cleaned_data)
            except ResidencyError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Sent. Community staff will confirm it against the registry."))
                return redirect("registry:my_home")
    claims = selectors.claims_of(request.user)
    return render(request, "registry/my_home.html", {"form": form, "claims": claims}, status=status)


@permission_page("registry.confirm_residency")
def claims(request):
    return render(request, "registry/claims.html", {"rows": selectors.pending_claims(request.user)})


@permission_page("registry.confirm_residency")
@require_POST
def decide(request, pk: int):
    resident_id = request.POST.get("resident", "")
    # ASCII digits only: "²" passes str.isdigit() and would fail the id lookup with a 500.
    is_id = resident_id.isascii() and resident_id.isdigit()
    resident = Resident.objects.filter(pk=int(resident_id)).first() if is_id else None
    try:
        residency_decide(
            actor=request.user, claim_id=pk, resident=resident, reason=request.POST.get("reason", "")
        )
    except ResidencyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("registry:claims")
