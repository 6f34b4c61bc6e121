from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huizhi.accounts.decorators import permission_page
from huizhi.accounts.middleware import SIGNED_IN_BY_CODE
from huizhi.accounts.otp import LoginCodeError, login_code_send, login_code_verify
from huizhi.cases.forms import RatingForm
from huizhi.cases.models import Category
from huizhi.cases.permissions import can_rate_case
from huizhi.core.clientip import client_ip
from huizhi.core.errors import http_status
from huizhi.core.pagination import paginate_by_ids, query_prefix
from huizhi.core.photos import photo_response
from huizhi.core.privatecache import public_when_anonymous
from huizhi.core.redirects import safe_next
from huizhi.intake.services.suggestions import suggest
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.places.selectors import compounds_in, grid_map_config
from huizhi.wall import selectors, services
from huizhi.wall.forms import (
    CodeForm,
    MobileForm,
    ModerationForm,
    PostForm,
    ResponseForm,
    ResponseTemplateForm,
    TriageForm,
)
from huizhi.wall.models import Post, PostPhoto, Stage
from huizhi.wall.permissions import (
    can_view_post_photo,
    can_word_for,
    posts_to_triage_for,
    templates_visible_to,
    wording_communities_of,
)

PAGE_SIZE = 20
resident_page = login_required(login_url="wall:login")


def _community(code: str) -> Place:
    return get_object_or_404(Place, kind=PlaceKind.COMMUNITY, code=code)


def _wall_context(request, community: Place, queryset_for):
    wall_filter = selectors.WallFilter(
        compound=request.GET.get("compound", "")[:32], category=request.GET.get("category", "")[:4]
    )
    posts = selectors.with_public_details(queryset_for(community, wall_filter))
    page = paginate_by_ids(posts, request.GET.get("page"), PAGE_SIZE)
    return {
        "community": community,
        "page": page,
        "filter": wall_filter,
        "compounds": compounds_in(community).order_by("name"),
        "classes": Category.objects.filter(parent__isnull=True, is_active=True).order_by("code"),
        "query_prefix": query_prefix(request),
        "now": timezone.now(),
    }


@public_when_anonymous
def index(request):
    return render(request, "wall/index.html", {"communities": selectors.public_communities()})


@public_when_anonymous
def wall(request, code: str):
    context = _wall_context(request, _community(code), selectors.wall_posts)
    return render(request, "wall/wall.html", context)


@public_when_anonymous
def echo(request, code: str):
    context = _wall_context(request, _community(code), selectors.echo_posts)
    context["outcomes"] = selectors.case_outcomes(context["page"].object_list)
    # The notes that answer no single item head the first page only.
    first_page = context["page"].number == 1
    context["notes"] = selectors.echo_notes(context["community"]) if first_page else []
    return render(request, "wall/echo.html", context)


def item(request, pk: int):
    return _render_item(request, selectors.get_public_post(pk))


def _render_item(request, post: Post, response_form: ResponseForm | None = None, status: int = 200):
    user = request.user
    claims = list(post.claims.all())
    claimed = any(claim.user_id == user.pk for claim in claims)
    if claimed and response_form is None:
        response_form = ResponseForm()
    return render(
        request,
        "wall/item.html",
        {
            "post": post,
            "outcomes": selectors.case_outcomes([post]),
            "history": selectors.post_history(post, for_author=False),
            "claims": claims,
            "can_claim": user.is_authenticated and not claimed and user.has_perm("wall.claim_post", post),
            "response_form": response_form if claimed else None,
            "supported": user.is_authenticated and post.supports.filter(user=user).exists(),
            "now": timezone.now(),
        },
        status=status,
    )


def photo(request, pk: int):
    """A 'before' photo: public once the post is public and its photos were seen by staff."""
    photo = get_object_or_404(PostPhoto.objects.select_related("post"), pk=pk)
    if not can_view_post_photo(request.user, photo.post):
        raise Http404
    return photo_response(photo.image, public=photo.post.photos_are_public)


def after_photo(request, pk: int):
    photo = selectors.public_case_photo(pk)
    if photo is None:
        raise Http404
    return photo_response(photo.image, public=True)


# Residents: sign in by text code, post, support, follow and rate.


# The session keeps the keyed hash of the number a code was sent to, never the number itself.
PENDING_SIGN_IN = "wall_login_mobile_hash"


def sign_in(request):
    pending = request.session.get(PENDING_SIGN_IN, "")
    mobile_form, code_form = MobileForm(), CodeForm()
    status = 200
    if request.method == "POST" and request.POST.get("step") == "send":
        mobile_form = MobileForm(request.POST)
        if mobile_form.is_valid():
            try:
                pending = login_code_send(mobile=mobile_form.cleaned_data["mobile"], ip=client_ip(request))
            except LoginCodeError as error:
                mobile_form.add_error("mobile", error.message)
                status = error.status
            else:
                request.session[PENDING_SIGN_IN] = pending
                messages.success(request, _("A code was sent to your mobile. It is valid for 5 minutes."))
        else:
            status = 400
    elif request.method == "POST" and request.POST.get("step") == "verify":
        code_form = CodeForm(request.POST)
        if not pending:
            messages.error(request, _("Ask for a code first."))
            status = 400
        elif code_form.is_valid():
            try:
                user = login_code_verify(mobile_hash=pending, code=code_form.cleaned_data["code"])
            except LoginCodeError as error:
                code_form.add_error("code", error.message)
                status = error.status
            else:
                request.session.pop(PENDING_SIGN_IN, None)
                login(request, user, backend="huizhi.accounts.backends.UsernameOrMobileBackend")
                request.session[SIGNED_IN_BY_CODE] = True
                return redirect(safe_next(request, reverse("wall:mine")))
        else:
            status = 400
    return render(
        request,
        "wall/sign_in.html",
        {
            "mobile_form": mobile_form,
            "code_form": code_form,
            "mobile": bool(pending),  # the template shows the code step once a code was sent
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
        status=status,
    )


@resident_page
def new_post(request):
    form = PostForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = services.post_draft(
                    actor=request.user,
                    category=data["category"],
                    title=data["title"],
                    description=data["description"],
                    place=data["place"],
                    lon=data["lon"],
                    lat=data["lat"],
                    photos=data["photos"],
                )
            except services.WallError as error:
                form.add_error(None, error.message)
                status = http_status(error)
            else:
                nearby = selectors.nearby_open_posts(
                    category=post.category, lon=post.lon, lat=post.lat, exclude_id=post.pk
                )
                if nearby:
                    return redirect("wall:draft", pk=post.pk)
                return _submit(request, post.pk)
    return render(request, "wall/post.html", {"form": form, "map_config": _post_map_config()}, status=status)


def _post_map_config() -> dict:
    # Grid outlines only: they are public and name no one's home.
    grids = Place.objects.filter(kind=PlaceKind.GRID).exclude(boundary=None).only("boundary")
    return grid_map_config(grids, links=False, pick_form="report-form")


def _submit(request, post_id: int):
    try:
        post = services.post_submit(actor=request.user, post_id=post_id)
    except services.WallError as error:
        messages.error(request, error.message)
        return redirect("wall:mine")
    if post.stage == Stage.HELD:
        messages.warning(request, _("Thank you. Your post will appear once a moderator has looked at it."))
    else:
        messages.success(
            request, _("Posted as %(ref)s. Neighbours can now see and support it.") % {"ref": post.reference}
        )
    return redirect("wall:my_post", pk=post.pk)


@resident_page
def draft(request, pk: int):
    """Before sending: open items of the same kind nearby, to support one instead of repeating it."""
    post = get_object_or_404(Post, pk=pk, author=request.user, stage=Stage.DRAFT)
    if request.method == "POST":
        support_id = request.POST.get("support", "")
        if support_id.isdigit():
            try:
                supported = services.post_support_instead(
                    actor=request.user, draft_id=post.pk, post_id=int(support_id)
                )
            except services.WallError as error:
                messages.error(request, error.message)
                return redirect("wall:draft", pk=post.pk)
            messages.success(
                request,
                _("You now support “%(title)s”; your draft was dropped.") % {"title": supported.title},
            )
            return redirect("wall:item", pk=supported.pk)
        if request.POST.get("discard"):
            services.post_withdraw_draft(actor=request.user, post_id=post.pk)
            messages.info(request, _("Draft discarded."))
            return redirect("wall:mine")
        return _submit(request, post.pk)
    nearby = selectors.nearby_open_posts(
        category=post.category, lon=post.lon, lat=post.lat, exclude_id=post.pk
    )
    return render(request, "wall/draft.html", {"post": post, "nearby": nearby})


@require_POST
def support(request, pk: int):
    if not request.user.is_authenticated:
        # After the code, come back to the item (the support address itself takes only POST).
        return redirect_to_login(reverse("wall:item", args=[pk]), login_url=reverse("wall:login"))
    try:
        services.post_support(actor=request.user, post_id=pk)
    except services.WallError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: your support was counted."))
    return redirect("wall:item", pk=pk)


@resident_page
def mine(request):
    return render(
        request, "wall/mine.html", {"posts": selectors.my_posts(request.user), "now": timezone.now()}
    )


@resident_page
def my_post(request, pk: int):
    post = get_object_or_404(selectors.my_posts(request.user), pk=pk)
    case = post.case
    return render(
        request,
        "wall/my_post.html",
        {
            "post": post,
            "responses": list(post.responses.all()),
            "history": selectors.post_history(post, for_author=True),
            "rating_form": RatingForm() if case and can_rate_case(request.user, case) else None,
            "photos": list(post.photos.all()),
        },
    )


# Representatives and member units: claim and answer.


@login_required
@require_POST
def claim(request, pk: int):
    try:
        services.post_claim(actor=request.user, post_id=pk)
    except services.WallError as error:
        if error.code == "not_allowed":
            raise PermissionDenied from error
        messages.error(request, error.message)
    else:
        messages.success(request, _("Claimed. Your response will show under your name on the echo wall."))
    return redirect("wall:item", pk=pk)


@login_required
@require_POST
def respond(request, pk: int):
    """A claimant's answer; a refused one comes back with the text kept and the reason shown."""
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.post_respond(actor=request.user, post_id=pk, text=form.cleaned_data["text"])
        except services.WallError as error:
            if error.code == "not_allowed":
                raise PermissionDenied from error
            form.add_error("text", error.message)
        else:
            messages.success(request, _("Your response is on the echo wall."))
            return redirect("wall:item", pk=pk)
    return _render_item(request, selectors.get_public_post(pk), response_form=form, status=400)


# Community staff: moderation and triage.


@permission_page("wall.triage")
def queue(request):
    stage = Stage.HELD if request.GET.get("stage") == Stage.HELD else Stage.OPEN
    posts = posts_to_triage_for(request.user)
    queue = selectors.triage_queue(posts, stage).select_related("place__parent", "category", "community")
    page = paginate_by_ids(queue, request.GET.get("page"), 50)
    return render(
        request,
        "wall/queue.html",
        {
            "page": page,
            "stage": stage,
            "counts": selectors.triage_counts(posts),
        },
    )


def _post_to_triage(request, pk: int) -> Post:
    post = get_object_or_404(
        posts_to_triage_for(request.user).select_related("community", "category", "place__parent", "author"),
        pk=pk,
    )
    return post


@permission_page("wall.triage")
def triage(request, pk: int):
    post = _post_to_triage(request, pk)
    triage_form = TriageForm(request.POST or None) if post.stage == Stage.OPEN else None
    moderation_form = ModerationForm(request.POST or None) if post.stage == Stage.HELD else None
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if triage_form is not None and triage_form.is_valid():
                data = triage_form.cleaned_data
                services.post_triage(
                    actor=request.user,
                    post_id=post.pk,
                    outcome=data["outcome"],
                    text=data["text"],
                    show_photos=data["show_photos"],
                    category=data["category"],
                )
                messages.success(request, _("Done: %(ref)s.") % {"ref": post.reference})
                return redirect(f"{reverse('wall:queue')}")
            if moderation_form is not None and moderation_form.is_valid():
                data = moderation_form.cleaned_data
                services.post_moderate(
                    actor=request.user,
                    post_id=post.pk,
                    publish=data["decision"] == "publish",
                    reason=data["reason"],
                )
                messages.success(request, _("Done: %(ref)s.") % {"ref": post.reference})
                return redirect(f"{reverse('wall:queue')}?stage=held")
        except services.WallError as error:
            form = triage_form or moderation_form
            if form is not None:
                form.add_error(None, error.message)
            else:
                messages.error(request, error.message)
            status = http_status(error)
    templates = services.template_texts(community=post.community, category=post.category)
    return render(
        request,
        "wall/triage.html",
        {
            "post": post,
            "photos": list(post.photos.all()),
            "triage_form": triage_form,
            "moderation_form": moderation_form,
            "templates": templates,
            # Intake's reading of the post, offered above the case's category (posted is not always right).
            "suggestions": suggest(post.title, post.description, post.place) if triage_form else None,
            "nearby": selectors.nearby_open_posts(
                category=post.category, lon=post.lon, lat=post.lat, exclude_id=post.pk
            ),
        },
        status=status,
    )


@permission_page("wall.edit_templates")
def templates(request, pk: int | None = None):
    communities = wording_communities_of(request.user)
    listed = templates_visible_to(request.user).select_related("community", "category")
    instance = None
    if pk is not None:
        instance = get_object_or_404(listed, pk=pk)
        if not can_word_for(request.user, instance.community):
            raise PermissionDenied
    form = ResponseTemplateForm(request.POST or None, instance=instance, communities=communities)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.response_template_save(actor=request.user, template=form.save(commit=False))
            except services.WallError as error:
                form.add_error(None, error.message)
                status = http_status(error)
            else:
                messages.success(request, _("Wording saved."))
                return redirect("wall:templates")
    return render(
        request,
        "wall/templates.html",
        {
            "form": form,
            # Street-wide wording is shown to community staff, but only the street changes it.
            "templates": [(t, can_word_for(request.user, t.community)) for t in listed],
            "editing": instance,
        },
        status=status,
    )
