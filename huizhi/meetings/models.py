from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgendaItem(models.Model):
    """A matter waiting for a consultation meeting (协商议事, DESIGN §8).

    For now only the pending list: the problem wall puts items here; the meetings module will
    schedule them into meetings and record the decisions.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for a meeting")
        SCHEDULED = "scheduled", _("scheduled")
        DECIDED = "decided", _("decided")

    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    summary = models.TextField(_("summary"), max_length=4000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    source_post = models.OneToOneField(
        "wall.Post",
        verbose_name=_("wall post"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_item",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "scheduled", "decided"]), name="agenda_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title
