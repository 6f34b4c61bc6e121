"""Commendations (表彰) read out at a 表彰会: a volunteer, a central party-member household or a
self-governance group, and why."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommendationKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    HOUSEHOLD = "household", _("central party-member household")
    GROUP = "group", _("self-governance group")


class Commendation(models.Model):
    """One commended party at a commendation meeting. `public_name` is how the public list names it,
    fixed when recorded: a volunteer by a masked name (王**), a household by its address (never a
    resident's name), a group by its name."""

    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="commendations"
    )
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("commended"), max_length=12, choices=CommendationKind.choices)
    volunteer = models.ForeignKey(
        "care.Volunteer",
        verbose_name=_("volunteer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "places.Place",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        "places.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    public_name = models.CharField(_("name shown"), max_length=160)
    reason = models.TextField(_("reason"), max_length=1000)
    # A volunteer's confirmed hours and points when commended (the care app's ranking).
    hours = models.DecimalField(_("confirmed hours"), max_digits=7, decimal_places=1, null=True, blank=True)
    points = models.PositiveIntegerField(_("points"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-meeting__starts_at", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="volunteer", volunteer__isnull=False, household__isnull=True, group__isnull=True)
                    | Q(kind="household", volunteer__isnull=True, household__isnull=False, group__isnull=True)
                    | Q(kind="group", volunteer__isnull=True, household__isnull=True, group__isnull=False)
                ),
                name="commendation_names_one_party",
            ),
            models.UniqueConstraint(
                fields=["meeting", "volunteer"], condition=Q(kind="volunteer"), name="commend_volunteer_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "household"], condition=Q(kind="household"), name="commend_household_once"
            ),
            models.UniqueConstraint(
                fields=["meeting", "group"], condition=Q(kind="group"), name="commend_group_once"
            ),
        ]
        indexes = [models.Index(fields=["community", "created_at"])]

    def __str__(self) -> str:
        return self.public_name
