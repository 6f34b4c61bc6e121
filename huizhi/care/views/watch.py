from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.roles import Role
from huizhi.accounts.scopes import scopes_of
from huizhi.care import selectors, services
from huizhi.care.forms import ContactForm, ResidentChoiceForm, WatcherForm, WatchRemoveForm
from huizhi.care.kinds import AlertKind, ContactMethod, ContactOutcome
from huizhi.care.models import Watcher
from huizhi.care.permissions import can_manage_watch, watched_visible_to
from huizhi.care.services import CareError
from huizhi.care.services.calls import watch_call_number
from huizhi.care.services.watch import NOT_A_WATCHER
from huizhi.care.views.common import clearable, refused
from huizhi.core.clientip import client_ip
from huizhi.core.errors import http_status
from huizhi.registry.models import Resident

QUEUE_LIMIT = 200


@permission_page("care.view_watch")
def dashboard(request):
    """The community's watch: alerts first, then the overdue queue by contact, grid and watcher."""
    now = timezone.now()
    alerts = selectors.with_owners(selectors.active_alerts(request.user))
    return render(
        request,
        "care/watch.html",
        {
            "alerts": alerts,
            "clearable": clearable(request.user, alerts),
            "overdue": selectors.overdue_contacts(request.user, now)[:QUEUE_LIMIT],
            "by_grid": selectors.overdue_by_grid(request.user, now),
            "by_watcher": selectors.overdue_by_watcher(request.user, now),
            "coverage": selectors.watch_coverage(request.user, now),
            "communities": scopes_of(request.user).codes_for(Role.COMMUNITY_STAFF),
            "now": now,
        },
    )


@require_POST
@permission_page("care.manage_watch")
def build(request):
    code = request.POST.get("community", "")
    try:
        added = services.watch_list_build(actor=request.user, community_code=code)
    except CareError as error:
        return refused(request, error, "care:watch")
    messages.success(request, _("%(n)d residents added to the watch list.") % {"n": added})
    return redirect("care:watch")


@permission_page("care.manage_watch")
def add(request):
    """Put one elder of the community on the watch (the registry's 60+ who are 80+, living alone or
    empty-nest and not watched now)."""
    form = ResidentChoiceForm(
        request.POST or None, residents=selectors.watch_candidates(request.user, timezone.localdate())
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.watch_add(actor=request.user, resident=form.cleaned_data["resident"])
        except CareError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is on the watch list.") % {"name": entry.resident.name})
            return redirect("care:watched", entry.pk)
    return render(request, "care/watch_add.html", {"form": form})


@permission_page("care.view_watch")
def watched(request, pk: int):
    entry = get_object_or_404(
        watched_visible_to(request.user).select_related(
            "resident__household__unit__parent__parent", "ended_by"
        ),
        pk=pk,
    )
    may_manage = can_manage_watch(request.user, entry.place_code)
    form = WatcherForm(request.POST or None, users=selectors.watcher_candidates(entry))
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.watcher_assign(actor=request.user, watched_id=entry.pk, **form.cleaned_data)
            except CareError as error:
                form.add_error(None, error)
            else:
                return redirect("care:watched", entry.pk)
    return render(
        request,
        "care/watched.html",
        {
            "entry": entry,
            "watchers": entry.watchers.select_related("user"),
            "remove_form": WatchRemoveForm(),
            "contacts": selectors.watched_detail(entry),
            "alerts": selectors.with_owners(entry.alerts.active()),
            "family": selectors.family_contacts_for([entry])[entry.pk],
            "form": form,
            "may_manage": may_manage,
            "now": timezone.now(),
        },
    )


def _entry_to_manage(user, pk: int):
    entry = get_object_or_404(watched_visible_to(user).select_related("resident"), pk=pk)
    if not can_manage_watch(user, entry.place_code):
        raise PermissionDenied
    return entry


@require_POST
@permission_page("care.manage_watch")
def remove(request, pk: int):
    entry = _entry_to_manage(request.user, pk)
    form = WatchRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why %(name)s is taken off the watch.") % {"name": entry.resident.name})
        return redirect("care:watched", entry.pk)
    try:
        services.watch_remove(actor=request.user, watched_id=entry.pk, reason=form.cleaned_data["reason"])
    except CareError as error:
        return refused(request, error, "care:watched", entry.pk)
    messages.success(request, _("%(name)s is taken off the watch.") % {"name": entry.resident.name})
    return redirect("care:watched", entry.pk)


@require_POST
@permission_page("care.manage_watch")
def watcher_remove(request, pk: int):
    watcher = get_object_or_404(Watcher.objects.filter(watched__in=watched_visible_to(request.user)), pk=pk)
    entry = _entry_to_manage(request.user, watcher.watched_id)
    try:
        services.watcher_unassign(actor=request.user, watcher_id=watcher.pk)
    except CareError as error:
        return refused(request, error, "care:watched", entry.pk)
    return redirect("care:watched", entry.pk)


@permission_page("care.use_watch_phone")
def phone(request):
    """Who do I need to contact today: the watcher's list, alerts at the top."""
    now = timezone.now()
    entries = list(selectors.to_contact_today(request.user, now))
    family = selectors.family_contacts_for(entries)
    for entry in entries:
        entry.family = family[entry.pk]
    return render(
        request,
        "care/watch_phone.html",
        {
            "alerts": selectors.with_owners(
                selectors.active_alerts(request.user).filter(kind=AlertKind.NOT_REACHED)
            ),
            "entries": entries,
            "outcomes": ContactOutcome.choices,
            "methods": ContactMethod.choices,
            "now": now,
        },
    )


@require_POST
@permission_page("care.use_watch_phone")
def log(request):
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what you found."))
        return redirect("care:watch_phone")
    resident = Resident.objects.filter(pk=form.cleaned_data["resident"]).first()
    if resident is None:  # the same refusal as for someone else's elder: scope never leaks existence
        messages.error(request, NOT_A_WATCHER)
        return redirect("care:watch_phone")
    try:
        contact = services.watch_contact_log(
            actor=request.user,
            resident=resident,
            outcome=form.cleaned_data["outcome"],
            method=form.cleaned_data["method"],
            note=form.cleaned_data["note"],
        )
    except CareError as error:
        return refused(request, error, "care:watch_phone")
    if contact.within_gap:
        gap = services.miss_gap()
        messages.warning(
            request,
            _(
                "Logged: %(name)s not reached. Less than %(hours)s hours after the last miss, so it is not a second miss; try again after %(time)s."
            )
            % {
                "name": resident.name,
                "hours": f"{gap.total_seconds() / 3600:g}",
                "time": timezone.localtime(contact.watched.last_miss_at + gap).strftime("%H:%M"),
            },
        )
    elif contact.case_id:
        messages.success(
            request,
            _("Logged; case %(reference)s opened for %(name)s.")
            % {"reference": contact.case.reference, "name": resident.name},
        )
    else:
        messages.success(
            request,
            _("Logged: %(name)s — %(outcome)s.")
            % {"name": resident.name, "outcome": contact.get_outcome_display()},
        )
    return redirect("care:watch_phone")


@require_POST
@login_required
def call(request, pk: int):
    """The number of the elder or one of their family, after the reveal is logged: JSON for the
    card's one-tap script, else a page with the number as a tel: link. Anyone who may not see the
    watch entry is refused as if there were none."""
    try:
        person_id = int(request.POST.get("person", ""))
    except ValueError:
        raise Http404 from None
    try:
        number = watch_call_number(
            actor=request.user,
            watched_id=pk,
            person_id=person_id,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except CareError as error:
        status = http_status(error)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": error.message}, status=status)
        raise (PermissionDenied if status == 403 else Http404)(error.message) from None
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"tel": number})
    return render(request, "care/call.html", {"number": number})
