from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Volunteer(models.Model):
    """A registered volunteer (志愿者): a resident of the registry, with skills."""

    resident = models.OneToOneField(
        "registry.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="volunteer_record",
    )
    place_code = models.CharField(_("place code"), max_length=32, editable=False, db_index=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["place_code", "id"]

    def __str__(self) -> str:
        return self.resident.name


class VolunteerActivity(models.Model):
    """Something volunteers served at; its organiser confirms the hours logged for it."""

    title = models.CharField(_("title"), max_length=120)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    community_code = models.CharField(_("community code"), max_length=32, editable=False, db_index=True)
    held_on = models.DateField(_("held on"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class VolunteerHours(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="hours"
    )
    activity = models.ForeignKey(
        VolunteerActivity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="hours"
    )
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("logged by"), on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        ordering = ["-served_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=Decimal("0")) & Q(hours__lte=Decimal("24")), name="care_hours_in_a_day"
            ),
            models.UniqueConstraint(fields=["volunteer", "activity"], name="care_hours_once_per_activity"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.hours}h"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
