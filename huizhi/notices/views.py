"""Notices pages: the staff list and form, withdrawing, the public list per community, and the
resident's "follow my area" page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.core.errors import http_status
from huizhi.core.pagination import page_of, query_prefix, search_text
from huizhi.notices import selectors, services
from huizhi.notices.forms import NoticeForm, TextsForm
from huizhi.notices.models import NoticePreference
from huizhi.notices.permissions import followable_places, get_notice_for_user, notices_visible_to
from huizhi.places.models import Place

# Notices a page of the staff list shows.
PAGE_SIZE = 100


@permission_page("notices.publish")
def console(request):
    query = search_text(request)
    page = page_of(
        selectors.console_notices(notices_visible_to(request.user), query), request.GET.get("page"), PAGE_SIZE
    )
    now = timezone.now()
    rows = [(notice, notice.state_at(now)) for notice in page.object_list]
    return render(
        request,
        "notices/console.html",
        {"rows": rows, "page": page, "query": query, "query_prefix": query_prefix(request)},
    )


@permission_page("notices.publish")
def new(request):
    places = selectors.publishing_places(request.user)
    initial = {"valid_from": timezone.localtime().replace(second=0, microsecond=0)}
    form = NoticeForm(request.POST or None, places=places, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.notice_publish(
                    actor=request.user,
                    place=data["target"],
                    title=data["title"],
                    body=data["body"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    by_sms=data["by_sms"],
                )
            except services.NoticeError as error:
                form.add_error(None, error)
                status = http_status(error)
            else:
                messages.success(request, _("Notice published. The residents there are being told."))
                return redirect("notices:console")
    return render(request, "notices/new.html", {"form": form}, status=status)


@permission_page("notices.publish")
@require_POST
def withdraw(request, pk: int):
    notice = get_notice_for_user(request.user, pk)
    try:
        services.notice_withdraw(actor=request.user, notice_id=notice.pk)
    except services.NoticeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Notice withdrawn."))
    return redirect("notices:console")


def public(request, code: str):
    """A community's current notices, for anyone: no names, no numbers, nothing of the recipients."""
    community = selectors.public_community(code)
    return render(
        request,
        "notices/public.html",
        {"community": community, "notices": selectors.current_notices(community)},
    )


@login_required(login_url="wall:login")
def my_areas(request):
    """Follow one's home's compound or building, and choose whether notices come by text too."""
    places = followable_places(request.user)
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if request.POST.get("action") == "texts":
                form = TextsForm(request.POST)
                form.is_valid()
                services.notice_texts_set(actor=request.user, texts=form.cleaned_data.get("texts", False))
                messages.success(request, _("Saved."))
            else:
                place = Place.objects.filter(pk=_int(request.POST.get("place"))).first()
                if request.POST.get("action") == "unfollow" and place is not None:
                    services.place_unfollow(actor=request.user, place=place)
                    messages.success(request, _("You no longer follow %(place)s.") % {"place": place.name})
                else:
                    services.place_follow(actor=request.user, place=place)
                    messages.success(request, _("You now follow %(place)s.") % {"place": place.name})
        except services.NoticeError as error:
            messages.error(request, error.message)
            status = http_status(error)
        else:
            return redirect("notices:my_areas")
    follows = selectors.follows_of(request.user)
    preference = NoticePreference.objects.filter(user=request.user).first()
    return render(
        request,
        "notices/my_areas.html",
        {
            "rows": [(place, place.pk in follows) for place in places],
            "texts_form": TextsForm(initial={"texts": bool(preference and preference.texts)}),
            "has_mobile": bool(request.user.mobile),
        },
        status=status,
    )


def _int(value) -> int | None:
    # Few enough digits for an id: int() refuses a few thousand outright.
    return int(value) if value and value.isascii() and value.isdigit() and len(value) <= 18 else None
