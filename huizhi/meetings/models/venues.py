"""Meeting places (议事场所): the 协商议事亭 and the other rooms a community meets in, on the map."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VenueKind(models.TextChoices):
    PAVILION = "pavilion", _("consultation pavilion (协商议事亭)")
    HALL = "hall", _("community hall")
    STUDIO = "studio", _("representative's studio")
    OTHER = "other", _("other venue")


class Venue(models.Model):
    """A place where a community holds its meetings: a kind, an address and a point on the map."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=VenueKind.choices)
    community = models.ForeignKey(
        "places.Place", verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    # Copied from the community so the list filters by scope without a join.
    community_code = models.CharField(_("community code"), max_length=32, editable=False, db_index=True)
    address = models.CharField(_("address"), max_length=200)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting place")
        verbose_name_plural = _("meeting places")
        ordering = ["community_code", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VenueKind.values), name="venue_kind_valid"),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90), name="venue_point_valid"
            ),
            models.UniqueConstraint(fields=["community", "name"], name="venue_name_once_per_community"),
        ]

    def __str__(self) -> str:
        return self.name
