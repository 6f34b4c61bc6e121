from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from huizhi.cases.states import OPEN_STATUSES
from huizhi.cases.states import Status as CaseStatus


class Stage(models.TextChoices):
    """Where a post is on the resident's side of the loop (DESIGN §5)."""

    DRAFT = "draft", _("draft")  # written, waiting for the author to look at nearby items
    HELD = "held", _("held for moderation")
    OPEN = "open", _("waiting for the community")
    CASE = "case", _("being handled")
    AGENDA = "agenda", _("on a meeting agenda")
    ANSWERED = "answered", _("answered")
    REJECTED = "rejected", _("rejected")


# Stages a published post can be in: what the public may open.
PUBLIC_STAGES = (Stage.OPEN, Stage.CASE, Stage.AGENDA, Stage.ANSWERED)


class TriageDecision(models.TextChoices):
    """The four ways staff triage a post."""

    CASE = "case", _("make it a case")
    AGENDA = "agenda", _("put it on a meeting agenda")
    ANSWER = "answer", _("answer it directly")
    REJECT = "reject", _("reject it")


# Which wall a post is on, by the rule both walls follow (read through the case's state). The
# flags below store its answer on the post, so that the walls read an index of their own instead
# of joining every post of a community to its case (194 ms at a million cases; 0.08 ms stored).
# These Q objects are the rule itself: the tests hold the flags to them.
ON_WALL_RULE = Q(stage__in=(Stage.OPEN, Stage.AGENDA)) | Q(stage=Stage.CASE, case__status__in=OPEN_STATUSES)
ON_ECHO_RULE = Q(stage__in=PUBLIC_STAGES, answered_at__isnull=False) | Q(
    stage=Stage.CASE, case__status=CaseStatus.CLOSED
)
VISIBILITY_FIELDS = ("shown_on_wall", "shown_on_echo", "echoed_at")


class PostQuerySet(models.QuerySet):
    def on_wall(self) -> "PostQuerySet":
        """Open public items: waiting, on an agenda, or a case still being worked."""
        return self.filter(shown_on_wall=True)

    def on_echo_wall(self) -> "PostQuerySet":
        """Answered items (a direct answer or a claimant's response) and cases closed."""
        return self.filter(shown_on_echo=True)


class Post(models.Model):
    """A resident's item on the problem wall. Public pages show it without its author or exact spot."""

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # The compound or building shown publicly; the exact point stays private (it routes the case).
    place = models.ForeignKey(
        "places.Place", verbose_name=_("compound or building"), on_delete=models.PROTECT, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="wall_posts",
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.DRAFT)
    held_because = models.JSONField(_("held because"), default=list, blank=True)
    # A digest of the normalised text, so the same text posted again is noticed (spam rings).
    fingerprint = models.CharField(_("text fingerprint"), max_length=64, db_index=True, editable=False)
    photos_public = models.BooleanField(_("photos shown publicly"), default=False)
    supports_count = models.PositiveIntegerField(_("supports"), default=0)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="post",
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=400, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The walls' rule (ON_WALL_RULE, ON_ECHO_RULE) stored: set by the wall's services with every
    # change of the post, and through the case loop's keepers (huizhi.cases.outbound) in the
    # transaction of every change of its case's state, so never stale.
    shown_on_wall = models.BooleanField(_("on the problem wall"), default=False, editable=False)
    shown_on_echo = models.BooleanField(_("on the echo wall"), default=False, editable=False)
    # The echo wall's order: the direct answer's time, else the time its case closed.
    echoed_at = models.DateTimeField(_("answered or closed at"), null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("wall post")
        verbose_name_plural = _("wall posts")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="post_stage_valid"),
        ]
        indexes = [
            # The public wall: a community's posts in some stages, newest first.
            models.Index(fields=["community", "stage", "published_at"]),
            models.Index(fields=["community", "answered_at"]),
            models.Index(fields=["category", "stage"]),
            models.Index(fields=["author", "created_at"]),
            # The statistics: a place's posts published in a period, with what says when each was
            # answered, read from the index alone (huizhi.stats.metrics.wall_figures).
            models.Index(
                fields=["place_code", "published_at"],
                include=["answered_at", "echoed_at"],
                name="post_place_published",
            ),
            # Each wall, newest first: only the posts on it are in its index.
            models.Index(
                fields=["community", "-published_at", "-id"],
                condition=Q(shown_on_wall=True),
                name="post_on_wall",
            ),
            models.Index(
                fields=["community", "-echoed_at", "-id"],
                condition=Q(shown_on_echo=True),
                name="post_on_echo",
            ),
            # Open311's feed: published items not (yet) cases, newest first (api.open311.reading).
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(case__isnull=True, stage__in=PUBLIC_STAGES),
                name="post_open311_feed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def set_visibility(self, case=None) -> tuple[str, ...]:
        """Set the stored flags by the walls' rule from the post's stage and answer and its case's
        state (`case`: the post's case as it now stands, when the caller holds it); returns the
        fields to save."""
        if case is None and self.case_id:
            case = self.case
        in_case = self.stage == Stage.CASE and case is not None
        self.shown_on_wall = self.stage in (Stage.OPEN, Stage.AGENDA) or (
            in_case and case.status in OPEN_STATUSES
        )
        self.shown_on_echo = (self.stage in PUBLIC_STAGES and self.answered_at is not None) or (
            in_case and case.status == CaseStatus.CLOSED
        )
        closed_at = case.closed_at if case is not None else None
        self.echoed_at = (self.answered_at or closed_at) if self.shown_on_echo else None
        return VISIBILITY_FIELDS

    @property
    def reference(self) -> str:
        return f"WP{self.pk:07d}" if self.pk else "WP-new"

    @property
    def hold_reasons(self) -> list[str]:
        """Why a moderator has to look at it, in words (codes in `held_because`)."""
        from huizhi.wall.moderation import HOLD_REASONS

        return [str(HOLD_REASONS.get(code, code)) for code in self.held_because]

    @cached_property
    def sensitive_words(self) -> list[str]:
        """For the moderator: the lexicon words that held it (as the lexicon stands now)."""
        if "lexicon" not in self.held_because:
            return []
        from huizhi.wall.moderation import lexicon_matches

        return lexicon_matches(f"{self.title}\n{self.description}")

    @property
    def photos_are_public(self) -> bool:
        return self.stage in PUBLIC_STAGES and self.photos_public

    def days_open(self, now=None) -> int:
        if self.published_at is None:
            return 0
        # Open until the community answered it directly or its case closed; a claimant's answer
        # leaves it open on the wall.
        if self.stage == Stage.ANSWERED and self.answered_at:
            end = self.answered_at
        elif self.case_id and self.case.closed_at:
            end = self.case.closed_at
        else:
            end = now or timezone.now()
        return max(0, (end - self.published_at).days)


def _photo_path(photo: "PostPhoto", filename: str) -> str:
    return f"wall/{timezone.now():%Y/%m}/{filename}"


class PostPhoto(models.Model):
    """A photo of the problem as posted ('before'); re-encoded without EXIF (no GPS position)."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=_photo_path)

    class Meta:
        verbose_name = _("wall photo")
        verbose_name_plural = _("wall photos")

    def __str__(self) -> str:
        return self.image.name


class Support(models.Model):
    """附议 / 我也遇到: one per resident per post."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_support_per_resident")]

    def __str__(self) -> str:
        return f"{self.post_id} · {self.user_id}"


class Claim(models.Model):
    """认领: a representative or a 大党委 member unit takes an item on and answers under its name."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("member unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("shown as"), max_length=120)
    created_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_claim_per_claimant")]

    def __str__(self) -> str:
        return f"{self.name} · {self.post_id}"


class Response(models.Model):
    """An answer shown on the echo wall under the name of who gave it."""

    class Responder(models.TextChoices):
        COMMUNITY = "community", _("community")
        UNIT = "unit", _("handling unit")
        REPRESENTATIVE = "representative", _("representative")
        MEMBER_UNIT = "member_unit", _("member unit")

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="responses")
    responder = models.CharField(_("responder"), max_length=16, choices=Responder.choices)
    name = models.CharField(_("shown as"), max_length=120)
    text = models.TextField(_("response"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responder__in=["community", "unit", "representative", "member_unit"]),
                name="response_responder_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class EchoNote(models.Model):
    """A line on a community's echo wall that answers no single item: a meeting's decision taken on
    a free topic, a project's progress (DESIGN §8). Written by huizhi.wall.services.echo_note_publish."""

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("shown as"), max_length=120)  # e.g. "Project: 凤凰社区养老服务示范站"
    text = models.TextField(_("text"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("echo wall note")
        verbose_name_plural = _("echo wall notes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class ResponseTemplate(models.Model):
    """Wording staff start from when triaging; one per category (or any) and outcome."""

    community = models.ForeignKey(
        "places.Place",
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: used by every community that has no wording of its own."),
    )
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("A class or subclass; empty for every category."),
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=TriageDecision.choices)
    text = models.TextField(_("wording"), max_length=4000)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["outcome", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=TriageDecision.values), name="template_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.category or '*'}"


class SpamPattern(models.Model):
    """A maintained pattern: posts whose text matches are held for a moderator."""

    pattern = models.CharField(_("pattern"), max_length=200)
    is_regex = models.BooleanField(_("regular expression"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("spam pattern")
        verbose_name_plural = _("spam patterns")

    def __str__(self) -> str:
        return self.pattern


class SensitiveWord(models.Model):
    """A moderator's word for the sensitive-word lexicon: posts containing it are held.

    The product ships a default list (huizhi/wall/lexicon/default.txt); a row here adds a word,
    or, left inactive, switches off a shipped word of the same spelling."""

    class Kind(models.TextChoices):
        PORN = "porn", _("pornography")
        GAMBLING = "gambling", _("gambling")
        FRAUD = "fraud", _("fraud")
        ILLEGAL = "illegal", _("illegal services")
        OTHER = "other", _("other")

    word = models.CharField(_("word"), max_length=60, unique=True)
    category = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to stop holding posts for this word; an inactive word also switches off the "
            "same word in the list the product ships."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Every change moves this, so each process sees that its cached lexicon is out of date.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sensitive word")
        verbose_name_plural = _("sensitive words")
        ordering = ["word"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["porn", "gambling", "fraud", "illegal", "other"]),
                name="sensitive_word_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.word

    def clean(self) -> None:
        from huizhi.wall.moderation import normalised

        # Matching ignores spaces and punctuation; one character would hold half the wall.
        if len(normalised(self.word or "")) < 2:
            raise ValidationError(
                {"word": _("A word needs at least two letters or digits besides spaces and punctuation.")}
            )


class PostEvent(models.Model):
    """The post's own timeline (published, held, triaged, answered, claimed …); the case keeps its own."""

    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=24)
    note = models.TextField(_("note"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("post event")
        verbose_name_plural = _("post events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.post_id} {self.action}"


# Labels of PostEvent.action, for the author's timeline.
POST_ACTIONS = {
    "held": _("Held for moderation"),
    "published": _("Published on the wall"),
    "published_by_moderator": _("Published after review"),
    "rejected": _("Not published"),
    "triage_case": _("Made a case"),
    "triage_agenda": _("Put on a meeting agenda"),
    "triage_answer": _("Answered by the community"),
    "claimed": _("Taken on"),
    "responded": _("Answered"),
}
