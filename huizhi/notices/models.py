from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.places.kinds import PlaceKind

# The places a notice may be addressed to, and those a resident may follow.
NOTICE_PLACE_KINDS = (PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.COMPOUND, PlaceKind.BUILDING)
FOLLOW_PLACE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)


class NoticeQuerySet(models.QuerySet):
    def current(self, now=None) -> "NoticeQuerySet":
        """Not withdrawn, and valid now."""
        now = now or timezone.now()
        return self.filter(withdrawn_at__isnull=True, valid_from__lte=now, valid_until__gt=now)


class Notice(models.Model):
    """A notice to the residents of one place (通知公告): a water cut, a meeting, a vaccination."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("not yet valid")
        CURRENT = "current", _("current")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="notices"
    )
    # The place's code, for scope filters without a join; its first 12 digits are the community's.
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"), max_length=2000)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    by_sms = models.BooleanField(_("also by text message"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("published at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set by the delivery task: how many were told in their inbox, and how many by text message.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    told_count = models.PositiveIntegerField(_("told"), default=0)
    texted_count = models.PositiveIntegerField(_("texted"), default=0)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("area notice")
        verbose_name_plural = _("area notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="notice_valid_span"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def community_code(self) -> str:
        return self.place_code[:12]

    def state_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return self.State.WITHDRAWN
        if now < self.valid_from:
            return self.State.SCHEDULED
        return self.State.CURRENT if now < self.valid_until else self.State.EXPIRED

    @property
    def state(self) -> str:
        return self.state_at()

    def get_state_display(self) -> str:
        return self.State(self.state).label


class Follow(models.Model):
    """A resident follows their home's compound or building (FixMyStreet's alerts)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="follows"
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.CASCADE, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("followed place")
        verbose_name_plural = _("followed places")
        ordering = ["place_code"]
        constraints = [models.UniqueConstraint(fields=["user", "place"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.place}"


class NoticePreference(models.Model):
    """Whether a resident wants area notices by text message too (off until they say so)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        on_delete=models.CASCADE,
        related_name="notice_preference",
    )
    texts = models.BooleanField(_("area notices by text message"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notice preference")
        verbose_name_plural = _("notice preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.texts}"
