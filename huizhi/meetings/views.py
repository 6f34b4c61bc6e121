"""Meeting pages: the list, the calendar, a new meeting, the meeting page and its actions (the QR
sign-in, commendations), meeting places on a map, the overdue decisions of the commissioner's
supervision, the invitee's phone sign-in, and a community's public list of commendations."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.scopes import has_console_role
from huizhi.core.errors import http_status
from huizhi.core.pagination import page_of, query_prefix, search_text
from huizhi.meetings import selectors, services
from huizhi.meetings.forms import (
    AgendaForm,
    CommendationForm,
    DecisionForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    MonthForm,
    ProgressForm,
    SpawnCaseForm,
    VenueForm,
)
from huizhi.meetings.models import Decision
from huizhi.meetings.permissions import (
    acts_for_owner,
    can_commend,
    can_read_minutes,
    can_report_progress,
    get_meeting_for_user,
    meetings_visible_to,
    organises,
    venues_visible_to,
)
from huizhi.meetings.qr import sign_in_path, sign_in_qr_svg
from huizhi.meetings.services.meetings import sign_in_token_matches
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place

# Meetings a page of the console's lists shows (coming up, held).
PAGE_SIZE = 50


@login_required
def index(request):
    """Meetings the user sees (their scope's, their invitations, their decisions'): none for others."""
    console = has_console_role(request.user)
    query = search_text(request)
    upcoming = past = None
    if console:  # the two lists are the console's; a resident sees their invitations only
        meetings = meetings_visible_to(request.user)
        if query:
            meetings = meetings.filter(title__icontains=query)
        coming, held = selectors.upcoming_and_past(meetings)
        upcoming = page_of(coming, request.GET.get("page"), PAGE_SIZE)
        past = page_of(held, request.GET.get("held_page"), PAGE_SIZE)
    return render(
        request,
        "meetings/index.html",
        {
            "upcoming": upcoming,
            "past": past,
            "query": query,
            "upcoming_prefix": query_prefix(request, "page"),
            "past_prefix": query_prefix(request, "held_page"),
            "invitations": selectors.my_invitations(request.user)[:20],
            "overdue_count": selectors.overdue_decisions(request.user).count()
            if request.user.has_perm("meetings.supervise_decisions")
            else None,
            "console": console,
        },
    )


@permission_page("meetings.schedule")
def new(request):
    form = MeetingForm(
        request.POST or None,
        organisers=selectors.organiser_choices(request.user),
        venues=selectors.venue_choices(request.user),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = services.meeting_schedule(
                    actor=request.user,
                    kind=data["kind"],
                    title=data["title"],
                    organiser=data["organiser"],
                    venue=data["venue"],
                    venue_place=data["venue_place"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    invite_roles=data["invite_roles"],
                )
            except services.MeetingError as error:
                form.add_error(None, error)
                status = http_status(error)
            else:
                messages.success(
                    request,
                    _("Meeting scheduled; %(n)d invitees were told.") % {"n": meeting.invitations.count()},
                )
                return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/new.html", {"form": form}, status=status)


def _detail_context(request, meeting, **forms) -> dict:
    user = request.user
    page = selectors.meeting_page(meeting)
    organiser = organises(user, meeting)
    now = timezone.now()
    context = {
        "meeting": meeting,
        **page,
        "organiser": organiser,
        "show_minutes": can_read_minutes(user, meeting),
        "started": meeting.starts_at <= now,
        "my_invitation": next((i for i in page["invitations"] if i.user_id == user.pk), None),
        "now": now,
    }
    if organiser:
        open_agenda = not meeting.minutes_published
        context.update(
            agenda_form=forms.get("agenda_form")
            or (AgendaForm(items=selectors.pending_agenda_items(meeting)) if open_agenda else None),
            invite_form=forms.get("invite_form")
            or (
                InviteForm(organisations=selectors.invitable_organisations(meeting))
                if meeting.ends_at >= now
                else None
            ),
            minutes_form=forms.get("minutes_form")
            or (
                MinutesForm(initial={"minutes": meeting.minutes})
                if context["started"] and not meeting.minutes_published
                else None
            ),
            decision_form=forms.get("decision_form")
            or (
                DecisionForm(
                    items=page["items"],
                    voters=page["voters"],
                    owners=selectors.owner_choices(meeting, page["invitations"]),
                )
                if context["started"] and not meeting.minutes_published
                else None
            ),
            case_form=SpawnCaseForm(),
        )
        if meeting.ends_at >= now:
            # The code shown (projected or printed) at the meeting: only those there read its token.
            context["sign_in_url"] = request.build_absolute_uri(sign_in_path(meeting))
            context["sign_in_qr"] = sign_in_qr_svg(context["sign_in_url"])
        if can_commend(user, meeting) and context["started"]:
            context["commendation_form"] = forms.get("commendation_form") or CommendationForm(
                parties=selectors.commendation_parties(meeting)
            )
    # Before the minutes are published, an owner still sees the decisions they carry out.
    shown = [d for d in page["decisions"] if context["show_minutes"] or acts_for_owner(user, d)]
    context["decision_rows"] = [(d, ProgressForm() if can_report_progress(user, d) else None) for d in shown]
    return context


@login_required
def detail(request, pk: int):
    meeting = get_meeting_for_user(request.user, pk)
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


def _organised_meeting(request, pk: int):
    meeting = get_meeting_for_user(request.user, pk)
    if not organises(request.user, meeting):
        raise PermissionDenied
    return meeting


def _back(meeting, anchor: str):
    return redirect(f"{reverse('meetings:detail', args=[meeting.pk])}#{anchor}")


def _refused(request, meeting, error, **forms):
    """The meeting page again, with the reason beside the form that was refused (and its input)."""
    for form in forms.values():
        form.add_error(None, error)
    if not forms:
        messages.error(request, error.message)
    return render(
        request, "meetings/detail.html", _detail_context(request, meeting, **forms), status=http_status(error)
    )


@login_required
@require_POST
def invite(request, pk: int):
    meeting = _organised_meeting(request, pk)
    form = InviteForm(request.POST, organisations=selectors.invitable_organisations(meeting))
    if not form.is_valid():
        return render(
            request, "meetings/detail.html", _detail_context(request, meeting, invite_form=form), status=400
        )
    try:
        invited = services.meeting_invite(
            actor=request.user,
            meeting_id=meeting.pk,
            roles=form.cleaned_data["roles"],
            organisations=list(form.cleaned_data["organisations"]),
        )
    except services.MeetingError as error:
        return _refused(request, meeting, error, invite_form=form)
    messages.success(request, _("%(n)d more invited and told.") % {"n": len(invited)})
    return _back(meeting, "sign-in-sheet")


@login_required
@require_POST
def agenda(request, pk: int):
    meeting = _organised_meeting(request, pk)
    form = AgendaForm(request.POST, items=selectors.pending_agenda_items(meeting))
    if not form.is_valid():
        return render(
            request, "meetings/detail.html", _detail_context(request, meeting, agenda_form=form), status=400
        )
    data = form.cleaned_data
    try:
        services.agenda_add(
            actor=request.user,
            meeting_id=meeting.pk,
            agenda_item_id=data["agenda_item"],
            case_id=data["case"],
            title=data["title"],
            summary=data["summary"],
        )
    except services.MeetingError as error:
        return _refused(request, meeting, error, agenda_form=form)
    messages.success(request, _("On the agenda."))
    return _back(meeting, "agenda")


@login_required
@require_POST
def attendance(request, pk: int):
    meeting = _organised_meeting(request, pk)
    user_id = request.POST.get("user", "")
    if not user_id.isdigit():
        raise Http404
    try:
        invitation = services.meeting_sign_in(actor=request.user, meeting_id=meeting.pk, user_id=int(user_id))
    except services.MeetingError as error:
        return _refused(request, meeting, error)
    messages.success(request, _("%(name)s marked present.") % {"name": invitation.user})
    return _back(meeting, "sign-in-sheet")


@login_required
@require_POST
def minutes(request, pk: int):
    meeting = _organised_meeting(request, pk)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return render(
            request, "meetings/detail.html", _detail_context(request, meeting, minutes_form=form), status=400
        )
    publish = form.cleaned_data["publish"]
    try:
        services.meeting_minutes_save(
            actor=request.user, meeting_id=meeting.pk, minutes=form.cleaned_data["minutes"], publish=publish
        )
    except services.MeetingError as error:
        return _refused(request, meeting, error, minutes_form=form)
    messages.success(request, _("Minutes published.") if publish else _("Minutes saved."))
    return _back(meeting, "minutes")


@login_required
@require_POST
def decide(request, pk: int):
    meeting = _organised_meeting(request, pk)
    page = selectors.meeting_page(meeting)
    form = DecisionForm(
        request.POST,
        items=page["items"],
        voters=page["voters"],
        owners=selectors.owner_choices(meeting, page["invitations"]),
    )
    if not form.is_valid():
        return render(
            request, "meetings/detail.html", _detail_context(request, meeting, decision_form=form), status=400
        )
    data = form.cleaned_data
    try:
        services.decision_record(
            actor=request.user,
            meeting_id=meeting.pk,
            text=data["text"],
            method=data["method"],
            due_date=data["due_date"],
            owner_user=data["owner_user"],
            owner_organisation=data["owner_organisation"],
            agenda_item_id=data["agenda_item"],
            votes=data["votes"],
        )
    except services.MeetingError as error:
        return _refused(request, meeting, error, decision_form=form)
    messages.success(request, _("Decision recorded; its owner was told."))
    return _back(meeting, "decisions")


def _decision_for(request, pk: int, decision_id: int) -> Decision:
    meeting = get_meeting_for_user(request.user, pk)
    decision = meeting.decisions.filter(pk=decision_id).first()
    if decision is None:
        raise Http404
    return decision


@login_required
@require_POST
def progress(request, pk: int, decision_id: int):
    decision = _decision_for(request, pk, decision_id)
    if not can_report_progress(request.user, decision):
        raise PermissionDenied
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            services.decision_progress(
                actor=request.user,
                decision_id=decision.pk,
                note=form.cleaned_data["note"],
                done=form.cleaned_data["done"],
            )
        except services.MeetingError as error:
            return _refused(request, decision.meeting, error)
        messages.success(request, _("Progress recorded."))
    else:
        messages.error(request, " ".join(form.errors.get("note", [])))
    return _back(decision.meeting, f"decision-{decision.pk}")


@login_required
@require_POST
def spawn_case(request, pk: int, decision_id: int):
    decision = _decision_for(request, pk, decision_id)
    if not organises(request.user, decision.meeting):
        raise PermissionDenied
    form = SpawnCaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a category and give the case a title."))
        return _back(decision.meeting, f"decision-{decision.pk}")
    try:
        case = services.decision_spawn_case(
            actor=request.user,
            decision_id=decision.pk,
            category=form.cleaned_data["category"],
            title=form.cleaned_data["title"],
        )
    except services.MeetingError as error:
        return _refused(request, decision.meeting, error)
    messages.success(request, _("Case %(ref)s opened from the decision.") % {"ref": case.reference})
    return redirect("cases:detail", pk=case.pk)


@permission_page("meetings.supervise_decisions")
def overdue(request):
    """The supervision list's companion: decisions past their due date and not carried out."""
    return render(
        request,
        "meetings/overdue.html",
        {"decisions": selectors.overdue_decisions(request.user)[:200], "today": timezone.localdate()},
    )


@login_required
def sign_in(request, pk: int):
    """The invitee's phone page, reached by scanning the meeting's QR code: the meeting, and one
    button to sign in while it runs. Without the code's token it says where to find it."""
    meeting = get_meeting_for_user(request.user, pk)
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    invitation = meeting.invitations.filter(user=request.user).first()
    status = 200
    if request.method == "POST":
        try:
            services.meeting_sign_in(actor=request.user, meeting_id=meeting.pk, token=token)
        except services.MeetingError as error:
            messages.error(request, error.message)
            status = http_status(error)
        else:
            messages.success(request, _("Signed in. Welcome!"))
            return redirect("meetings:sign_in", pk=meeting.pk)
    return render(
        request,
        "meetings/sign_in.html",
        {
            "meeting": meeting,
            "invitation": invitation,
            "open": meeting.sign_in_open(),
            "token": token,
            "token_ok": sign_in_token_matches(meeting, token),
        },
        status=status,
    )


@login_required
@require_POST
def commend(request, pk: int):
    meeting = _organised_meeting(request, pk)
    form = CommendationForm(request.POST, parties=selectors.commendation_parties(meeting))
    if not form.is_valid():
        return render(
            request,
            "meetings/detail.html",
            _detail_context(request, meeting, commendation_form=form),
            status=400,
        )
    data = form.cleaned_data
    try:
        commendation = services.commendation_record(
            actor=request.user,
            meeting_id=meeting.pk,
            reason=data["reason"],
            volunteer=data["volunteer"],
            household=data["household"],
            group=data["group"],
        )
    except services.MeetingError as error:
        return _refused(request, meeting, error, commendation_form=form)
    messages.success(request, _("%(name)s commended.") % {"name": commendation.public_name})
    return _back(meeting, "commendations")


@permission_page("meetings.view_meetings")
def venues(request):
    """The meeting places of the user's communities on a map, and (for staff) adding one."""
    communities = list(
        Place.objects.filter(selectors.staff_communities_q(request.user), kind=PlaceKind.COMMUNITY).order_by(
            "code"
        )
    )
    form = VenueForm(request.POST or None, communities=communities) if communities else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                venue = services.venue_create(actor=request.user, **data)
            except services.MeetingError as error:
                form.add_error(error.field if error.field in form.fields else None, error)
                status = http_status(error)
            else:
                messages.success(request, _("%(name)s added.") % {"name": venue.name})
                return redirect("meetings:venues")
    rows = list(venues_visible_to(request.user).select_related("community")[:500])
    return render(
        request,
        "meetings/venues.html",
        {"venues": rows, "form": form, "map_config": selectors.venue_map_config(rows)},
        status=status,
    )


@permission_page("meetings.view_meetings")
def calendar(request):
    """A month of the meetings the user sees: a grid on a desk, a list of days on a phone."""
    form = MonthForm(request.GET)
    status = 200
    today = timezone.localdate()
    month = today.replace(day=1)
    if form.is_valid():
        month = form.cleaned_data["month"] or month
    else:
        status = 400
    weeks = selectors.month_calendar(meetings_visible_to(request.user), month.year, month.month)
    previous = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render(
        request,
        "meetings/calendar.html",
        {
            "form": form,
            "month": month,
            "weeks": weeks,
            "today": today,
            "previous": previous,
            "following": following,
            "has_meetings": any(day.meetings for week in weeks for day in week),
            "console": has_console_role(request.user),
        },
        status=status,
    )


def commendations(request, code: str):
    """A community's commendations, for anyone: masked volunteers, households by address, groups."""
    community = get_object_or_404(Place, code=code, kind=PlaceKind.COMMUNITY)
    rows = list(selectors.public_commendations(community)[:300])
    return render(request, "meetings/commendations.html", {"community": community, "commendations": rows})
