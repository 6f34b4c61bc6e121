"""Writes to the problem wall. Views, commands and the demo all go through these functions."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from huizhi.cases.models import Case, CaseEvent, Category
from huizhi.cases.notifications import notify
from huizhi.cases.services import CaseActionError, case_report, case_set_priority, case_transition
from huizhi.cases.services.common import clean_photos
from huizhi.cases.services.details import PRIORITY_MAX
from huizhi.cases.services.report import TITLE_MAX, locate
from huizhi.cases.states import Source
from huizhi.core.errors import Refusal
from huizhi.core.text import clean_plain_text, mask_typed_personal_numbers
from huizhi.places.kinds import PlaceKind
from huizhi.places.models import Place
from huizhi.wall import moderation, outbound
from huizhi.wall.models import (
    PUBLIC_STAGES,
    VISIBILITY_FIELDS,
    Claim,
    EchoNote,
    Post,
    PostEvent,
    PostPhoto,
    Response,
    ResponseTemplate,
    Stage,
    Support,
    TriageDecision,
)
from huizhi.wall.permissions import (
    can_claim_post,
    can_respond_to_post,
    can_triage_post,
    can_word_for,
    member_units_of,
    represents_post_place,
)

MAX_PHOTOS = 6
# New accounts may post a little; everyone a reasonable amount (spam rings open accounts in bulk).
NEW_ACCOUNT_AGE = timedelta(days=7)
NEW_ACCOUNT_POSTS_PER_DAY = 3
POSTS_PER_DAY = 20


class WallError(Refusal):
    """A refused wall action: not_allowed, wrong_state, already, own_post, rate_limited, outside, bad_input."""


def _text(value: str, label: str, max_length: int = 4000, required: bool = True) -> str:
    try:
        return clean_plain_text(value, label=label, max_length=max_length, required=required)
    except ValidationError as exc:
        raise WallError(" ".join(exc.messages)) from exc


def _event(post: Post, actor, action: str, note: str = "") -> None:
    PostEvent.objects.create(post=post, actor=actor, action=action, note=note)


def _save(post: Post, *fields: str) -> None:
    """Save the changed fields with the walls' flags, which every change of stage or answer may move."""
    post.save(update_fields=[*fields, *post.set_visibility(), "updated_at"])


def keep_visibility(event: CaseEvent) -> None:
    """A case keeper (huizhi.cases.outbound): when the case of a post changes state, the post's
    place on the walls follows, in the same transaction as the case.

    Only a case filed from the wall can belong to a post (triage files it with source WALL), and
    only a change of state (or its closing time, which moves with it) can move the post; other
    events cost no query. The post's `updated_at` is left alone: the post itself did not change."""
    case = event.case
    if not event.from_status or event.from_status == event.to_status or case.source != Source.WALL:
        return
    post = Post.objects.filter(case_id=case.pk).only("id", "stage", "answered_at", "case_id").first()
    if post is None:
        return  # the triage filing it links the post, and sets its flags, once the case is accepted
    post.set_visibility(case)
    Post.objects.filter(pk=post.pk).update(**{field: getattr(post, field) for field in VISIBILITY_FIELDS})


def _tell_author(post: Post, text: str) -> None:
    """An inbox line, and a text message once the change is committed (as the case loop does)."""
    notify([post.author_id], text, case_id=post.case_id, texted=[post.author])


def _check_posting_rate(actor) -> None:
    since = timezone.now() - timedelta(days=1)
    recent = Post.objects.filter(author=actor, created_at__gte=since).exclude(stage=Stage.DRAFT).count()
    new = actor.date_joined >= timezone.now() - NEW_ACCOUNT_AGE
    limit = NEW_ACCOUNT_POSTS_PER_DAY if new else POSTS_PER_DAY
    if recent >= limit:
        raise WallError(
            _(
                "You have posted %(count)d items in the last 24 hours, the most allowed for now. Try again tomorrow."
            )
            % {"count": recent},
            code="rate_limited",
        )


def _public_place(place: Place, lon: float | None, lat: float | None) -> Place:
    """What the public pages may name: the compound or building, never the room. A point on the
    map is named by the nearest compound of its grid (nearby items are then found, and shown,
    by that compound's position, never by the author's point)."""
    if place.kind == PlaceKind.UNIT:
        return place.parent
    if place.kind == PlaceKind.GRID and lon is not None and lat is not None:
        compounds = Place.objects.filter(parent=place, kind=PlaceKind.COMPOUND, lon__isnull=False)
        nearest = min(compounds, key=lambda c: (c.lon - lon) ** 2 + (c.lat - lat) ** 2, default=None)
        return nearest or place
    return place


@transaction.atomic
def post_draft(
    *,
    actor,
    category: Category,
    title: str,
    description: str,
    place: Place | None = None,
    lon: float | None = None,
    lat: float | None = None,
    photos=(),
) -> Post:
    """A checked, saved draft the author has not yet sent: nothing of it is public.

    Every field is validated (plain text, length, location in the street, real images) before
    anything is written, so a bad input saves nothing.
    """
    if not getattr(actor, "is_authenticated", False):
        raise WallError(_("Sign in with your mobile number to post."), code="not_allowed")
    if not category.is_subclass or not category.is_active:
        raise WallError(_("Choose a subclass of an active category."))
    title = _text(title, _("Title"), TITLE_MAX)
    description = _text(description, _("Description"))
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        raise WallError(_("At most %(n)d photos per post.") % {"n": MAX_PHOTOS})
    try:
        place, _grid, community = locate(place, lon, lat)
        cleaned = clean_photos(photos)
    except CaseActionError as exc:
        raise WallError(" ".join(exc.messages), code=exc.code) from exc
    if community is None:
        raise WallError(_("That location is not in any community of the street."), code="outside")
    _check_posting_rate(actor)
    # One draft at a time: an abandoned one goes with its photos, so drafts cannot pile up.
    for stale in Post.objects.filter(author=actor, stage=Stage.DRAFT):
        _drop_draft(stale)
    shown = _public_place(place, lon, lat)
    post = Post.objects.create(
        community=community,
        place=shown,
        place_code=shown.code,
        lon=lon if lon is not None else place.lon,
        lat=lat if lat is not None else place.lat,
        category=category,
        title=title,
        description=description,
        author=actor,
        stage=Stage.DRAFT,
        fingerprint=moderation.fingerprint(description),
    )
    for content in cleaned:
        photo = PostPhoto(post=post)
        photo.image.save(content.name, content, save=False)
        photo.save()
    return post


def _own_draft(actor, post_id: int) -> Post:
    post = Post.objects.select_for_update().filter(pk=post_id, author=actor, stage=Stage.DRAFT).first()
    if post is None:
        raise WallError(_("This draft has already been sent or withdrawn."), code="wrong_state")
    return post


@transaction.atomic
def post_submit(*, actor, post_id: int) -> Post:
    """Send a draft: published at once, or held for a moderator when the text looks like spam."""
    post = _own_draft(actor, post_id)
    _check_posting_rate(actor)
    reasons = moderation.hold_reasons(
        title=post.title,
        description=post.description,
        post_fingerprint=post.fingerprint,
        exclude_post_id=post.pk,
    )
    now = timezone.now()
    post.held_because = reasons
    if reasons:
        post.stage = Stage.HELD
        _save(post, "stage", "held_because")
        _event(post, actor, "held", ", ".join(str(moderation.HOLD_REASONS[r]) for r in reasons))
    else:
        post.stage, post.published_at = Stage.OPEN, now
        _save(post, "stage", "held_because", "published_at")
        _event(post, actor, "published")
    return post


@transaction.atomic
def post_withdraw_draft(*, actor, post_id: int) -> None:
    """The author drops a draft (e.g. to support a nearby item instead); its photos go with it."""
    _drop_draft(_own_draft(actor, post_id))


def _drop_draft(post: Post) -> None:
    for photo in post.photos.all():
        photo.image.delete(save=False)
    post.delete()


def post_support(*, actor, post_id: int) -> Post:
    """附议: one per resident per post; the count raises the post's (and its case's) priority."""
    if not getattr(actor, "is_authenticated", False):
        raise WallError(_("Sign in with your mobile number to support an item."), code="not_allowed")
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id, stage__in=PUBLIC_STAGES).first()
        if post is None:
            raise WallError(_("This item is not on the wall."), code="not_found")
        if post.author_id == actor.pk:
            raise WallError(_("You posted this item; your support is already counted."), code="own_post")
        try:
            with transaction.atomic():
                Support.objects.create(post=post, user=actor)
        except IntegrityError as exc:
            raise WallError(_("You already support this item."), code="already") from exc
        Post.objects.filter(pk=post.pk).update(supports_count=F("supports_count") + 1)
        post.refresh_from_db(fields=["supports_count"])
        if post.case_id:
            # Unnamed on the case's timeline: who supports an item is not shown on the wall either.
            _prioritise(post.case_id, post, actor=None)
    return post


@transaction.atomic
def post_support_instead(*, actor, draft_id: int, post_id: int) -> Post:
    """Support a nearby item instead of sending one's own draft: both or neither."""
    supported = post_support(actor=actor, post_id=post_id)
    _drop_draft(_own_draft(actor, draft_id))
    return supported


def _prioritise(case_id: int, post: Post, *, actor) -> Case:
    """A case made from a post is as urgent as the neighbours who support it (up to the field's limit)."""
    return case_set_priority(
        actor=actor,
        case_id=case_id,
        priority=min(post.supports_count, PRIORITY_MAX),
        reason=_("%(count)d neighbours support it on the wall.") % {"count": post.supports_count},
    )


def _staff_post(actor, post_id: int, stages) -> Post:
    post = Post.objects.select_for_update().select_related("community", "category").filter(pk=post_id).first()
    if post is None or not can_triage_post(actor, post):
        raise WallError(_("You cannot triage this item."), code="not_allowed")
    if post.stage not in stages:
        raise WallError(_("This item has already been dealt with."), code="wrong_state")
    return post


@transaction.atomic
def post_moderate(*, actor, post_id: int, publish: bool, reason: str = "") -> Post:
    """A moderator publishes a held post (its photos seen), or rejects it with a reason the author sees."""
    post = _staff_post(actor, post_id, (Stage.HELD,))
    if publish:
        post.stage, post.published_at, post.photos_public = Stage.OPEN, timezone.now(), True
        _save(post, "stage", "published_at", "photos_public")
        _event(post, actor, "published_by_moderator")
        return post
    return _reject(post, actor, reason)


def _reject(post: Post, actor, reason: str) -> Post:
    reason = _text(reason, _("Reason"), 400)
    post.stage, post.rejection_reason, post.triaged_by = Stage.REJECTED, reason, actor
    _save(post, "stage", "rejection_reason", "triaged_by")
    _event(post, actor, "rejected", reason)
    _tell_author(
        post,
        _("%(ref)s “%(title)s” was not published: %(reason)s")
        % {"ref": post.reference, "title": post.title[:40], "reason": reason},
    )
    return post


def _photo_files(post: Post) -> list[ContentFile]:
    files = []
    for photo in post.photos.all():
        with photo.image.open("rb") as handle:
            files.append(ContentFile(handle.read(), name=photo.image.name.rsplit("/", 1)[-1]))
    return files


@transaction.atomic
def post_triage(
    *,
    actor,
    post_id: int,
    outcome: str,
    text: str,
    show_photos: bool = True,
    category: Category | None = None,
) -> Post:
    """Community staff decide what a published post becomes: a case, an agenda item, a direct
    answer (on the echo wall at once) or a rejection with a reason the author sees."""
    if outcome not in TriageDecision.values:
        raise WallError(_("Choose what this item becomes."))
    post = _staff_post(actor, post_id, (Stage.OPEN,))
    if outcome == TriageDecision.REJECT:
        return _reject(post, actor, text)
    text = _text(text, _("Response"))
    post.photos_public, post.triaged_by = show_photos, actor
    if outcome == TriageDecision.CASE:
        message = _triage_to_case(post, actor, text, category)
    elif outcome == TriageDecision.AGENDA:
        message = _triage_to_agenda(post)
    else:
        message = _triage_answer(post, actor, text)
    _save(post, "stage", "case", "answered_at", "photos_public", "triaged_by")
    if outcome == TriageDecision.AGENDA:
        outbound.announce(outbound.PostEvent(action="agenda", post=post, actor=actor, note=text))
    _event(post, actor, f"triage_{outcome}", text)
    _tell_triaged(post, message, text)
    return post


def _triage_to_case(post: Post, actor, text: str, category: Category | None) -> str:
    """The post filed as an accepted case, prioritised by its supports; the author's message."""
    try:
        # The resident is the reporter: they are told of every step and rate the result.
        case = case_report(
            actor=post.author,
            category=category or post.category,
            title=post.title,
            description=post.description,
            source=Source.WALL,
            place=post.place,
            lon=post.lon,
            lat=post.lat,
            photos=_photo_files(post),
        )
        case = case_transition(actor=actor, case_id=case.pk, action="accept", note=text)
        case = _prioritise(case.pk, post, actor=actor)
    except CaseActionError as exc:
        raise WallError(" ".join(exc.messages), code=exc.code) from exc
    post.stage, post.case = Stage.CASE, case
    return _("%(ref)s “%(title)s” is now case %(case)s: %(text)s")


def _triage_to_agenda(post: Post) -> str:
    # The meetings app puts the item on the community's agenda (it subscribes when ready);
    # without it, "on a meeting agenda" would be a promise nothing keeps.
    if not outbound.has_subscribers():
        raise WallError(_("Consultation meetings are not set up."), code="not_available")
    post.stage = Stage.AGENDA
    return _("%(ref)s “%(title)s” goes to a consultation meeting: %(text)s")


def _triage_answer(post: Post, actor, text: str) -> str:
    """The community's answer, on the echo wall at once."""
    Response.objects.create(
        post=post,
        responder=Response.Responder.COMMUNITY,
        name=post.community.name,
        text=text,
        author=actor,
    )
    post.stage, post.answered_at = Stage.ANSWERED, timezone.now()
    return _("%(ref)s “%(title)s” was answered: %(text)s")


def _tell_triaged(post: Post, message: str, text: str) -> None:
    _tell_author(
        post,
        message
        % {
            "ref": post.reference,
            "title": post.title[:40],
            "text": text[:120],
            "case": post.case.reference if post.case_id else "",
        },
    )


@transaction.atomic
def post_claim(*, actor, post_id: int, organisation=None) -> Claim:
    """认领: a representative (under their own name) or a member unit (under the unit's name)."""
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None or not can_claim_post(actor, post):
        raise WallError(_("You cannot claim this item."), code="not_allowed")
    units = member_units_of(actor)
    if organisation is not None and organisation not in units:
        raise WallError(_("You do not act for that unit."), code="not_allowed")
    if organisation is None and units and not represents_post_place(actor, post):
        organisation = units[0]
    name = organisation.name if organisation is not None else str(actor)
    claim, created = Claim.objects.get_or_create(
        post=post, user=actor, defaults={"organisation": organisation, "name": name}
    )
    if not created:
        raise WallError(_("You have already claimed this item."), code="already")
    _event(post, actor, "claimed", name)
    _tell_author(
        post,
        _("%(ref)s “%(title)s” was taken on by %(name)s.")
        % {"ref": post.reference, "title": post.title[:40], "name": name},
    )
    return claim


@transaction.atomic
def post_respond(*, actor, post_id: int, text: str) -> Response:
    """The claimant's answer, shown on the echo wall under the claim's name."""
    post = Post.objects.select_for_update().filter(pk=post_id, stage__in=PUBLIC_STAGES).first()
    if post is None or not can_respond_to_post(actor, post):
        raise WallError(_("Claim the item before answering it."), code="not_allowed")
    text = _text(text, _("Response"))
    claim = post.claims.get(user=actor)
    responder = Response.Responder.MEMBER_UNIT if claim.organisation_id else Response.Responder.REPRESENTATIVE
    response = Response.objects.create(
        post=post, responder=responder, name=claim.name, text=text, author=actor
    )
    if post.answered_at is None:
        post.answered_at = timezone.now()
        _save(post, "answered_at")
    _event(post, actor, "responded", text)
    _tell_author(
        post,
        _("%(ref)s “%(title)s”: %(name)s answered: %(text)s")
        % {"ref": post.reference, "title": post.title[:40], "name": claim.name, "text": text[:120]},
    )
    return response


def echo_note_publish(*, actor, community: Place, name: str, text: str) -> EchoNote:
    """A line on the community's echo wall that answers no single item (a free topic's decision, a
    project's progress). The caller's service has decided the actor may publish it; the wall keeps
    the text plain and masks any mobile or ID number typed into it, as on every public page."""
    if community is None or community.kind != PlaceKind.COMMUNITY:
        raise WallError(_("Echo wall notes belong to a community."), code="bad_input")
    text = mask_typed_personal_numbers(_text(text, _("Response")))
    name = mask_typed_personal_numbers(_text(name, _("Shown as"), max_length=120))
    return EchoNote.objects.create(community=community, name=name, text=text, author=actor)


@transaction.atomic
def post_meeting_outcome(*, actor, post_id: int, name: str, text: str) -> Response:
    """What a consultation meeting decided about an item it took up, and how far that has got:
    shown on the echo wall under the meeting's name, and told to the author."""
    post = Post.objects.select_for_update().filter(pk=post_id, stage=Stage.AGENDA).first()
    if post is None:
        raise WallError(_("This item is not on a meeting agenda."), code="wrong_state")
    text = _text(text, _("Response"))
    response = Response.objects.create(
        post=post, responder=Response.Responder.COMMUNITY, name=name[:120], text=text, author=actor
    )
    if post.answered_at is None:
        post.answered_at = timezone.now()
        _save(post, "answered_at")
    _event(post, actor, "responded", text)
    _tell_author(
        post,
        _("%(ref)s “%(title)s”: %(name)s: %(text)s")
        % {"ref": post.reference, "title": post.title[:40], "name": name, "text": text[:120]},
    )
    return response


def template_texts(*, community: Place, category: Category) -> dict[str, str]:
    """The wording to start from, per outcome: the community's own before the street's, the
    subclass's before its class's before any category's."""
    candidates = ResponseTemplate.objects.filter(
        Q(community=community) | Q(community__isnull=True),
        Q(category__isnull=True) | Q(category_id__in=[category.pk, category.parent_id]),
    )

    def rank(template: ResponseTemplate) -> tuple[int, int]:
        specificity = {category.pk: 0, category.parent_id: 1}.get(template.category_id, 2)
        return (0 if template.community_id else 1, specificity)

    texts: dict[str, str] = {}
    for template in sorted(candidates, key=rank, reverse=True):
        texts[template.outcome] = template.text  # the best-ranked comes last and wins
    return {outcome: texts.get(outcome, "") for outcome in TriageDecision.values}


@transaction.atomic
def response_template_save(*, actor, template: ResponseTemplate) -> ResponseTemplate:
    """Save wording the actor may keep, both where it was and where it goes (no taking over the
    street's wording by moving it into one's own community)."""
    if template.pk is not None:
        before = ResponseTemplate.objects.select_related("community").get(pk=template.pk)
        if not can_word_for(actor, before.community):
            raise WallError(_("You cannot change this wording."), code="not_allowed")
    if not can_word_for(actor, template.community):
        raise WallError(_("You cannot change this wording."), code="not_allowed")
    template.text = _text(template.text, _("Wording"))
    template.save()
    return template
