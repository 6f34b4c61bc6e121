from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huizhi.care.kinds import AlertKind


class CareAlertQuerySet(models.QuerySet):
    def active(self) -> "CareAlertQuerySet":
        return self.filter(cleared_at__isnull=True)


class CareAlert(models.Model):
    """An urgent alert shown at the top of the staff's and watchers' pages until it is cleared:
    a watched elder not reached twice in a row, or a child nearly collected by a stranger."""

    kind = models.CharField(_("kind"), max_length=24, choices=AlertKind.choices)
    # Where it happened (the resident's unit), for scope: grid workers and community staff see it.
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    watched = models.ForeignKey(
        "care.WatchedResident",
        verbose_name=_("watched resident"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    enrolment = models.ForeignKey(
        "care.ChildcareEnrolment",
        verbose_name=_("childcare enrolment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    text = models.CharField(_("text"), max_length=300)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cleared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Why it was cleared, when a person clears it by hand (an unauthorised pick-up dealt with).
    cleared_note = models.CharField(_("clearing note"), max_length=300, blank=True)

    objects = CareAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("care alert")
        verbose_name_plural = _("care alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["cleared_at", "place_code"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="care_alert_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None
