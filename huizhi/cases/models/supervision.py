from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SupervisionNotice(models.Model):
    """A 督办单 from the discipline commissioner to the handling unit; answered by the unit."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="supervision_notices"
    )
    unit = models.ForeignKey(
        "places.Organisation",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="supervision_notices",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    # The case's place code, copied when the notice is issued (a case's place never changes): the
    # statistics count a street's notices from this table's own index, without joining the cases.
    place_code = models.CharField(_("place code"), max_length=32, editable=False, default="")
    requirement = models.TextField(_("requirement"), max_length=2000)
    reply_due_at = models.DateTimeField(_("reply by"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    reply = models.TextField(_("reply"), blank=True, max_length=2000)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["place_code", "issued_at"], name="supervision_place_issued")]

    def __str__(self) -> str:
        return f"{self.case.reference} · {self.unit}"

    @property
    def is_answered(self) -> bool:
        return self.replied_at is not None


class Notification(models.Model):
    """An in-app inbox line: something changed on a case the user is involved in."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text
