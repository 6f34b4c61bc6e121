from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.core.fields import EncryptedTextField


class ApiKey(models.Model):
    """A key for one integrating system (a 12345 hotline, a mini-program), scoped to a street or a
    community. Only a hash of the key is stored; the key itself is shown once, when created."""

    name = models.CharField(_("system"), max_length=80)
    prefix = models.CharField(_("key prefix"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookSubscription(models.Model):
    """A system that wants to hear of case events in its scope, at its URL, signed with its secret."""

    name = models.CharField(_("system"), max_length=80)
    url = models.URLField(_("URL"), max_length=400)
    secret = EncryptedTextField(_("signing secret"))
    place = models.ForeignKey(
        "places.Place", verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+"
    )
    actions = models.JSONField(
        _("actions"),
        default=list,
        blank=True,
        help_text=_('Case actions to send (e.g. ["report", "verify"]); empty: all.'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class WebhookDelivery(models.Model):
    """One case event sent (or being retried) to one subscriber."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, will retry")
        GAVE_UP = "gave_up", _("gave up")

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        "cases.CaseEvent", verbose_name=_("case event"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The JSON sent, frozen when the event happened: every attempt sends these bytes.
    body = models.TextField(_("body"), blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.subscription.name} #{self.event_id}"


class IdempotentRequest(models.Model):
    """The first answer to a filing sent with an idempotency key, so that a client retrying after a
    lost response (a reset connection, a timeout) gets that answer again and files nothing twice."""

    client = models.CharField(_("client"), max_length=80)  # "key:<prefix>" or "user:<id>"
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    content_type = models.CharField(_("content type"), max_length=100)
    body = models.BinaryField(_("body"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_once_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"
